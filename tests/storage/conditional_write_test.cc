// Conditional writes (If-None-Match: *, If-Match) on Put and DeleteIf, on the in-memory chunk
// store fake and on the real erasure-coded chunk store.
#include <atomic>
#include <catch2/catch.hpp>
#include <latch>
#include <thread>
#include <vector>

#include "storage/object_store.h"
#include "tests/storage/byte_source_fake.h"
#include "tests/storage/object_store_fixture_fake.h"
#include "tests/storage/result_string_maker.h"

namespace strata::storage {
namespace {

using testing::StoreFixture;
using testing::TestBody;
using testing::TestPayload;

std::string ChunkStoreUnderTest() { return GENERATE(as<std::string>{}, "fake", "erasure"); }

PutOptions CreateOnly() {
  PutOptions options;
  options.condition.if_none_match_any = true;
  return options;
}

PutOptions IfMatch(std::string etag) {
  PutOptions options;
  options.condition.if_match = std::move(etag);
  return options;
}

TEST_CASE("If-None-Match: * creates an absent key and refuses an existing one untouched") {
  auto kind = ChunkStoreUnderTest();
  INFO(kind);
  StoreFixture f(kind);
  f.MakeBucket("b");
  auto first = f.PutOrDie("b", "k", TestPayload(50000, 1), CreateOnly());
  TestBody body(TestPayload(60000, 2));
  CHECK(f.store().Put("b", "k", body, CreateOnly()).error() == Errc::kPreconditionFailed);
  CHECK(body.source().served() == 0);  // refused before streaming
  CHECK(f.ReadAll("b", "k").value() == TestPayload(50000, 1));
  CHECK(f.store().Head("b", "k").value().etag == first.etag);
  CHECK(f.BlobCount() == 1);
}

TEST_CASE("If-Match replaces only the named version; * needs any existing object") {
  auto kind = ChunkStoreUnderTest();
  INFO(kind);
  StoreFixture f(kind);
  f.MakeBucket("b");
  {
    TestBody body("x");
    CHECK(f.store().Put("b", "k", body, IfMatch("*")).error() == Errc::kPreconditionFailed);
    TestBody body2("x");
    CHECK(f.store().Put("b", "k", body2, IfMatch(HexEncode(Md5("x")))).error() ==
          Errc::kPreconditionFailed);
  }
  CHECK(f.store().Head("b", "k").error() == Errc::kNoSuchKey);
  auto v1 = f.PutOrDie("b", "k", TestPayload(40000, 1));
  TestBody stale(TestPayload(40000, 2));
  CHECK(f.store().Put("b", "k", stale, IfMatch(std::string(32, '0'))).error() ==
        Errc::kPreconditionFailed);
  CHECK(f.ReadAll("b", "k").value() == TestPayload(40000, 1));
  // Quoted and upper case: the same ETag.
  std::string upper = v1.etag;
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  auto v2 = f.PutOrDie("b", "k", TestPayload(40000, 3), IfMatch("\"" + upper + "\""));
  f.PutOrDie("b", "k", TestPayload(100, 4), IfMatch("*"));
  CHECK(f.ReadAll("b", "k").value() == TestPayload(100, 4));
  CHECK(v2.etag != v1.etag);
  CHECK(f.BlobCount() == 0);  // every replaced blob was freed, the last value is inline
}

TEST_CASE("of racing If-None-Match creates of one key exactly one succeeds, leaking nothing") {
  auto kind = ChunkStoreUnderTest();
  INFO(kind);
  StoreFixture f(kind);
  f.MakeBucket("b");
  constexpr int kThreads = 8;
  const int rounds = kind == "fake" ? 10 : 3;
  for (int round = 0; round < rounds; ++round) {
    std::string key = "k" + std::to_string(round);
    std::latch start(kThreads);
    std::vector<Result<ObjectInfo>> results(kThreads, make_error_code(Errc::kInternal));
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        // Blob-sized bodies, so losers' blobs must be deleted.
        TestBody body(TestPayload(30000 + t, round * 100 + t), {}, 4096);
        start.arrive_and_wait();
        results[t] = f.store().Put("b", key, body, CreateOnly());
      });
    }
    for (auto& t : threads) t.join();
    int winners = 0, winner = -1;
    for (int t = 0; t < kThreads; ++t) {
      if (results[t]) {
        ++winners;
        winner = t;
      } else {
        CHECK(results[t].error() == Errc::kPreconditionFailed);
      }
    }
    REQUIRE(winners == 1);
    CHECK(f.ReadAll("b", key).value() == TestPayload(30000 + winner, round * 100 + winner));
    CHECK(f.BlobCount() == static_cast<size_t>(round + 1));
    if (f.fake()) CHECK(f.fake()->open_writers() == 0);
  }
}

TEST_CASE("DeleteIf deletes only a matching object") {
  auto kind = ChunkStoreUnderTest();
  INFO(kind);
  StoreFixture f(kind);
  f.MakeBucket("b");
  auto v = f.PutOrDie("b", "k", TestPayload(30000, 1));
  WriteCondition stale;
  stale.if_match = std::string(32, 'a');
  CHECK(f.store().DeleteIf("b", "k", stale) == Errc::kPreconditionFailed);
  CHECK(f.ReadAll("b", "k").value() == TestPayload(30000, 1));
  WriteCondition current;
  current.if_match = v.etag;
  CHECK_FALSE(f.store().DeleteIf("b", "k", current));
  CHECK(f.store().Head("b", "k").error() == Errc::kNoSuchKey);
  CHECK(f.BlobCount() == 0);
  CHECK(f.store().DeleteIf("b", "k", current) == Errc::kPreconditionFailed);
  CHECK_FALSE(f.store().DeleteIf("b", "k", WriteCondition{}));  // unconditional: absent is fine
  CHECK(f.store().DeleteIf("nope", "k", current) == Errc::kNoSuchBucket);
}

}  // namespace
}  // namespace strata::storage
