// CheckSseMasterKey: the sealed check value that binds the SSE master key to its index.
#include "storage/sse.h"

namespace strata::storage {
namespace {

constexpr std::string_view kCheckKey = "m/sse-key-check";
constexpr std::string_view kCheckText = "strata sse master key check v1";

}  // namespace

boost::system::error_code CheckSseMasterKey(const MasterKey& key, MetadataStore& index) {
  auto check = index.Get(kCheckKey);
  if (!check) return check.error();
  if (*check) {
    auto text = OpenSecret(key, **check, kCheckKey);
    if (!text && text.error() != IdentityErrc::kCannotDecrypt) return text.error();
    if (!text || *text != kCheckText) return make_error_code(IdentityErrc::kMasterKeyMismatch);
    return {};
  }
  auto sealed = SealSecret(key, kCheckText, kCheckKey);
  if (!sealed) return sealed.error();
  WriteBatch batch;
  batch.Put(kCheckKey, *sealed);
  return index.Write(batch);
}

}  // namespace strata::storage
