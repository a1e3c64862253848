// The ObjectStore contract, run on the in-memory chunk store fake and on the real erasure-coded
// chunk store over temp folders.
#include "storage/object_store.h"

#include <catch2/catch.hpp>
#include <thread>
#include <vector>

#include "tests/storage/byte_source_fake.h"
#include "tests/storage/object_store_fixture_fake.h"
#include "tests/storage/result_string_maker.h"

namespace strata::storage {
namespace {

using testing::kTestInlineThreshold;
using testing::StoreFixture;
using testing::TestBody;
using testing::TestPayload;

std::string ChunkStoreUnderTest() { return GENERATE(as<std::string>{}, "fake", "erasure"); }

TEST_CASE("buckets are created, listed in name order, and deleted") {
  auto kind = ChunkStoreUnderTest();
  INFO(kind);
  StoreFixture f(kind);
  auto& s = f.store();
  REQUIRE_FALSE(s.CreateBucket("zeta", ""));
  REQUIRE_FALSE(s.CreateBucket("alpha", "eu-west-1"));
  REQUIRE_FALSE(s.CreateBucket("mid", ""));
  auto buckets = s.ListBuckets();
  REQUIRE(buckets);
  REQUIRE(buckets->size() == 3);
  CHECK((*buckets)[0].name == "alpha");
  CHECK((*buckets)[1].name == "mid");
  CHECK((*buckets)[2].name == "zeta");
  auto alpha = s.GetBucket("alpha");
  REQUIRE(alpha);
  CHECK(alpha->region == "eu-west-1");
  CHECK(Clock::now() - alpha->created < std::chrono::minutes(1));
  CHECK_FALSE(s.DeleteBucket("mid"));
  auto after = s.ListBuckets();
  REQUIRE(after);
  CHECK(after->size() == 2);
  CHECK(s.GetBucket("mid").error() == Errc::kNoSuchBucket);
}

TEST_CASE("bucket errors: already owned, no such bucket, not empty, bad name") {
  auto kind = ChunkStoreUnderTest();
  INFO(kind);
  StoreFixture f(kind);
  auto& s = f.store();
  f.MakeBucket("b");
  CHECK(s.CreateBucket("b", "") == Errc::kBucketAlreadyOwnedByYou);
  CHECK(s.DeleteBucket("missing") == Errc::kNoSuchBucket);
  CHECK(s.GetBucket("missing").error() == Errc::kNoSuchBucket);
  CHECK(s.CreateBucket(std::string("a\0b", 3), "") == Errc::kInvalidBucketName);
  CHECK(s.CreateBucket("", "") == Errc::kInvalidBucketName);
  f.PutOrDie("b", "k", "data");
  CHECK(s.DeleteBucket("b") == Errc::kBucketNotEmpty);
  REQUIRE_FALSE(s.Delete("b", "k"));
  CHECK_FALSE(s.DeleteBucket("b"));
  CHECK(s.DeleteBucket("b") == Errc::kNoSuchBucket);
}

TEST_CASE("objects round-trip at sizes around the inline threshold and beyond") {
  auto kind = ChunkStoreUnderTest();
  INFO(kind);
  StoreFixture f(kind);
  f.MakeBucket("b");
  size_t size = GENERATE(size_t{0}, size_t{1}, kTestInlineThreshold, kTestInlineThreshold + 1,
                         size_t{3 << 20} + 17);
  INFO("size " << size);
  std::string data = TestPayload(size, static_cast<uint32_t>(size));
  auto put = f.PutOrDie("b", "obj", data);
  CHECK(put.size == size);
  CHECK(put.etag == HexEncode(Md5(data)));
  CHECK(put.version_id == "null");
  CHECK(put.bucket == "b");
  CHECK(put.key == "obj");
  CHECK(f.ReadAll("b", "obj").value() == data);
  auto head = f.store().Head("b", "obj");
  REQUIRE(head);
  CHECK(head->size == size);
  CHECK(head->etag == put.etag);
  CHECK(head->last_modified == put.last_modified);
  CHECK(f.BlobCount() == (size > kTestInlineThreshold ? 1u : 0u));
}

TEST_CASE("reads at arbitrary offsets return the right bytes and stop at the end") {
  auto kind = ChunkStoreUnderTest();
  INFO(kind);
  StoreFixture f(kind);
  f.MakeBucket("b");
  std::string data = TestPayload(200 * 1000 + 3, 5);
  f.PutOrDie("b", "k", data);
  auto reader = f.store().Get("b", "k");
  REQUIRE(reader);
  for (uint64_t offset : {uint64_t{0}, uint64_t{1}, uint64_t{16383}, uint64_t{16384},
                          uint64_t{99999}, uint64_t{data.size() - 10}}) {
    std::vector<std::byte> out(5000);
    auto n = (*reader)->ReadAt(offset, out);
    REQUIRE(n);
    size_t expect = std::min<size_t>(5000, data.size() - offset);
    REQUIRE(*n == expect);
    CHECK(std::string(reinterpret_cast<const char*>(out.data()), *n) == data.substr(offset, *n));
  }
  std::vector<std::byte> out(10);
  auto at_end = (*reader)->ReadAt(data.size(), out);
  REQUIRE(at_end);
  CHECK(*at_end == 0);
}

TEST_CASE("a range source streams exactly the requested range") {
  auto kind = ChunkStoreUnderTest();
  INFO(kind);
  StoreFixture f(kind);
  f.MakeBucket("b");
  std::string data = TestPayload(3 << 20, 9);
  f.PutOrDie("b", "k", data);
  auto [first, length] =
      GENERATE(std::pair<uint64_t, uint64_t>{0, 0}, std::pair<uint64_t, uint64_t>{0, 3 << 20},
               std::pair<uint64_t, uint64_t>{12345, 2000000},
               std::pair<uint64_t, uint64_t>{(3 << 20) - 1, 1});
  auto reader = f.store().Get("b", "k");
  REQUIRE(reader);
  auto source = NewRangeSource(std::move(*reader), first, length);
  std::string got;
  std::vector<std::byte> buffer(3 << 20);  // larger than a piece: the source bounds each read
  while (true) {
    auto n = source->Read(buffer);
    REQUIRE(n);
    if (*n == 0) break;
    CHECK(*n <= size_t{1} << 20);
    got.append(reinterpret_cast<const char*>(buffer.data()), *n);
  }
  CHECK(got == data.substr(first, length));
}

TEST_CASE("headers, storage class and checksum are stored with the object") {
  auto kind = ChunkStoreUnderTest();
  INFO(kind);
  StoreFixture f(kind);
  f.MakeBucket("b");
  std::string data = TestPayload(5000);
  DigestSpec spec;
  spec.algorithm = ChecksumAlgorithm::kCrc64Nvme;
  TestBody body(data, spec);
  PutOptions options;
  options.headers = {{"content-type", "text/plain"}, {"x-amz-meta-a", "1"}};
  options.storage_class = "STANDARD_IA";
  auto put = f.store().Put("b", "k", body, options);
  REQUIRE(put);
  auto head = f.store().Head("b", "k");
  REQUIRE(head);
  CHECK(head->headers == options.headers);
  CHECK(head->storage_class == "STANDARD_IA");
  CHECK(head->checksum.algorithm == ChecksumAlgorithm::kCrc64Nvme);
  auto crc = NewChecksumHasher(ChecksumAlgorithm::kCrc64Nvme);
  crc->Update(std::as_bytes(std::span(data.data(), data.size())));
  CHECK(head->checksum.value == crc->Finish());
  auto reader = f.store().Get("b", "k");
  REQUIRE(reader);
  CHECK((*reader)->info().headers == options.headers);
  if (f.fake()) {
    auto placements = f.fake()->placements();
    REQUIRE(placements.size() == 1);
    CHECK(placements[0].tier == "hdd");
    CHECK(placements[0].placement_key == "b/k");
    CHECK(placements[0].label.find("k") != std::string::npos);
  }
}

TEST_CASE("an omitted storage class means STANDARD; an unknown one is refused") {
  auto kind = ChunkStoreUnderTest();
  INFO(kind);
  StoreFixture f(kind);
  f.MakeBucket("b");
  auto info = f.PutOrDie("b", "k", "x");
  CHECK(info.storage_class == "STANDARD");
  TestBody body(TestPayload(5000));
  PutOptions options;
  options.storage_class = "GLACIER_DEEP_FRIDGE";
  CHECK(f.store().Put("b", "k2", body, options).error() == Errc::kInvalidStorageClass);
  CHECK(body.source().served() == 0);
  CHECK(f.store().Head("b", "k2").error() == Errc::kNoSuchKey);
}

TEST_CASE("overwriting an object keeps exactly one blob") {
  auto kind = ChunkStoreUnderTest();
  INFO(kind);
  StoreFixture f(kind);
  f.MakeBucket("b");
  std::string big1 = TestPayload(100000, 1);
  std::string big2 = TestPayload(150000, 2);
  f.PutOrDie("b", "k", big1);
  CHECK(f.BlobCount() == 1);
  f.PutOrDie("b", "k", big2);
  CHECK(f.BlobCount() == 1);
  CHECK(f.ReadAll("b", "k").value() == big2);
  f.PutOrDie("b", "k", "small now");
  CHECK(f.BlobCount() == 0);
  CHECK(f.ReadAll("b", "k").value() == "small now");
}

TEST_CASE("a body that fails its digest leaves the old object and no blob") {
  auto kind = ChunkStoreUnderTest();
  INFO(kind);
  StoreFixture f(kind);
  f.MakeBucket("b");
  std::string old_data = TestPayload(50000, 1);
  f.PutOrDie("b", "k", old_data);
  size_t size = GENERATE(size_t{10}, size_t{200000});
  std::string data = TestPayload(size, 2);
  DigestSpec spec;
  spec.expected_md5 = Md5("something else");
  TestBody body(data, spec);
  auto put = f.store().Put("b", "k", body, {});
  REQUIRE_FALSE(put);
  CHECK(put.error() == Errc::kBadDigest);
  CHECK(f.ReadAll("b", "k").value() == old_data);
  CHECK(f.BlobCount() == 1);
  if (f.fake()) CHECK(f.fake()->open_writers() == 0);
}

TEST_CASE("a source that fails mid-stream leaves nothing and its error passes through") {
  auto kind = ChunkStoreUnderTest();
  INFO(kind);
  StoreFixture f(kind);
  f.MakeBucket("b");
  size_t fail_at = GENERATE(size_t{0}, size_t{500}, size_t{3000}, size_t{1500000});
  TestBody body(TestPayload(2 << 20));
  auto error = boost::system::errc::make_error_code(boost::system::errc::connection_reset);
  body.source().FailAfter(fail_at, error);
  auto put = f.store().Put("b", "k", body, {});
  REQUIRE_FALSE(put);
  CHECK(put.error() == error);
  CHECK(f.store().Head("b", "k").error() == Errc::kNoSuchKey);
  CHECK(f.BlobCount() == 0);
  if (f.fake()) CHECK(f.fake()->open_writers() == 0);
}

TEST_CASE("chunk store failures during a put leave the old object and no blob") {
  StoreFixture f("fake");
  f.MakeBucket("b");
  f.PutOrDie("b", "k", "old");
  auto failing = GENERATE(as<std::string>{}, "append", "commit");
  INFO(failing << " fails");
  if (failing == "append") {
    f.fake()->FailAppendAt(2);
  } else {
    f.fake()->FailCommitAt(0);
  }
  TestBody body(TestPayload(3 << 20));
  auto put = f.store().Put("b", "k", body, {});
  REQUIRE_FALSE(put);
  CHECK(put.error() == erasure::Errc::kWriteQuorumLost);
  CHECK(f.ReadAll("b", "k").value() == "old");
  CHECK(f.BlobCount() == 0);
  CHECK(f.fake()->open_writers() == 0);
}

TEST_CASE("keys longer than 1024 bytes are refused; 1024 bytes is fine") {
  auto kind = ChunkStoreUnderTest();
  INFO(kind);
  StoreFixture f(kind);
  f.MakeBucket("b");
  std::string longest(1024, 'k');
  f.PutOrDie("b", longest, "x");
  CHECK(f.ReadAll("b", longest).value() == "x");
  TestBody body("x");
  CHECK(f.store().Put("b", longest + "k", body, {}).error() == Errc::kKeyTooLong);
}

TEST_CASE("empty keys and keys containing NUL are invalid arguments") {
  StoreFixture f("fake");
  f.MakeBucket("b");
  for (const std::string& key : std::vector<std::string>{std::string(), std::string("a\0b", 3)}) {
    TestBody body("x");
    CHECK(f.store().Put("b", key, body, {}).error() == Errc::kInvalidArgument);
    CHECK(f.store().Head("b", key).error() == Errc::kInvalidArgument);
  }
}

TEST_CASE("objects larger than max_object_size are refused while streaming") {
  auto kind = ChunkStoreUnderTest();
  INFO(kind);
  auto options = StoreFixture::DefaultOptions();
  options.max_object_size = 100000;
  StoreFixture f(kind, options);
  f.MakeBucket("b");
  f.PutOrDie("b", "exact", TestPayload(100000));
  TestBody body(TestPayload(10 << 20), {}, 64 * 1024);
  auto put = f.store().Put("b", "k", body, {});
  CHECK(put.error() == Errc::kEntityTooLarge);
  CHECK(body.source().served() < (2u << 20));  // stopped early, not after draining 10 MiB
  CHECK(f.store().Head("b", "k").error() == Errc::kNoSuchKey);
  CHECK(f.BlobCount() == 1);  // just "exact"
}

TEST_CASE("a put into a missing bucket fails before reading the body") {
  auto kind = ChunkStoreUnderTest();
  INFO(kind);
  StoreFixture f(kind);
  TestBody body(TestPayload(5000));
  CHECK(f.store().Put("nope", "k", body, {}).error() == Errc::kNoSuchBucket);
  CHECK(body.source().served() == 0);
}

TEST_CASE("get and head distinguish a missing key from a missing bucket") {
  auto kind = ChunkStoreUnderTest();
  INFO(kind);
  StoreFixture f(kind);
  f.MakeBucket("b");
  CHECK(f.store().Get("b", "nope").error() == Errc::kNoSuchKey);
  CHECK(f.store().Head("b", "nope").error() == Errc::kNoSuchKey);
  CHECK(f.store().Get("nope", "k").error() == Errc::kNoSuchBucket);
  CHECK(f.store().Head("nope", "k").error() == Errc::kNoSuchBucket);
}

TEST_CASE("delete removes the object and its blob; deleting an absent key succeeds") {
  auto kind = ChunkStoreUnderTest();
  INFO(kind);
  StoreFixture f(kind);
  f.MakeBucket("b");
  f.PutOrDie("b", "big", TestPayload(100000));
  f.PutOrDie("b", "small", "s");
  CHECK_FALSE(f.store().Delete("b", "big"));
  CHECK_FALSE(f.store().Delete("b", "small"));
  CHECK(f.store().Head("b", "big").error() == Errc::kNoSuchKey);
  CHECK(f.store().Head("b", "small").error() == Errc::kNoSuchKey);
  CHECK(f.BlobCount() == 0);
  CHECK_FALSE(f.store().Delete("b", "never-existed"));
  CHECK(f.store().Delete("nope", "k") == Errc::kNoSuchBucket);
}

TEST_CASE(
    "a reader stays pinned to its version across overwrite and delete, which free the blob at "
    "once") {
  auto kind = ChunkStoreUnderTest();
  INFO(kind);
  StoreFixture f(kind);
  f.MakeBucket("b");
  std::string v1 = TestPayload(300000, 1);
  std::string v2 = TestPayload(200000, 2);
  f.PutOrDie("b", "k", v1);
  auto inline_old = TestPayload(100, 3);
  f.PutOrDie("b", "small", inline_old);
  auto reader = f.store().Get("b", "k");
  REQUIRE(reader);
  auto small_reader = f.store().Get("b", "small");
  REQUIRE(small_reader);
  f.PutOrDie("b", "k", v2);
  f.PutOrDie("b", "small", "new");
  CHECK(testing::ReadAllFrom(**reader).value() == v1);
  CHECK(testing::ReadAllFrom(**small_reader).value() == inline_old);
  CHECK((*reader)->info().etag == HexEncode(Md5(v1)));
  REQUIRE_FALSE(f.store().Delete("b", "k"));
  // The old blob is deleted at once (no blob is left behind for the reader's sake)...
  CHECK(f.BlobCount() == 0);
  // ...yet the reader, which pinned it when it opened, still reads every byte of it.
  CHECK(testing::ReadAllFrom(**reader).value() == v1);
}

TEST_CASE("concurrent puts to one key end with one consistent object and no leaked blobs") {
  auto kind = ChunkStoreUnderTest();
  INFO(kind);
  StoreFixture f(kind);
  f.MakeBucket("b");
  constexpr int kThreads = 8;
  constexpr int kRounds = 4;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int r = 0; r < kRounds; ++r) {
        // Mix inline and blob sizes so both kinds of old version get replaced.
        size_t size = (t + r) % 3 == 0 ? 100 : 20000 + 1000 * t;
        TestBody body(TestPayload(size, static_cast<uint32_t>(t * 100 + r)), {}, 4096);
        if (!f.store().Put("b", "k", body, {})) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(failures == 0);
  auto reader = f.store().Get("b", "k");
  REQUIRE(reader);
  auto data = testing::ReadAllFrom(**reader);
  REQUIRE(data);
  CHECK(data->size() == (*reader)->info().size);
  CHECK(HexEncode(Md5(*data)) == (*reader)->info().etag);
  CHECK(f.BlobCount() == ((*reader)->info().size > kTestInlineThreshold ? 1u : 0u));
}

TEST_CASE("a put racing a bucket delete either lands first or finds no bucket") {
  auto kind = ChunkStoreUnderTest();
  INFO(kind);
  StoreFixture f(kind);
  for (int i = 0; i < 20; ++i) {
    std::string bucket = "race" + std::to_string(i);
    f.MakeBucket(bucket);
    Result<ObjectInfo> put = make_error_code(Errc::kInternal);
    boost::system::error_code deleted;
    std::thread putter([&] {
      TestBody body(TestPayload(i % 2 ? 50000 : 10));
      put = f.store().Put(bucket, "k", body, {});
    });
    std::thread deleter([&] { deleted = f.store().DeleteBucket(bucket); });
    putter.join();
    deleter.join();
    if (put) {
      CHECK(deleted == Errc::kBucketNotEmpty);
      CHECK(f.store().Head(bucket, "k"));
      REQUIRE_FALSE(f.store().Delete(bucket, "k"));
      REQUIRE_FALSE(f.store().DeleteBucket(bucket));
    } else {
      CHECK(put.error() == Errc::kNoSuchBucket);
      CHECK_FALSE(deleted);
    }
    CHECK(f.BlobCount() == 0);
  }
}

}  // namespace
}  // namespace strata::storage
