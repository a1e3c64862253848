#include "tests/storage/versioning_helpers_fake.h"

#include <catch2/catch.hpp>

#include "tests/storage/byte_source_fake.h"
#include "tests/storage/result_string_maker.h"

namespace strata::storage::testing {

StoreOptions OptionsWithClock(const TestClock& clock) {
  StoreOptions options = StoreFixture::DefaultOptions();
  options.clock = clock.AsFunction();
  return options;
}

std::string PutVersion(StoreFixture& f, const std::string& bucket, const std::string& key,
                       const std::string& data, const PutOptions& options) {
  return f.PutOrDie(bucket, key, data, options).version_id;
}

Result<std::string> ReadVersion(StoreFixture& f, const std::string& bucket, const std::string& key,
                                const std::string& version_id) {
  auto reader = f.store().GetVersion(bucket, key, version_id);
  if (!reader) return reader.error();
  return ReadAllFrom(**reader);
}

std::vector<ObjectInfo> AllVersions(ObjectStore& store, const std::string& bucket) {
  std::vector<ObjectInfo> out;
  ListVersionsOptions options;
  while (true) {
    auto page = store.ListObjectVersions(bucket, options);
    REQUIRE(page);
    out.insert(out.end(), page->versions.begin(), page->versions.end());
    if (!page->truncated) break;
    options.key_marker = page->next_key_marker;
    options.version_id_marker = page->next_version_id_marker;
  }
  return out;
}

void SetVersioning(StoreFixture& f, const std::string& bucket, VersioningState state) {
  REQUIRE_FALSE(f.store().SetBucketVersioning(bucket, state));
}

}  // namespace strata::storage::testing
