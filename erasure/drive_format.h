// A drive's identity: the format record each drive folder carries, and the check that decides,
// when the chunk store opens, whether a drive may serve its slot (tier, erasure set, position).
//
// On disk (<drive>/strata.format), text, one "key value" per line, in this order:
//   strata-drive-format 1
//   deployment <32 hex>       the deployment (one chunk store) the drive belongs to
//   drive <32 hex>            this drive's own id, fresh at every format
//   tier <name>
//   scheme <k>+<m>
//   set <set index>
//   position <index in the set>
//   crc32c <8 hex>            CRC32C of all preceding bytes
// Human-readable for operators, checksummed so a torn or edited record is refused, never trusted.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "erasure/drive.h"
#include "erasure/errors.h"

namespace strata::erasure {

inline constexpr const char* kFormatFileName = "strata.format";
inline constexpr size_t kMaxFormatRecordSize = 64 * 1024;
// On disk: never renumber.
inline constexpr uint32_t kDriveFormatVersion1 = 1;

struct FormatRecord {
  std::string deployment_id;
  std::string drive_id;
  std::string tier;
  uint32_t data_shards = 0;
  uint32_t parity_shards = 0;
  uint32_t set_index = 0;
  uint32_t position = 0;

  bool operator==(const FormatRecord&) const = default;
};

std::string EncodeFormatRecord(const FormatRecord& record);
// kCorrupt on anything but a well-formed, checksummed record (bounded: input over
// kMaxFormatRecordSize is refused before it is parsed).
[[nodiscard]] Result<FormatRecord> DecodeFormatRecord(std::string_view bytes);

// The verdict on one drive slot at open (or at a scrub's re-check).
enum class DriveState {
  kOnline = 0,     // its record names this deployment and slot
  kFormatted = 1,  // was empty: formatted now; a heal target if the set holds data elsewhere
  kAdopted = 2,    // had chunks but no record, in a store where no drive had one (upgrade)
  kRefused = 3,    // another deployment, slot or scheme, or an unreadable record: offline
  kOffline = 4,    // I/O error reading or writing its record: offline
};

const char* DriveStateName(DriveState state);

// What the chunk store reports about each drive (ChunkStore::DriveStatuses()).
struct DriveStatus {
  std::string path;
  std::string tier;
  uint32_t set_index = 0;
  uint32_t position = 0;
  DriveState state = DriveState::kOnline;
  std::string drive_id;  // from its record, when it has a valid one
  std::string detail;    // why it was refused or went offline; empty otherwise
  bool online() const { return state <= DriveState::kAdopted; }
};

// One slot to check: the drive and where it sits.
struct DriveSlot {
  Drive* drive = nullptr;
  std::string tier;
  uint32_t data_shards = 0;
  uint32_t parity_shards = 0;
  uint32_t set_index = 0;
  uint32_t position = 0;
};

// Reads every slot's record, settles the deployment id, and formats empty drives. The
// deployment id is `wanted` if non-empty, else the one most drives carry, else a new one.
// A drive with chunks but no record is adopted only if allow_adopt and no slot has a valid
// record (a store created before format records existed); otherwise it is refused.
// Drives that do not support format records (Drive's default) are reported kOnline as they are.
// Returns one status per slot, in order, and the deployment id in *deployment_id.
// Fails only if no random id can be drawn. Not thread-safe against itself on the same drives.
[[nodiscard]] Result<std::vector<DriveStatus>> CheckDriveIdentities(
    const std::vector<DriveSlot>& slots, const std::string& wanted, bool allow_adopt,
    std::string* deployment_id);

}  // namespace strata::erasure
