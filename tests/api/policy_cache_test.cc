#include "api/policy_cache.h"

#include <catch2/catch.hpp>
#include <string>

namespace strata::api {
namespace {

std::string BucketPolicy(const std::string& bucket) {
  return R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*",)"
         R"("Action":"s3:GetObject","Resource":"arn:aws:s3:::)" +
         bucket + R"(/*"}]})";
}

TEST_CASE("a policy document is parsed once and shared", "[policy]") {
  const std::string doc = BucketPolicy("cache-a");
  auto first = CachedPolicy(doc, PolicyKind::kBucket, "cache-a");
  REQUIRE(first != nullptr);
  CHECK(first->statements.size() == 1);
  CHECK(CachedPolicy(doc, PolicyKind::kBucket, "cache-a") == first);
}

TEST_CASE("the cache keys on the bucket and kind as well as the document", "[policy]") {
  const std::string doc = BucketPolicy("cache-b");
  CHECK(CachedPolicy(doc, PolicyKind::kBucket, "cache-b") != nullptr);
  // The same document attached to another bucket names a foreign resource: refused there.
  CHECK(CachedPolicy(doc, PolicyKind::kBucket, "cache-other") == nullptr);
  // A user policy must not have a Principal.
  CHECK(CachedPolicy(doc, PolicyKind::kUser, "") == nullptr);
}

TEST_CASE("documents that do not parse grant nothing, every time", "[policy]") {
  CHECK(CachedPolicy("{not json", PolicyKind::kUser, "") == nullptr);
  CHECK(CachedPolicy("{not json", PolicyKind::kUser, "") == nullptr);
}

}  // namespace
}  // namespace strata::api
