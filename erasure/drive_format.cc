// Format records and the identity check. The parser is strict (fixed keys in a fixed order,
// bounded fields, a CRC over everything): a record that is not exactly what we write is refused.
#include "erasure/drive_format.h"

#include <charconv>
#include <cstdio>
#include <map>

#include "erasure/blob_id.h"
#include "erasure/crc32c.h"
#include "erasure/shard_format.h"

namespace strata::erasure {
namespace {

constexpr std::string_view kMagic = "strata-drive-format";

std::span<const std::byte> AsBytes(std::string_view s) {
  return std::as_bytes(std::span<const char>(s.data(), s.size()));
}

std::string Hex32(uint32_t v) {
  char buf[9];
  std::snprintf(buf, sizeof(buf), "%08x", v);
  return buf;
}

bool IsTierName(std::string_view s) {
  if (s.empty() || s.size() > kMaxTierNameSize) return false;
  for (char c : s) {
    if (static_cast<unsigned char>(c) <= ' ' || static_cast<unsigned char>(c) >= 0x7f) return false;
  }
  return true;
}

bool ParseU32(std::string_view s, uint32_t& out, int base = 10) {
  if (s.empty() || s.size() > 10) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out, base);
  return ec == std::errc() && ptr == s.data() + s.size();
}

// Splits off the next line "key value"; false unless the key matches and a value follows.
bool NextField(std::string_view& in, std::string_view key, std::string_view& value) {
  const size_t nl = in.find('\n');
  if (nl == std::string_view::npos) return false;
  const std::string_view line = in.substr(0, nl);
  in.remove_prefix(nl + 1);
  if (line.size() <= key.size() + 1 || line.substr(0, key.size()) != key ||
      line[key.size()] != ' ') {
    return false;
  }
  value = line.substr(key.size() + 1);
  return true;
}

}  // namespace

std::string EncodeFormatRecord(const FormatRecord& r) {
  std::string out;
  out += std::string(kMagic) + " " + std::to_string(kDriveFormatVersion1) + "\n";
  out += "deployment " + r.deployment_id + "\n";
  out += "drive " + r.drive_id + "\n";
  out += "tier " + r.tier + "\n";
  out += "scheme " + std::to_string(r.data_shards) + "+" + std::to_string(r.parity_shards) + "\n";
  out += "set " + std::to_string(r.set_index) + "\n";
  out += "position " + std::to_string(r.position) + "\n";
  out += "crc32c " + Hex32(Crc32c(AsBytes(out))) + "\n";
  return out;
}

Result<FormatRecord> DecodeFormatRecord(std::string_view bytes) {
  const auto corrupt = make_error_code(Errc::kCorrupt);
  if (bytes.size() > kMaxFormatRecordSize) return corrupt;
  std::string_view in = bytes;
  std::string_view v;
  FormatRecord r;
  uint32_t version = 0;
  if (!NextField(in, kMagic, v) || !ParseU32(v, version) || version != kDriveFormatVersion1) {
    return corrupt;
  }
  if (!NextField(in, "deployment", v) || !IsValidBlobId(v)) return corrupt;
  r.deployment_id = std::string(v);
  if (!NextField(in, "drive", v) || !IsValidBlobId(v)) return corrupt;
  r.drive_id = std::string(v);
  if (!NextField(in, "tier", v) || !IsTierName(v)) return corrupt;
  r.tier = std::string(v);
  if (!NextField(in, "scheme", v)) return corrupt;
  const size_t plus = v.find('+');
  if (plus == std::string_view::npos || !ParseU32(v.substr(0, plus), r.data_shards) ||
      !ParseU32(v.substr(plus + 1), r.parity_shards) || r.data_shards < 1 ||
      r.data_shards + uint64_t{r.parity_shards} > 255) {
    return corrupt;
  }
  if (!NextField(in, "set", v) || !ParseU32(v, r.set_index)) return corrupt;
  if (!NextField(in, "position", v) || !ParseU32(v, r.position) ||
      r.position >= r.data_shards + r.parity_shards) {
    return corrupt;
  }
  const size_t covered = bytes.size() - in.size();
  uint32_t crc = 0;
  if (!NextField(in, "crc32c", v) || v.size() != 8 || !ParseU32(v, crc, 16) || !in.empty()) {
    return corrupt;
  }
  if (Crc32c(AsBytes(bytes.substr(0, covered))) != crc) return corrupt;
  return r;
}

const char* DriveStateName(DriveState state) {
  switch (state) {
    case DriveState::kOnline:
      return "online";
    case DriveState::kFormatted:
      return "formatted";
    case DriveState::kAdopted:
      return "adopted";
    case DriveState::kRefused:
      return "refused";
    case DriveState::kOffline:
      return "offline";
  }
  return "unknown";
}

Result<std::vector<DriveStatus>> CheckDriveIdentities(const std::vector<DriveSlot>& slots,
                                                      const std::string& wanted, bool allow_adopt,
                                                      std::string* deployment_id) {
  const auto not_found = make_error_code(Errc::kNotFound);
  const auto unsupported = make_error_code(Errc::kInvalidArgument);
  struct Read {
    Result<std::string> bytes = make_error_code(Errc::kNotFound);
    Result<FormatRecord> record = make_error_code(Errc::kNotFound);
  };
  std::vector<Read> reads(slots.size());
  std::map<std::string, size_t> votes;
  bool any_record = false;
  for (size_t i = 0; i < slots.size(); ++i) {
    reads[i].bytes = slots[i].drive->ReadFormatRecord();
    if (!reads[i].bytes) continue;
    any_record = true;  // even an unreadable record means this store was formatted before
    reads[i].record = DecodeFormatRecord(*reads[i].bytes);
    if (reads[i].record) ++votes[reads[i].record->deployment_id];
  }
  std::string deployment = wanted;
  if (deployment.empty()) {
    size_t best = 0;
    for (const auto& [id, n] : votes) {
      if (n > best) {  // ties: the smallest id, so every restart picks the same one
        best = n;
        deployment = id;
      }
    }
  }
  if (deployment.empty()) {
    auto fresh = NewBlobId();
    if (!fresh) return fresh.error();
    deployment = *fresh;
  }
  *deployment_id = deployment;

  std::vector<DriveStatus> out(slots.size());
  for (size_t i = 0; i < slots.size(); ++i) {
    const DriveSlot& slot = slots[i];
    DriveStatus& st = out[i];
    st.path = slot.drive->path();
    st.tier = slot.tier;
    st.set_index = slot.set_index;
    st.position = slot.position;
    const Read& read = reads[i];
    if (read.bytes) {
      if (!read.record) {
        st.state = DriveState::kRefused;
        st.detail = "format record is unreadable or corrupt";
        continue;
      }
      const FormatRecord& r = *read.record;
      st.drive_id = r.drive_id;
      if (r.deployment_id != deployment) {
        st.state = DriveState::kRefused;
        st.detail = "belongs to another deployment (" + r.deployment_id + ")";
      } else if (r.tier != slot.tier || r.data_shards != slot.data_shards ||
                 r.parity_shards != slot.parity_shards || r.set_index != slot.set_index ||
                 r.position != slot.position) {
        st.state = DriveState::kRefused;
        st.detail = "formatted for tier " + r.tier + " " + std::to_string(r.data_shards) + "+" +
                    std::to_string(r.parity_shards) + " set " + std::to_string(r.set_index) +
                    " position " + std::to_string(r.position) + " (swapped or moved?)";
      } else {
        st.state = DriveState::kOnline;
      }
      continue;
    }
    if (read.bytes.error() == unsupported) {
      st.state = DriveState::kOnline;  // a drive without identity support: nothing to check
      continue;
    }
    if (read.bytes.error() != not_found) {
      st.state = DriveState::kOffline;
      st.detail = "cannot read format record: " + read.bytes.error().message();
      continue;
    }
    // No record: a fresh (or replaced) drive, or data from before format records existed.
    auto has = slot.drive->HasChunks();
    if (!has) {
      st.state = DriveState::kOffline;
      st.detail = "cannot list chunks: " + has.error().message();
      continue;
    }
    if (*has && !(allow_adopt && !any_record)) {
      st.state = DriveState::kRefused;
      st.detail = "holds chunks but has no format record";
      continue;
    }
    FormatRecord r;
    r.deployment_id = deployment;
    auto drive_id = NewBlobId();
    if (!drive_id) return drive_id.error();
    r.drive_id = *drive_id;
    r.tier = slot.tier;
    r.data_shards = slot.data_shards;
    r.parity_shards = slot.parity_shards;
    r.set_index = slot.set_index;
    r.position = slot.position;
    if (auto ec = slot.drive->WriteFormatRecord(EncodeFormatRecord(r))) {
      st.state = DriveState::kOffline;
      st.detail = "cannot write format record: " + ec.message();
      continue;
    }
    st.drive_id = r.drive_id;
    // Empty drives of a store where no drive had a record are a new deployment: in service at
    // once. An empty drive beside recorded ones replaced a drive: a heal target.
    if (*has) {
      st.state = DriveState::kAdopted;
    } else {
      st.state = any_record ? DriveState::kFormatted : DriveState::kOnline;
    }
  }
  return out;
}

}  // namespace strata::erasure
