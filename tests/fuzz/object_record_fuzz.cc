// Fuzzes the object record decoders (storage/object_record.h): the bytes of the metadata index,
// which a damaged disk or a bad restore can hand us. DecodeObjectRecordSummary (what listing
// uses) must accept exactly the records DecodeObjectRecord(bytes, false) accepts, with the same
// fields; the full decode (with the payload, part list included) must not crash either.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>

#include "storage/object_record.h"

namespace {

void Check(bool ok) {
  if (!ok) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace strata::storage;
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto full = DecodeObjectRecord(bytes, /*with_payload=*/false);
  auto summary = DecodeObjectRecordSummary(bytes);
  Check(static_cast<bool>(full) == static_cast<bool>(summary));
  if (summary) {
    Check(summary->version_id == full->version_id);
    Check(summary->etag == full->etag);
    Check(summary->storage_class == full->storage_class);
    Check(summary->sse_envelope == full->sse_envelope);
    Check(summary->size == full->size);
    Check(summary->last_modified_ms == full->last_modified_ms);
    Check(summary->delete_marker == full->delete_marker);
    Check(summary->legal_hold == full->legal_hold);
    Check(summary->legal_hold_set == full->legal_hold_set);
    Check(summary->tag_count == full->tags.size());
    Check(summary->retention_mode == full->retention_mode);
    Check(summary->retain_until_ms == full->retain_until_ms);
    ObjectInfo listed;
    FillListedObjectInfo(listed, "bucket", "key", *summary);
  } else {
    Check(summary.error() == Errc::kCorrupt);
  }
  if (auto with_payload = DecodeObjectRecord(bytes, /*with_payload=*/true)) {
    // A record that decodes whole re-encodes to something that decodes again.
    Check(static_cast<bool>(DecodeObjectRecord(EncodeObjectRecord(*with_payload), true)));
    (void)ToObjectInfo("bucket", "key", std::move(*with_payload));
  }
  return 0;
}
