// ObjectStoreImpl, CORS configuration (issue 9): one record per bucket under "c/<bucket>",
// written under the bucket stripe like the bucket's other settings and deleted in DeleteBucket's
// batch. The record is storage's own binary encoding (coding.h), so a corrupt value is detected
// (kCorrupt) rather than half-read.
#include "storage/coding.h"
#include "storage/object_store_impl.h"

namespace strata::storage {
namespace {

constexpr std::string_view kCorsTag = "c/";
// On disk: the record's format version.
constexpr uint8_t kCorsFormat = 1;

void PutStrings(std::string& out, const std::vector<std::string>& list) {
  PutVarint64(out, list.size());
  for (const std::string& s : list) PutLengthPrefixed(out, s);
}

bool GetStrings(Decoder& d, std::vector<std::string>& list) {
  uint64_t n = 0;
  // Each string costs at least one byte: a claimed count beyond what is left is corrupt.
  if (!d.GetVarint64(n) || n > d.remaining()) return false;
  list.resize(n);
  for (std::string& s : list) {
    if (!d.GetLengthPrefixed(s)) return false;
  }
  return true;
}

std::string EncodeCors(const CorsConfiguration& config) {
  std::string out;
  out.push_back(static_cast<char>(kCorsFormat));
  PutVarint64(out, config.rules.size());
  for (const CorsRule& r : config.rules) {
    PutLengthPrefixed(out, r.id);
    PutStrings(out, r.allowed_origins);
    PutStrings(out, r.allowed_methods);
    PutStrings(out, r.allowed_headers);
    PutStrings(out, r.expose_headers);
    out.push_back(r.max_age_seconds ? 1 : 0);
    if (r.max_age_seconds) PutVarint64(out, ZigZag(*r.max_age_seconds));
  }
  return out;
}

Result<CorsConfiguration> DecodeCors(std::string_view in) {
  Decoder d(in);
  uint8_t format = 0;
  uint64_t n = 0;
  if (!d.GetByte(format) || format != kCorsFormat || !d.GetVarint64(n) || n > d.remaining()) {
    return make_error_code(Errc::kCorrupt);
  }
  CorsConfiguration config;
  config.rules.resize(n);
  for (CorsRule& r : config.rules) {
    uint8_t has_max_age = 0;
    if (!d.GetLengthPrefixed(r.id) || !GetStrings(d, r.allowed_origins) ||
        !GetStrings(d, r.allowed_methods) || !GetStrings(d, r.allowed_headers) ||
        !GetStrings(d, r.expose_headers) || !d.GetByte(has_max_age) || has_max_age > 1) {
      return make_error_code(Errc::kCorrupt);
    }
    if (has_max_age) {
      uint64_t v = 0;
      if (!d.GetVarint64(v)) return make_error_code(Errc::kCorrupt);
      r.max_age_seconds = UnZigZag(v);
    }
  }
  if (!d.done()) return make_error_code(Errc::kCorrupt);
  return config;
}

}  // namespace

std::string CorsKey(std::string_view bucket) {
  std::string key(kCorsTag);
  key.append(bucket);
  return key;
}

boost::system::error_code ObjectStoreImpl::PutBucketCors(const std::string& bucket,
                                                         const CorsConfiguration& config) {
  std::unique_lock lock(BucketLock(bucket));
  auto b = LoadBucket(bucket);
  if (!b) return b.error();
  WriteBatch batch;
  batch.Put(CorsKey(bucket), EncodeCors(config));
  return metadata_.Write(batch);
}

Result<std::optional<CorsConfiguration>> ObjectStoreImpl::GetBucketCors(const std::string& bucket) {
  auto b = LoadBucket(bucket);
  if (!b) return b.error();
  auto value = metadata_.Get(CorsKey(bucket));
  if (!value) return value.error();
  if (!value->has_value()) return std::optional<CorsConfiguration>();
  auto config = DecodeCors(**value);
  if (!config) return config.error();
  return std::optional<CorsConfiguration>(std::move(*config));
}

boost::system::error_code ObjectStoreImpl::DeleteBucketCors(const std::string& bucket) {
  std::unique_lock lock(BucketLock(bucket));
  auto b = LoadBucket(bucket);
  if (!b) return b.error();
  WriteBatch batch;
  batch.Delete(CorsKey(bucket));
  return metadata_.Write(batch);
}

}  // namespace strata::storage
