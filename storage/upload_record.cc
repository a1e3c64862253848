// Upload and part record encodings. Decoders are bounds-checked and reject unknown versions,
// unknown enum values, truncation and trailing bytes with kCorrupt.
#include "storage/upload_record.h"

#include "storage/coding.h"
#include "storage/sse.h"

namespace strata::storage {
namespace {

boost::system::error_code Corrupt() { return make_error_code(Errc::kCorrupt); }

bool ValidAlgorithm(uint8_t a) { return a <= static_cast<uint8_t>(ChecksumAlgorithm::kSha256); }

}  // namespace

std::string EncodeUploadRecord(const UploadRecord& r) {
  std::string out;
  const bool encrypted = !r.sse_envelope.empty();
  const uint8_t format = !r.acl.empty() ? kUploadRecordFormatV4
                         : encrypted    ? kUploadRecordFormatV3
                                        : kUploadRecordFormatV2;
  out.push_back(static_cast<char>(format));
  PutVarint64(out, ZigZag(r.initiated_ms));
  PutLengthPrefixed(out, r.storage_class);
  out.push_back(static_cast<char>(r.checksum_algorithm));
  PutVarint64(out, r.headers.size());
  for (const auto& [name, value] : r.headers) {
    PutLengthPrefixed(out, name);
    PutLengthPrefixed(out, value);
  }
  PutStringPairs(out, r.tags);
  out.push_back(static_cast<char>(r.retention_mode));
  PutVarint64(out, ZigZag(r.retain_until_ms));
  out.push_back(r.legal_hold ? 1 : (r.legal_hold_given ? 2 : 0));
  if (format >= kUploadRecordFormatV3) PutLengthPrefixed(out, r.sse_envelope);
  if (format == kUploadRecordFormatV4) PutLengthPrefixed(out, r.acl);
  return out;
}

Result<UploadRecord> DecodeUploadRecord(std::string_view bytes) {
  Decoder d(bytes);
  UploadRecord r;
  uint8_t format = 0;
  uint64_t initiated = 0;
  uint8_t algorithm = 0;
  uint64_t header_count = 0;
  if (!d.GetByte(format) || format < kUploadRecordFormatV1 || format > kUploadRecordFormatV4 ||
      !d.GetVarint64(initiated) || !d.GetLengthPrefixed(r.storage_class) || !d.GetByte(algorithm) ||
      !ValidAlgorithm(algorithm) || !d.GetVarint64(header_count)) {
    return Corrupt();
  }
  r.initiated_ms = UnZigZag(initiated);
  r.checksum_algorithm = static_cast<ChecksumAlgorithm>(algorithm);
  if (header_count > d.remaining() / 2) return Corrupt();  // two bytes per header at least
  r.headers.reserve(header_count);
  for (uint64_t i = 0; i < header_count; ++i) {
    std::string name, value;
    if (!d.GetLengthPrefixed(name) || !d.GetLengthPrefixed(value)) return Corrupt();
    r.headers.emplace_back(std::move(name), std::move(value));
  }
  if (format >= kUploadRecordFormatV2) {
    uint8_t mode = 0, hold = 0;
    uint64_t until = 0;
    if (!GetStringPairs(d, r.tags) || !d.GetByte(mode) || mode > 2 || !d.GetVarint64(until) ||
        !d.GetByte(hold) || hold > 2) {
      return Corrupt();
    }
    r.retention_mode = static_cast<RetentionMode>(mode);
    r.retain_until_ms = UnZigZag(until);
    r.legal_hold = hold == 1;
    r.legal_hold_given = hold != 0;
  }
  if (format >= kUploadRecordFormatV3) {
    if (!d.GetLengthPrefixed(r.sse_envelope)) return Corrupt();
    const bool may_be_empty = format == kUploadRecordFormatV4;
    if (!(may_be_empty && r.sse_envelope.empty()) && !DecodeSseEnvelope(r.sse_envelope)) {
      return Corrupt();
    }
  }
  if (format == kUploadRecordFormatV4 && (!d.GetLengthPrefixed(r.acl) || r.acl.empty())) {
    return Corrupt();
  }
  if (!d.done()) return Corrupt();
  return r;
}

std::string EncodePartRecord(const PartRecord& r) {
  std::string out;
  out.reserve(32 + r.md5.size() + r.checksum.value.size() + r.data.size());
  out.push_back(static_cast<char>(kPartRecordFormatV1));
  PutVarint64(out, r.size);
  PutVarint64(out, ZigZag(r.last_modified_ms));
  PutLengthPrefixed(out, r.md5);
  out.push_back(static_cast<char>(r.checksum.algorithm));
  PutLengthPrefixed(out, r.checksum.value);
  out.push_back(static_cast<char>(r.kind));
  PutLengthPrefixed(out, r.data);
  return out;
}

Result<PartRecord> DecodePartRecord(std::string_view bytes) {
  Decoder d(bytes);
  PartRecord r;
  uint8_t format = 0;
  uint64_t modified = 0;
  uint8_t algorithm = 0;
  uint8_t kind = 0;
  if (!d.GetByte(format) || format != kPartRecordFormatV1 || !d.GetVarint64(r.size) ||
      !d.GetVarint64(modified) || !d.GetLengthPrefixed(r.md5) || r.md5.size() != 16 ||
      !d.GetByte(algorithm) || !ValidAlgorithm(algorithm) ||
      !d.GetLengthPrefixed(r.checksum.value) || !d.GetByte(kind) ||
      kind > static_cast<uint8_t>(PayloadKind::kBlob) || !d.GetLengthPrefixed(r.data) ||
      !d.done()) {
    return Corrupt();
  }
  r.last_modified_ms = UnZigZag(modified);
  r.checksum.algorithm = static_cast<ChecksumAlgorithm>(algorithm);
  r.kind = static_cast<PayloadKind>(kind);
  if (r.kind == PayloadKind::kInline && r.data.size() != r.size &&
      r.data.size() != SseCiphertextSize(r.size)) {
    return Corrupt();
  }
  return r;
}

UploadInfo ToUploadInfo(std::string_view bucket, std::string_view key, std::string_view upload_id,
                        UploadRecord record) {
  UploadInfo info;
  info.bucket.assign(bucket);
  info.key.assign(key);
  info.upload_id.assign(upload_id);
  info.initiated = FromUnixMillis(record.initiated_ms);
  info.storage_class = std::move(record.storage_class);
  info.headers = std::move(record.headers);
  info.checksum_algorithm = record.checksum_algorithm;
  // The envelope was validated by the decoder; its first byte is the mode.
  if (!record.sse_envelope.empty()) info.sse = static_cast<SseMode>(record.sse_envelope[0]);
  info.acl = std::move(record.acl);
  return info;
}

}  // namespace strata::storage
