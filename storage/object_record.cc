// Record encodings. Object record, format 1:
//   u8 format(1) | varint size | varint zigzag(last_modified_ms) | lp etag | lp version_id
//   | lp storage_class | u8 checksum algorithm | lp checksum | varint header count
//   | (lp name, lp value)* | u8 payload kind | lp payload
// Payload kind 2 (kParts, added for multipart uploads) is additive: format 1 records written
// before it never carry it, so the format byte is unchanged.
// Object record, format 2 (issue 4; every record written since; format 1 still decodes):
//   u8 format(2) | varint size | varint zigzag(last_modified_ms) | lp etag | lp version_id
//   | lp sort_id | u8 flags (bit 0 delete marker, bit 1 legal hold ON, bit 2 legal hold status
//   set: by a PUT header or PutObjectLegalHold, ON or OFF) | lp storage_class
//   | u8 checksum algorithm | lp checksum | varint header count | (lp name, lp value)*
//   | varint tag count | (lp key, lp value)* | u8 retention mode | varint zigzag(retain_until_ms)
//   | u8 payload kind | lp payload
// Object record, format 3 (issue 7; written only for encrypted data, so plain records stay
// readable by older builds): format 2 with `lp sse_envelope` before the payload kind.
// Payload kind 3 (kInlineInVersion, issue 8) is additive too: only "o/" copies of inline
// objects written since carry it (older builds cannot read those; downgrades are unsupported).
// Bucket record, format 1: u8 format(1) | varint zigzag(created_ms) | lp region.
// Bucket record, format 2: format 1's fields | u8 versioning | u8 object lock
//   | u8 has default retention | u8 mode | varint days | varint years | varint tag count
//   | (lp key, lp value)*
// (lp = varint length + bytes.) The payload comes last so listing can stop short of it.
#include "storage/object_record.h"

#include <algorithm>

#include "storage/coding.h"
#include "storage/sse.h"

namespace strata::storage {
namespace {

boost::system::error_code Corrupt() { return make_error_code(Errc::kCorrupt); }

}  // namespace

int64_t ToUnixMillis(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

bool RepresentableMillis(int64_t ms) {
  constexpr int64_t kLimit =
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::duration::max()).count();
  return ms >= -kLimit && ms <= kLimit;
}

TimePoint FromUnixMillis(int64_t ms) {
  // Saturates rather than overflow (undefined behaviour) on a time no clock value converts to;
  // the object record decoders reject such times, this guards every other caller.
  if (!RepresentableMillis(ms)) return ms < 0 ? TimePoint::min() : TimePoint::max();
  return TimePoint(std::chrono::duration_cast<Clock::duration>(std::chrono::milliseconds(ms)));
}

std::string EncodeBucketRecord(const BucketRecord& record) {
  std::string out;
  out.push_back(static_cast<char>(kBucketRecordFormatV2));
  PutVarint64(out, ZigZag(record.created_ms));
  PutLengthPrefixed(out, record.region);
  out.push_back(static_cast<char>(record.versioning));
  out.push_back(record.object_lock ? 1 : 0);
  const auto& rule = record.default_retention;
  out.push_back(rule ? 1 : 0);
  out.push_back(static_cast<char>(rule ? rule->mode : RetentionMode::kNone));
  PutVarint64(out, rule ? rule->days : 0);
  PutVarint64(out, rule ? rule->years : 0);
  PutStringPairs(out, record.tags);
  return out;
}

Result<BucketRecord> DecodeBucketRecord(std::string_view bytes) {
  Decoder d(bytes);
  uint8_t format = 0;
  uint64_t created = 0;
  BucketRecord record;
  if (!d.GetByte(format) || (format != kBucketRecordFormatV1 && format != kBucketRecordFormatV2) ||
      !d.GetVarint64(created) || !d.GetLengthPrefixed(record.region)) {
    return Corrupt();
  }
  record.created_ms = UnZigZag(created);
  if (format == kBucketRecordFormatV2) {
    uint8_t versioning = 0, lock = 0, has_rule = 0, mode = 0;
    uint64_t days = 0, years = 0;
    if (!d.GetByte(versioning) || versioning > 2 || !d.GetByte(lock) || lock > 1 ||
        !d.GetByte(has_rule) || has_rule > 1 || !d.GetByte(mode) || mode > 2 ||
        !d.GetVarint64(days) || days > UINT32_MAX || !d.GetVarint64(years) || years > UINT32_MAX ||
        !GetStringPairs(d, record.tags)) {
      return Corrupt();
    }
    record.versioning = static_cast<VersioningState>(versioning);
    record.object_lock = lock == 1;
    if (has_rule) {
      record.default_retention =
          DefaultRetention{static_cast<RetentionMode>(mode), static_cast<uint32_t>(days),
                           static_cast<uint32_t>(years)};
    }
  }
  if (!d.done()) return Corrupt();
  return record;
}

namespace {

std::string EncodeRecord(const ObjectRecord& r, bool payload_in_version) {
  std::string out;
  size_t estimate = 32 + r.etag.size() + r.version_id.size() + r.storage_class.size() +
                    r.checksum.value.size() + (payload_in_version ? 0 : r.payload.size());
  for (const auto& [name, value] : r.headers) estimate += 4 + name.size() + value.size();
  out.reserve(estimate);
  const bool encrypted = !r.sse_envelope.empty();
  out.push_back(static_cast<char>(encrypted ? kObjectRecordFormatV3 : kObjectRecordFormatV2));
  PutVarint64(out, r.size);
  PutVarint64(out, ZigZag(r.last_modified_ms));
  PutLengthPrefixed(out, r.etag);
  PutLengthPrefixed(out, r.version_id);
  PutLengthPrefixed(out, r.sort_id);
  out.push_back(static_cast<char>((r.delete_marker ? 1 : 0) | (r.legal_hold ? 2 : 0) |
                                  (r.legal_hold_set || r.legal_hold ? 4 : 0)));
  PutLengthPrefixed(out, r.storage_class);
  out.push_back(static_cast<char>(r.checksum.algorithm));
  PutLengthPrefixed(out, r.checksum.value);
  PutVarint64(out, r.headers.size());
  for (const auto& [name, value] : r.headers) {
    PutLengthPrefixed(out, name);
    PutLengthPrefixed(out, value);
  }
  PutStringPairs(out, r.tags);
  out.push_back(static_cast<char>(r.retention_mode));
  PutVarint64(out, ZigZag(r.retain_until_ms));
  if (encrypted) PutLengthPrefixed(out, r.sse_envelope);
  if (payload_in_version) {
    out.push_back(static_cast<char>(PayloadKind::kInlineInVersion));
    PutLengthPrefixed(out, "");
    return out;
  }
  out.push_back(static_cast<char>(r.payload_kind));
  // A decoded kParts record holds its part list in `parts` (payload left empty): re-encoding
  // it after a metadata change (tags, retention, class) must keep the list. A list always
  // names its upload, so an empty payload never is a valid encoded list.
  if (r.payload_kind == PayloadKind::kParts && r.payload.empty()) {
    PutLengthPrefixed(out, EncodePartList(r.parts));
  } else {
    PutLengthPrefixed(out, r.payload);
  }
  return out;
}

}  // namespace

std::string EncodeObjectRecord(const ObjectRecord& r) {
  return EncodeRecord(r, /*payload_in_version=*/false);
}

std::string EncodeCurrentObjectRecord(const ObjectRecord& r) {
  // Format 1 records (no sort id) have no version record to hold the bytes.
  return EncodeRecord(r, r.payload_kind == PayloadKind::kInline && !r.sort_id.empty());
}

namespace {

// Steps over `varint n | n x (lp, lp)` with GetStringPairs' checks, copying nothing.
bool SkipStringPairs(Decoder& d, size_t& count) {
  uint64_t n = 0;
  if (!d.GetVarint64(n) || n > d.remaining() / 2) return false;
  for (uint64_t i = 0; i < n; ++i) {
    std::string_view first, second;
    if (!d.GetLengthPrefixed(first) || !d.GetLengthPrefixed(second)) return false;
  }
  count = static_cast<size_t>(n);
  return true;
}

// What `d` consumed since it had `before` bytes left, as a view into `bytes`.
std::string_view Consumed(std::string_view bytes, size_t before, const Decoder& d) {
  return bytes.substr(bytes.size() - before, before - d.remaining());
}

// An object record's fields as views into its bytes, once every check is made: the one walk
// both decoders share, so they accept exactly the same records. The variable-length lists
// (headers, tags) are kept as their encoded bytes, already checked.
struct RecordFields {
  ObjectRecordSummary summary;
  std::string_view sort_id;
  uint8_t checksum_algorithm = 0;
  std::string_view checksum;
  uint64_t header_count = 0;
  std::string_view headers;  // header_count x (lp name | lp value)
  std::string_view tags;     // varint n | n x (lp key | lp value); empty before format 2
  PayloadKind payload_kind = PayloadKind::kInline;
  std::string_view payload;
};

Result<RecordFields> WalkObjectRecord(std::string_view bytes) {
  Decoder d(bytes);
  RecordFields f;
  ObjectRecordSummary& r = f.summary;
  uint8_t format = 0;
  uint64_t modified = 0;
  uint8_t flags = 0;
  if (!d.GetByte(format) || format < kObjectRecordFormatV1 || format > kObjectRecordFormatV3 ||
      !d.GetVarint64(r.size) || !d.GetVarint64(modified) || !d.GetLengthPrefixed(r.etag) ||
      !d.GetLengthPrefixed(r.version_id)) {
    return Corrupt();
  }
  const bool versioned_format = format >= kObjectRecordFormatV2;
  if (versioned_format && (!d.GetLengthPrefixed(f.sort_id) || !d.GetByte(flags) || flags > 7)) {
    return Corrupt();
  }
  r.delete_marker = (flags & 1) != 0;
  r.legal_hold = (flags & 2) != 0;
  // Records written before bit 2 existed: a hold that is ON was certainly set.
  r.legal_hold_set = (flags & 6) != 0;
  if (!d.GetLengthPrefixed(r.storage_class) || !d.GetByte(f.checksum_algorithm) ||
      !d.GetLengthPrefixed(f.checksum) || !d.GetVarint64(f.header_count)) {
    return Corrupt();
  }
  if (f.checksum_algorithm > static_cast<uint8_t>(ChecksumAlgorithm::kSha256)) return Corrupt();
  r.last_modified_ms = UnZigZag(modified);
  // Every stored time came from a TimePoint (ToUnixMillis): one that none converts back to is
  // damage, and converting it would overflow.
  if (!RepresentableMillis(r.last_modified_ms)) return Corrupt();
  // Each header takes at least two bytes: a claimed count cannot make a reader allocate more.
  if (f.header_count > d.remaining() / 2) return Corrupt();
  size_t before = d.remaining();
  for (uint64_t i = 0; i < f.header_count; ++i) {
    std::string_view name, value;
    if (!d.GetLengthPrefixed(name) || !d.GetLengthPrefixed(value)) return Corrupt();
  }
  f.headers = Consumed(bytes, before, d);
  if (versioned_format) {
    uint8_t mode = 0;
    uint64_t until = 0;
    before = d.remaining();
    if (!SkipStringPairs(d, r.tag_count)) return Corrupt();
    f.tags = Consumed(bytes, before, d);
    if (!d.GetByte(mode) || mode > 2 || !d.GetVarint64(until)) return Corrupt();
    r.retention_mode = static_cast<RetentionMode>(mode);
    r.retain_until_ms = UnZigZag(until);
    if (!RepresentableMillis(r.retain_until_ms)) return Corrupt();
  }
  if (format == kObjectRecordFormatV3) {
    if (!d.GetLengthPrefixed(r.sse_envelope) || !DecodeSseEnvelope(r.sse_envelope)) {
      return Corrupt();
    }
  }
  uint8_t kind = 0;
  if (!d.GetByte(kind) || kind > static_cast<uint8_t>(PayloadKind::kInlineInVersion) ||
      !d.GetLengthPrefixed(f.payload) || !d.done()) {
    return Corrupt();
  }
  f.payload_kind = static_cast<PayloadKind>(kind);
  // The bytes are in the version record, which a record without a sort id does not have.
  if (f.payload_kind == PayloadKind::kInlineInVersion &&
      (!f.payload.empty() || f.sort_id.empty())) {
    return Corrupt();
  }
  if (f.payload_kind == PayloadKind::kInline &&
      f.payload.size() != (r.sse_envelope.empty() ? r.size : SseCiphertextSize(r.size))) {
    return Corrupt();
  }
  return f;
}

}  // namespace

Result<ObjectRecord> DecodeObjectRecord(std::string_view bytes, bool with_payload) {
  auto fields = WalkObjectRecord(bytes);
  if (!fields) return fields.error();
  const RecordFields& f = *fields;
  const ObjectRecordSummary& s = f.summary;
  ObjectRecord r;
  r.size = s.size;
  r.last_modified_ms = s.last_modified_ms;
  r.etag.assign(s.etag);
  r.version_id.assign(s.version_id);
  r.sort_id.assign(f.sort_id);
  r.delete_marker = s.delete_marker;
  r.legal_hold = s.legal_hold;
  r.legal_hold_set = s.legal_hold_set;
  r.storage_class.assign(s.storage_class);
  r.checksum.algorithm = static_cast<ChecksumAlgorithm>(f.checksum_algorithm);
  r.checksum.value.assign(f.checksum);
  r.retention_mode = s.retention_mode;
  r.retain_until_ms = s.retain_until_ms;
  r.sse_envelope.assign(s.sse_envelope);
  r.payload_kind = f.payload_kind;
  // The lists were checked by the walk: these reads cannot fail.
  Decoder headers(f.headers);
  r.headers.reserve(f.header_count);
  for (uint64_t i = 0; i < f.header_count; ++i) {
    std::string name, value;
    if (!headers.GetLengthPrefixed(name) || !headers.GetLengthPrefixed(value)) return Corrupt();
    r.headers.emplace_back(std::move(name), std::move(value));
  }
  if (!f.tags.empty()) {
    Decoder tags(f.tags);
    if (!GetStringPairs(tags, r.tags)) return Corrupt();
  }
  if (!with_payload) return r;
  if (r.payload_kind != PayloadKind::kParts) {
    r.payload.assign(f.payload);
    return r;
  }
  auto parts = DecodePartList(f.payload);
  if (!parts) return parts.error();
  uint64_t total = 0;
  for (const auto& p : parts->parts) total += p.size;  // each <= 2^64 / 10000: cannot wrap
  if (parts->parts.empty() || total != r.size) return Corrupt();
  r.parts = std::move(*parts);
  return r;
}

Result<ObjectRecordSummary> DecodeObjectRecordSummary(std::string_view bytes) {
  auto fields = WalkObjectRecord(bytes);
  if (!fields) return fields.error();
  return fields->summary;
}

std::string EncodePartList(const PartList& list) {
  std::string out;
  size_t estimate = 8 + list.upload_id.size();
  for (const auto& p : list.parts)
    estimate += 16 + p.md5.size() + p.checksum.size() + p.data.size();
  out.reserve(estimate);
  PutLengthPrefixed(out, list.upload_id);
  PutVarint64(out, list.parts.size());
  for (const auto& p : list.parts) {
    PutVarint64(out, p.part_number);
    PutVarint64(out, p.size);
    PutLengthPrefixed(out, p.md5);
    PutLengthPrefixed(out, p.checksum);
    out.push_back(static_cast<char>(p.kind));
    PutLengthPrefixed(out, p.data);
  }
  return out;
}

Result<PartList> DecodePartList(std::string_view bytes) {
  Decoder d(bytes);
  PartList list;
  uint64_t count = 0;
  if (!d.GetLengthPrefixed(list.upload_id) || !d.GetVarint64(count)) return Corrupt();
  // A part takes at least 21 bytes (16 of them the MD5): a claimed count cannot over-allocate.
  if (count > kMaxPartNumber || count > d.remaining() / 21) return Corrupt();
  list.parts.reserve(count);
  uint64_t previous = 0;
  for (uint64_t i = 0; i < count; ++i) {
    PartEntry p;
    uint64_t number = 0;
    uint8_t kind = 0;
    if (!d.GetVarint64(number) || !d.GetVarint64(p.size) || !d.GetLengthPrefixed(p.md5) ||
        !d.GetLengthPrefixed(p.checksum) || !d.GetByte(kind) || !d.GetLengthPrefixed(p.data)) {
      return Corrupt();
    }
    if (number <= previous || number > kMaxPartNumber || p.size > kMaxPartSize ||
        p.md5.size() != 16 || kind > static_cast<uint8_t>(PayloadKind::kBlob)) {
      return Corrupt();
    }
    p.kind = static_cast<PayloadKind>(kind);
    if (p.kind == PayloadKind::kInline && p.data.size() != p.size &&
        p.data.size() != SseCiphertextSize(p.size)) {
      return Corrupt();
    }
    p.part_number = static_cast<uint32_t>(number);
    previous = number;
    list.parts.push_back(std::move(p));
  }
  if (!d.done()) return Corrupt();
  return list;
}

std::string EncodeBlobLabel(std::string_view bucket, std::string_view key,
                            std::string_view version_id) {
  std::string out;
  out.push_back(static_cast<char>(kBlobLabelFormatV1));
  PutLengthPrefixed(out, bucket);
  PutLengthPrefixed(out, key);
  PutLengthPrefixed(out, version_id);
  return out;
}

std::string EncodePartBlobLabel(std::string_view bucket, std::string_view key,
                                std::string_view upload_id, uint32_t part_number) {
  std::string out;
  out.push_back(static_cast<char>(kPartBlobLabelFormat));
  PutLengthPrefixed(out, bucket);
  PutLengthPrefixed(out, key);
  PutLengthPrefixed(out, upload_id);
  PutVarint64(out, part_number);
  return out;
}

namespace {

// What both conversions below derive the same way from a record, so the rules for retention,
// legal hold and the SSE mode are written once. R: ObjectRecord or ObjectRecordSummary.
template <typename R>
void SetDerivedFields(ObjectInfo& info, std::string_view bucket, std::string_view key,
                      const R& record) {
  info.bucket.assign(bucket);
  info.key.assign(key);
  info.delete_marker = record.delete_marker;
  info.retention.mode = record.retention_mode;
  if (record.retention_mode != RetentionMode::kNone) {
    info.retention.retain_until = FromUnixMillis(record.retain_until_ms);
  }
  info.legal_hold = record.legal_hold;
  info.legal_hold_set = record.legal_hold_set || record.legal_hold;
  info.size = record.size;
  info.last_modified = FromUnixMillis(record.last_modified_ms);
  if (!record.sse_envelope.empty()) {  // validated by the decoder; its first byte is the mode
    info.sse = static_cast<SseMode>(record.sse_envelope[0]);
  }
}

}  // namespace

ObjectInfo ToObjectInfo(std::string_view bucket, std::string_view key, ObjectRecord record) {
  ObjectInfo info;
  SetDerivedFields(info, bucket, key, record);
  info.version_id = std::move(record.version_id);
  info.tag_count = record.tags.size();
  info.etag = std::move(record.etag);
  info.storage_class = std::move(record.storage_class);
  info.headers = std::move(record.headers);
  info.checksum = std::move(record.checksum);
  info.sse_envelope = std::move(record.sse_envelope);
  info.parts.reserve(record.parts.parts.size());
  for (auto& p : record.parts.parts) {
    PartSummary summary;
    summary.part_number = p.part_number;
    summary.size = p.size;
    summary.etag = HexEncode(p.md5);
    if (!p.checksum.empty()) summary.checksum = {info.checksum.algorithm, std::move(p.checksum)};
    info.parts.push_back(std::move(summary));
  }
  return info;
}

void FillListedObjectInfo(ObjectInfo& info, std::string_view bucket, std::string_view key,
                          const ObjectRecordSummary& summary) {
  SetDerivedFields(info, bucket, key, summary);
  info.version_id.assign(summary.version_id);
  info.tag_count = summary.tag_count;
  info.etag.assign(summary.etag);
  info.storage_class.assign(summary.storage_class);
}

}  // namespace strata::storage
