// Multipart uploads through the ObjectStore contract, on the in-memory chunk store fake and on
// the real erasure-coded chunk store over temp folders.
#include "storage/multipart.h"

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <functional>
#include <latch>
#include <random>
#include <thread>
#include <vector>

#include "storage/object_store.h"
#include "storage/upload_id.h"
#include "tests/storage/byte_source_fake.h"
#include "tests/storage/object_store_fixture_fake.h"
#include "tests/storage/result_string_maker.h"

namespace strata::storage {
namespace {

using testing::kTestInlineThreshold;
using testing::StoreFixture;
using testing::TestBody;
using testing::TestPayload;

constexpr uint64_t kSmallMinPart = 4096;  // for tests that need many parts, not big ones

std::string ChunkStoreUnderTest() { return GENERATE(as<std::string>{}, "fake", "erasure"); }

StoreOptions SmallPartOptions() {
  auto options = StoreFixture::DefaultOptions();
  options.min_part_size = kSmallMinPart;
  return options;
}

UploadInfo CreateOrDie(StoreFixture& f, const std::string& bucket, const std::string& key,
                       const MultipartOptions& options = {}) {
  auto upload = f.store().CreateMultipartUpload(bucket, key, options);
  if (!upload) FAIL("CreateMultipartUpload failed: " << upload.error().message());
  return *upload;
}

PartInfo UploadOrDie(StoreFixture& f, const UploadInfo& upload, uint32_t number,
                     const std::string& data, DigestSpec spec = {}) {
  TestBody body(data, std::move(spec));
  auto part = f.store().UploadPart(upload.bucket, upload.key, upload.upload_id, number, body);
  if (!part) FAIL("UploadPart " << number << " failed: " << part.error().message());
  return *part;
}

std::vector<CompletedPart> Named(const std::vector<PartInfo>& parts) {
  std::vector<CompletedPart> out;
  for (const auto& p : parts) out.push_back(CompletedPart{p.part_number, p.etag, std::nullopt});
  return out;
}

Result<ObjectInfo> Complete(StoreFixture& f, const UploadInfo& upload,
                            const std::vector<CompletedPart>& parts,
                            const WriteCondition& condition = {}) {
  return f.store().CompleteMultipartUpload(upload.bucket, upload.key, upload.upload_id, parts,
                                           condition);
}

std::string RawChecksum(ChecksumAlgorithm a, const std::string& data) {
  auto h = NewChecksumHasher(a);
  h->Update(std::as_bytes(std::span(data)));
  return h->Finish();
}

std::string Hex(const std::string& raw) { return HexEncode(raw); }

TEST_CASE("a completed upload is one object whose bytes are its parts in order") {
  auto kind = ChunkStoreUnderTest();
  INFO(kind);
  StoreFixture f(kind);
  f.MakeBucket("b");
  MultipartOptions options;
  options.headers = {{"content-type", "application/x-tar"}, {"x-amz-meta-run", "7"}};
  options.storage_class = "STANDARD_IA";
  auto upload = CreateOrDie(f, "b", "data/shard-0", options);
  CHECK(IsWellFormedUploadId(upload.upload_id));
  CHECK(upload.storage_class == "STANDARD_IA");
  std::vector<std::string> data = {TestPayload(kMinPartSize, 1), TestPayload(kMinPartSize + 3, 2),
                                   TestPayload(7000, 3)};
  std::vector<PartInfo> parts;
  for (uint32_t i = 0; i < data.size(); ++i)
    parts.push_back(UploadOrDie(f, upload, i + 1, data[i]));
  CHECK(parts[1].etag == HexEncode(Md5(data[1])));
  CHECK(parts[1].size == data[1].size());
  CHECK(f.BlobCount() == 3);

  auto done = Complete(f, upload, Named(parts));
  REQUIRE(done);
  std::string whole = data[0] + data[1] + data[2];
  CHECK(done->size == whole.size());
  CHECK(done->etag == MultipartEtag({parts[0].etag, parts[1].etag, parts[2].etag}));
  CHECK(done->etag.ends_with("-3"));
  CHECK(f.ReadAll("b", "data/shard-0").value() == whole);
  auto head = f.store().Head("b", "data/shard-0");
  REQUIRE(head);
  CHECK(head->etag == done->etag);
  CHECK(head->headers == options.headers);
  CHECK(head->storage_class == "STANDARD_IA");
  REQUIRE(head->parts.size() == 3);
  CHECK(head->parts[2].part_number == 3);
  CHECK(head->parts[2].size == 7000);
  CHECK(head->parts[2].etag == HexEncode(Md5(data[2])));
  // No data was copied: the part blobs became the object's.
  CHECK(f.BlobCount() == 3);
  // The upload is gone.
  CHECK(f.store().ListParts("b", "data/shard-0", upload.upload_id, {}).error() ==
        Errc::kNoSuchUpload);
  auto uploads = f.store().ListMultipartUploads("b", {});
  REQUIRE(uploads);
  CHECK(uploads->uploads.empty());
  // Listing shows the object with its multipart ETag.
  auto listed = f.store().List("b", {});
  REQUIRE(listed);
  REQUIRE(listed->objects.size() == 1);
  CHECK(listed->objects[0].etag == done->etag);
  // Deleting it frees every part blob.
  REQUIRE_FALSE(f.store().Delete("b", "data/shard-0"));
  CHECK(f.BlobCount() == 0);
}

TEST_CASE("the multipart ETag and composite checksums equal values computed with Python") {
  // Expected values from hashlib / zlib over part 1 = 5 MiB of 'a', part 2 = 100 x 'b'.
  auto kind = ChunkStoreUnderTest();
  INFO(kind);
  StoreFixture f(kind);
  f.MakeBucket("b");
  auto algorithm = GENERATE(ChecksumAlgorithm::kCrc32, ChecksumAlgorithm::kSha256);
  INFO(ChecksumAlgorithmName(algorithm));
  MultipartOptions options;
  options.checksum_algorithm = algorithm;
  auto upload = CreateOrDie(f, "b", "k", options);
  CHECK(upload.checksum_algorithm == algorithm);
  std::string p1(kMinPartSize, 'a'), p2(100, 'b');
  DigestSpec spec;
  spec.algorithm = algorithm;
  auto part1 = UploadOrDie(f, upload, 1, p1, spec);
  auto part2 = UploadOrDie(f, upload, 2, p2, spec);
  CHECK(part1.checksum.value == RawChecksum(algorithm, p1));
  std::vector<CompletedPart> named = Named({part1, part2});
  named[1].checksum = part2.checksum.value;  // an echoed checksum that matches is accepted
  auto done = Complete(f, upload, named);
  REQUIRE(done);
  CHECK(done->etag == "16cafe8d6b8c1c55c3d339c8d69326c6-2");
  CHECK(done->checksum.algorithm == algorithm);
  if (algorithm == ChecksumAlgorithm::kCrc32) {
    CHECK(Hex(part1.checksum.value) == "affcc16f");
    CHECK(Hex(part2.checksum.value) == "250162db");
    CHECK(Hex(done->checksum.value) == "a4a3602b");
  } else {
    CHECK(Hex(done->checksum.value) ==
          "ee7d591041a967246042d3ef18ca982fcd146da14903cf53fb63a86c6e97400b");
  }
  auto head = f.store().Head("b", "k");
  REQUIRE(head);
  CHECK(head->checksum.value == done->checksum.value);
  REQUIRE(head->parts.size() == 2);
  CHECK(head->parts[0].checksum.algorithm == algorithm);
  CHECK(head->parts[0].checksum.value == part1.checksum.value);
  CHECK(f.ReadAll("b", "k").value() == p1 + p2);
}

TEST_CASE("MultipartEtag hashes the raw part MD5s, as Python's hashlib does") {
  CHECK(MultipartEtag({HexEncode(Md5("part1")), HexEncode(Md5("part2")),
                       HexEncode(Md5("part3"))}) == "5e9583dc343a55b829d3b99070a10015-3");
}

TEST_CASE("PartRange gives each part's bytes by its number and refuses others") {
  ObjectInfo single;
  single.size = 42;
  CHECK(PartRange(single, 1).value().first == 0);
  CHECK(PartRange(single, 1).value().length == 42);
  CHECK(PartRange(single, 2).error() == Errc::kInvalidArgument);
  ObjectInfo multi;
  multi.size = 10 + 20 + 5;
  multi.parts = {{1, 10, "", {}}, {3, 20, "", {}}, {7, 5, "", {}}};  // a sparse completion
  CHECK(PartRange(multi, 3).value().first == 10);
  CHECK(PartRange(multi, 3).value().length == 20);
  CHECK(PartRange(multi, 7).value().first == 30);
  CHECK(PartRange(multi, 2).error() == Errc::kInvalidArgument);
  CHECK(PartRange(multi, 8).error() == Errc::kInvalidArgument);
  CHECK(PartRange(multi, 0).error() == Errc::kInvalidArgument);
}

TEST_CASE("creating an upload checks the bucket, the key and the storage class") {
  StoreFixture f("fake");
  f.MakeBucket("b");
  CHECK(f.store().CreateMultipartUpload("nope", "k", {}).error() == Errc::kNoSuchBucket);
  CHECK(f.store().CreateMultipartUpload("b", "", {}).error() == Errc::kInvalidArgument);
  CHECK(f.store().CreateMultipartUpload("b", std::string(1025, 'k'), {}).error() ==
        Errc::kKeyTooLong);
  MultipartOptions options;
  options.storage_class = "GLACIER_DEEP_FRIDGE";
  CHECK(f.store().CreateMultipartUpload("b", "k", options).error() == Errc::kInvalidStorageClass);
  auto a = CreateOrDie(f, "b", "k");
  auto b = CreateOrDie(f, "b", "k");
  CHECK(a.upload_id != b.upload_id);
  CHECK(a.storage_class == "STANDARD");
}

TEST_CASE("uploading a part checks its number, its upload and its size") {
  auto options = StoreFixture::DefaultOptions();
  options.max_part_size = 100000;
  StoreFixture f("fake", options);
  f.MakeBucket("b");
  auto upload = CreateOrDie(f, "b", "k");
  for (uint32_t bad : {0u, kMaxPartNumber + 1}) {
    TestBody body("x");
    CHECK(f.store().UploadPart("b", "k", upload.upload_id, bad, body).error() ==
          Errc::kInvalidArgument);
  }
  UploadOrDie(f, upload, kMaxPartNumber, "last possible");
  for (const std::string& id : {std::string(32, 'a'), std::string("../../etc"), std::string()}) {
    TestBody body("x");
    CHECK(f.store().UploadPart("b", "k", id, 1, body).error() == Errc::kNoSuchUpload);
    CHECK(body.source().served() == 0);
  }
  {
    TestBody body("x");  // the right id under another key is not this key's upload
    CHECK(f.store().UploadPart("b", "other", upload.upload_id, 1, body).error() ==
          Errc::kNoSuchUpload);
    CHECK(f.store().UploadPart("nope", "k", upload.upload_id, 1, body).error() ==
          Errc::kNoSuchBucket);
  }
  TestBody big(TestPayload(1 << 20));
  CHECK(f.store().UploadPart("b", "k", upload.upload_id, 2, big).error() == Errc::kEntityTooLarge);
  CHECK(big.source().served() < (1u << 20));
  CHECK(f.BlobCount() == 0);
  CHECK(f.fake()->open_writers() == 0);
}

TEST_CASE("an upload with a checksum algorithm refuses parts without that checksum") {
  auto kind = ChunkStoreUnderTest();
  INFO(kind);
  StoreFixture f(kind);
  f.MakeBucket("b");
  MultipartOptions options;
  options.checksum_algorithm = ChecksumAlgorithm::kCrc32c;
  auto upload = CreateOrDie(f, "b", "k", options);
  DigestSpec other;
  other.algorithm = ChecksumAlgorithm::kSha1;
  for (const DigestSpec& spec : {DigestSpec{}, other}) {
    TestBody body(TestPayload(50000), spec);
    CHECK(f.store().UploadPart("b", "k", upload.upload_id, 1, body).error() ==
          Errc::kInvalidArgument);
  }
  CHECK(f.BlobCount() == 0);
  auto listed = f.store().ListParts("b", "k", upload.upload_id, {});
  REQUIRE(listed);
  CHECK(listed->parts.empty());
  // A part whose declared checksum is wrong fails as a bad digest and stores nothing.
  DigestSpec wrong;
  wrong.algorithm = ChecksumAlgorithm::kCrc32c;
  wrong.expected_checksum = std::string(4, '\0');
  TestBody body(TestPayload(50000), wrong);
  CHECK(f.store().UploadPart("b", "k", upload.upload_id, 1, body).error() == Errc::kBadDigest);
  CHECK(f.BlobCount() == 0);
}

TEST_CASE("completion validates the part list and leaves the upload on failure") {
  auto kind = ChunkStoreUnderTest();
  INFO(kind);
  StoreFixture f(kind);
  f.MakeBucket("b");
  MultipartOptions options;
  options.checksum_algorithm = ChecksumAlgorithm::kCrc32;
  auto upload = CreateOrDie(f, "b", "k", options);
  DigestSpec spec;
  spec.algorithm = ChecksumAlgorithm::kCrc32;
  auto p1 = UploadOrDie(f, upload, 1, TestPayload(kMinPartSize, 1), spec);
  auto p2 = UploadOrDie(f, upload, 2, TestPayload(kMinPartSize - 1, 2), spec);
  auto p3 = UploadOrDie(f, upload, 3, TestPayload(10, 3), spec);
  auto named = Named({p1, p2, p3});

  CHECK(Complete(f, upload, {}).error() == Errc::kInvalidArgument);
  CHECK(Complete(f, upload, {named[1], named[0]}).error() == Errc::kInvalidPartOrder);
  CHECK(Complete(f, upload, {named[0], named[0]}).error() == Errc::kInvalidPartOrder);
  CHECK(Complete(f, upload, {named[0], CompletedPart{4, p3.etag, {}}}).error() ==
        Errc::kInvalidPart);
  CHECK(Complete(f, upload, {named[0], CompletedPart{3, p1.etag, {}}}).error() ==
        Errc::kInvalidPart);
  auto bad_checksum = named;
  bad_checksum[2].checksum = std::string("\0\0\0\0", 4);
  CHECK(Complete(f, upload, bad_checksum).error() == Errc::kInvalidPart);
  // Part 2 is 1 byte under the minimum and not last.
  CHECK(Complete(f, upload, named).error() == Errc::kEntityTooSmall);
  CHECK(f.store().Head("b", "k").error() == Errc::kNoSuchKey);
  CHECK(f.BlobCount() == 2);  // p3 is inline
  auto listed = f.store().ListParts("b", "k", upload.upload_id, {});
  REQUIRE(listed);
  CHECK(listed->parts.size() == 3);

  CHECK(f.store().CompleteMultipartUpload("b", "k", std::string(32, '0'), named, {}).error() ==
        Errc::kNoSuchUpload);
  CHECK(f.store().CompleteMultipartUpload("nope", "k", upload.upload_id, named, {}).error() ==
        Errc::kNoSuchBucket);

  // Quoted, upper-case ETags name the same parts; skipping part 2 leaves 1 then 3.
  std::vector<CompletedPart> fine = {named[0], named[2]};
  std::transform(p1.etag.begin(), p1.etag.end(), p1.etag.begin(), ::toupper);
  fine[0].etag = "\"" + p1.etag + "\"";
  auto done = Complete(f, upload, fine);
  REQUIRE(done);
  CHECK(done->size == kMinPartSize + 10);
  CHECK(f.BlobCount() == 1);  // part 2's blob reclaimed
  CHECK(Complete(f, upload, fine).error() == Errc::kNoSuchUpload);
}

TEST_CASE("re-uploading a part number replaces the part and frees the old blob") {
  auto kind = ChunkStoreUnderTest();
  INFO(kind);
  StoreFixture f(kind, SmallPartOptions());
  f.MakeBucket("b");
  auto upload = CreateOrDie(f, "b", "k");
  auto first = UploadOrDie(f, upload, 1, TestPayload(20000, 1));
  auto p2 = UploadOrDie(f, upload, 2, TestPayload(3000, 2));
  CHECK(f.BlobCount() == 2);
  auto second = UploadOrDie(f, upload, 1, TestPayload(30000, 9));
  CHECK(f.BlobCount() == 2);
  auto listed = f.store().ListParts("b", "k", upload.upload_id, {});
  REQUIRE(listed);
  REQUIRE(listed->parts.size() == 2);
  CHECK(listed->parts[0].etag == second.etag);
  CHECK(listed->parts[0].size == 30000);
  CHECK(Complete(f, upload, Named({first, p2})).error() == Errc::kInvalidPart);
  REQUIRE(Complete(f, upload, Named({second, p2})));
  CHECK(f.ReadAll("b", "k").value() == TestPayload(30000, 9) + TestPayload(3000, 2));
  CHECK(f.BlobCount() == 2);
}

TEST_CASE("completing with a subset of the parts reclaims the others") {
  auto kind = ChunkStoreUnderTest();
  INFO(kind);
  StoreFixture f(kind, SmallPartOptions());
  f.MakeBucket("b");
  auto upload = CreateOrDie(f, "b", "k");
  std::vector<PartInfo> parts;
  for (uint32_t n = 1; n <= 5; ++n)
    parts.push_back(UploadOrDie(f, upload, n, TestPayload(5000, n)));
  CHECK(f.BlobCount() == 5);
  REQUIRE(Complete(f, upload, Named({parts[0], parts[2], parts[4]})));
  CHECK(f.BlobCount() == 3);
  CHECK(f.ReadAll("b", "k").value() ==
        TestPayload(5000, 1) + TestPayload(5000, 3) + TestPayload(5000, 5));
  auto head = f.store().Head("b", "k");
  REQUIRE(head);
  REQUIRE(head->parts.size() == 3);
  CHECK(head->parts[1].part_number == 3);
  auto range = PartRange(*head, 3);
  REQUIRE(range);
  CHECK(range->first == 5000);
}

TEST_CASE("aborting an upload reclaims every part and forgets the upload") {
  auto kind = ChunkStoreUnderTest();
  INFO(kind);
  StoreFixture f(kind, SmallPartOptions());
  f.MakeBucket("b");
  auto upload = CreateOrDie(f, "b", "k");
  for (uint32_t n = 1; n <= 4; ++n) UploadOrDie(f, upload, n, TestPayload(n == 4 ? 10 : 5000, n));
  CHECK(f.BlobCount() == 3);
  REQUIRE_FALSE(f.store().AbortMultipartUpload("b", "k", upload.upload_id));
  CHECK(f.BlobCount() == 0);
  CHECK(f.store().ListParts("b", "k", upload.upload_id, {}).error() == Errc::kNoSuchUpload);
  CHECK(f.store().AbortMultipartUpload("b", "k", upload.upload_id) == Errc::kNoSuchUpload);
  CHECK(f.store().AbortMultipartUpload("b", "k", "junk") == Errc::kNoSuchUpload);
  CHECK(f.store().AbortMultipartUpload("nope", "k", upload.upload_id) == Errc::kNoSuchBucket);
  TestBody body("late");
  CHECK(f.store().UploadPart("b", "k", upload.upload_id, 1, body).error() == Errc::kNoSuchUpload);
  auto uploads = f.store().ListMultipartUploads("b", {});
  REQUIRE(uploads);
  CHECK(uploads->uploads.empty());
}

// A body that runs `hook` once, after its first read: to act while a part is streaming.
class HookBody final : public BodySource {
 public:
  HookBody(std::string data, std::function<void()> hook)
      : body_(std::move(data), {}, 4096), hook_(std::move(hook)) {}
  Result<size_t> Read(std::span<std::byte> out) override {
    auto n = body_.Read(out);
    if (hook_) std::exchange(hook_, nullptr)();
    return n;
  }
  Result<ContentDigests> Finish() override { return body_.Finish(); }

 private:
  TestBody body_;
  std::function<void()> hook_;
};

TEST_CASE("a part whose upload is aborted or completed while it streams is discarded") {
  auto kind = ChunkStoreUnderTest();
  INFO(kind);
  StoreFixture f(kind, SmallPartOptions());
  f.MakeBucket("b");
  auto ending = GENERATE(as<std::string>{}, "abort", "complete");
  INFO(ending);
  auto upload = CreateOrDie(f, "b", "k");
  auto p1 = UploadOrDie(f, upload, 1, TestPayload(5000, 1));
  HookBody body(TestPayload(300000, 2), [&] {
    if (ending == "abort") {
      REQUIRE_FALSE(f.store().AbortMultipartUpload("b", "k", upload.upload_id));
    } else {
      REQUIRE(Complete(f, upload, Named({p1})));
    }
  });
  CHECK(f.store().UploadPart("b", "k", upload.upload_id, 2, body).error() == Errc::kNoSuchUpload);
  CHECK(f.BlobCount() == (ending == "abort" ? 0u : 1u));
  if (f.fake()) CHECK(f.fake()->open_writers() == 0);
}

TEST_CASE("reads across part boundaries return exactly the concatenated bytes") {
  auto kind = ChunkStoreUnderTest();
  INFO(kind);
  StoreFixture f(kind, SmallPartOptions());
  f.MakeBucket("b");
  auto upload = CreateOrDie(f, "b", "k");
  // Sizes straddle erasure blocks (16 KiB) and stripes; the last part is inline.
  std::vector<size_t> sizes = {4096, 70001, 16384, 4097, 33333, 900};
  std::string whole;
  std::vector<PartInfo> parts;
  for (uint32_t i = 0; i < sizes.size(); ++i) {
    std::string data = TestPayload(sizes[i], 100 + i);
    parts.push_back(UploadOrDie(f, upload, i + 1, data));
    whole += data;
  }
  REQUIRE(Complete(f, upload, Named(parts)));
  auto reader = f.store().Get("b", "k");
  REQUIRE(reader);
  CHECK((*reader)->info().size == whole.size());
  std::mt19937_64 rng(42);
  for (int i = 0; i < 300; ++i) {
    uint64_t offset = rng() % (whole.size() + 10);
    size_t length = rng() % 50000;
    std::vector<std::byte> out(length);
    auto n = (*reader)->ReadAt(offset, out);
    REQUIRE(n);
    size_t expect = offset >= whole.size() ? 0 : std::min<size_t>(length, whole.size() - offset);
    REQUIRE(*n == expect);
    if (expect) {
      CHECK(std::string(reinterpret_cast<const char*>(out.data()), *n) ==
            whole.substr(offset, expect));
    }
  }
  // And as a stream, through a range starting mid-part and ending in the inline part.
  auto source = NewRangeSource(std::move(*reader), 5000, whole.size() - 5000 - 100);
  std::string got;
  std::vector<std::byte> buffer(7777);
  while (true) {
    auto n = source->Read(buffer);
    REQUIRE(n);
    if (*n == 0) break;
    got.append(reinterpret_cast<const char*>(buffer.data()), *n);
  }
  CHECK(got == whole.substr(5000, whole.size() - 5100));
}

TEST_CASE("a reader of a multipart object survives a concurrent overwrite and delete") {
  auto kind = ChunkStoreUnderTest();
  INFO(kind);
  StoreFixture f(kind, SmallPartOptions());
  f.MakeBucket("b");
  auto upload = CreateOrDie(f, "b", "k");
  std::string whole;
  std::vector<PartInfo> parts;
  for (uint32_t n = 1; n <= 4; ++n) {
    std::string data = TestPayload(20000, n);
    parts.push_back(UploadOrDie(f, upload, n, data));
    whole += data;
  }
  REQUIRE(Complete(f, upload, Named(parts)));
  auto reader = f.store().Get("b", "k");  // opens no part yet
  REQUIRE(reader);
  auto second = f.store().Get("b", "k");
  REQUIRE(second);
  std::vector<std::byte> one(10);
  REQUIRE((*second)->ReadAt(0, one));  // this one has part 1 open
  f.PutOrDie("b", "k", TestPayload(50000, 99));
  CHECK(f.BlobCount() == 5);  // the 4 parts wait for their readers
  REQUIRE_FALSE(f.store().Delete("b", "k"));
  CHECK(f.BlobCount() == 4);
  CHECK(testing::ReadAllFrom(**reader).value() == whole);
  CHECK(testing::ReadAllFrom(**second).value() == whole);
  reader->reset();
  CHECK(f.BlobCount() == 4);  // one reader left
  second->reset();
  CHECK(f.BlobCount() == 0);
}

TEST_CASE("completing over an existing object frees the old object's data") {
  auto kind = ChunkStoreUnderTest();
  INFO(kind);
  StoreFixture f(kind, SmallPartOptions());
  f.MakeBucket("b");
  f.PutOrDie("b", "k", TestPayload(40000, 1));
  auto first = CreateOrDie(f, "b", "k");
  REQUIRE(Complete(f, first, Named({UploadOrDie(f, first, 1, TestPayload(9000, 2))})));
  CHECK(f.BlobCount() == 1);
  auto second = CreateOrDie(f, "b", "k");
  REQUIRE(Complete(f, second, Named({UploadOrDie(f, second, 1, TestPayload(8000, 3))})));
  CHECK(f.BlobCount() == 1);
  CHECK(f.ReadAll("b", "k").value() == TestPayload(8000, 3));
}

TEST_CASE("completion honours If-None-Match and If-Match and keeps the upload on failure") {
  auto kind = ChunkStoreUnderTest();
  INFO(kind);
  StoreFixture f(kind, SmallPartOptions());
  f.MakeBucket("b");
  auto existing = f.PutOrDie("b", "k", TestPayload(2000, 1));
  auto upload = CreateOrDie(f, "b", "k");
  auto named = Named({UploadOrDie(f, upload, 1, TestPayload(6000, 2))});
  WriteCondition create_only;
  create_only.if_none_match_any = true;
  CHECK(Complete(f, upload, named, create_only).error() == Errc::kPreconditionFailed);
  WriteCondition stale;
  stale.if_match = std::string(32, 'f');
  CHECK(Complete(f, upload, named, stale).error() == Errc::kPreconditionFailed);
  CHECK(f.ReadAll("b", "k").value() == TestPayload(2000, 1));
  WriteCondition current;
  current.if_match = "\"" + existing.etag + "\"";
  REQUIRE(Complete(f, upload, named, current));
  CHECK(f.ReadAll("b", "k").value() == TestPayload(6000, 2));
  CHECK(f.BlobCount() == 1);
}

TEST_CASE("complete racing abort or another complete: one wins, never a torn object or a leak") {
  auto kind = ChunkStoreUnderTest();
  INFO(kind);
  StoreFixture f(kind, SmallPartOptions());
  f.MakeBucket("b");
  auto rival = GENERATE(as<std::string>{}, "abort", "complete");
  INFO("rival: " << rival);
  const int iterations = kind == "fake" ? 50 : 15;
  int completed = 0;
  for (int i = 0; i < iterations; ++i) {
    auto upload = CreateOrDie(f, "b", "k");
    std::string whole;
    std::vector<PartInfo> parts;
    for (uint32_t n = 1; n <= 3; ++n) {
      std::string data = TestPayload(n == 3 ? 500 : 5000, i * 10 + n);  // part 3 inline
      parts.push_back(UploadOrDie(f, upload, n, data));
      whole += data;
    }
    // Part 4 is never named: reclaimed by whichever wins.
    UploadOrDie(f, upload, 4, TestPayload(5000, 4));
    std::latch start(2);
    Result<ObjectInfo> done = make_error_code(Errc::kInternal);
    Result<ObjectInfo> other_done = make_error_code(Errc::kInternal);
    boost::system::error_code aborted;
    std::thread a([&] {
      start.arrive_and_wait();
      done = Complete(f, upload, Named(parts));
    });
    std::thread b([&] {
      start.arrive_and_wait();
      if (rival == "abort") {
        aborted = f.store().AbortMultipartUpload("b", "k", upload.upload_id);
      } else {
        other_done = Complete(f, upload, Named(parts));
      }
    });
    a.join();
    b.join();
    int winners = (done ? 1 : 0) + (rival == "abort" ? (aborted ? 0 : 1) : (other_done ? 1 : 0));
    CHECK(winners == 1);
    if (!done) CHECK(done.error() == Errc::kNoSuchUpload);
    if (rival == "abort" && aborted) CHECK(aborted == Errc::kNoSuchUpload);
    if (rival == "complete" && !other_done) CHECK(other_done.error() == Errc::kNoSuchUpload);
    bool object = done || (rival == "complete" && other_done);
    if (object) {
      ++completed;
      CHECK(f.ReadAll("b", "k").value() == whole);
      CHECK(f.BlobCount() == 2);  // parts 1 and 2; part 3 is inline
      REQUIRE_FALSE(f.store().Delete("b", "k"));
    } else {
      CHECK(f.store().Head("b", "k").error() == Errc::kNoSuchKey);
    }
    CHECK(f.BlobCount() == 0);
  }
  INFO("completions: " << completed);
  if (rival == "complete") CHECK(completed == iterations);
}

TEST_CASE("list parts pages with a part number marker") {
  StoreFixture f("fake");
  f.MakeBucket("b");
  auto upload = CreateOrDie(f, "b", "k");
  for (uint32_t n = 1; n <= 25; ++n) UploadOrDie(f, upload, n * 2, "p" + std::to_string(n));
  std::vector<uint32_t> seen;
  ListPartsOptions options;
  options.max_parts = 10;
  int pages = 0;
  while (true) {
    auto page = f.store().ListParts("b", "k", upload.upload_id, options);
    REQUIRE(page);
    ++pages;
    CHECK(page->upload.upload_id == upload.upload_id);
    for (const auto& p : page->parts) seen.push_back(p.part_number);
    if (!page->truncated) break;
    CHECK(page->parts.size() == 10);
    options.part_number_marker = page->next_part_number_marker;
  }
  CHECK(pages == 3);
  REQUIRE(seen.size() == 25);
  CHECK(seen.front() == 2);
  CHECK(seen.back() == 50);
  CHECK(std::is_sorted(seen.begin(), seen.end()));
  options.part_number_marker = 21;
  options.max_parts = 2;
  auto from = f.store().ListParts("b", "k", upload.upload_id, options);
  REQUIRE(from);
  REQUIRE(from->parts.size() == 2);
  CHECK(from->parts[0].part_number == 22);
  CHECK(from->parts[0].etag == HexEncode(Md5("p11")));
  CHECK(from->parts[0].size == 3);
  options.max_parts = 5000;  // capped at 1000, so all remaining
  options.part_number_marker = 0;
  auto all = f.store().ListParts("b", "k", upload.upload_id, options);
  REQUIRE(all);
  CHECK(all->parts.size() == 25);
  CHECK_FALSE(all->truncated);
  options.part_number_marker = kMaxPartNumber;
  CHECK(f.store().ListParts("b", "k", upload.upload_id, options).value().parts.empty());
}

TEST_CASE("list multipart uploads orders by key then initiation, with prefix and delimiter") {
  StoreFixture f("fake");
  f.MakeBucket("b");
  f.MakeBucket("other");
  CreateOrDie(f, "other", "a/1");
  std::vector<std::pair<std::string, std::string>> expected;  // (key, id) in order
  for (const std::string key : {"b", "a/2", "c/x/y", "a/1", "b"}) {
    auto u = CreateOrDie(f, "b", key);
    expected.emplace_back(key, u.upload_id);
    std::this_thread::sleep_for(std::chrono::milliseconds(2));  // distinct initiation times
  }
  std::stable_sort(expected.begin(), expected.end(),
                   [](const auto& x, const auto& y) { return x.first < y.first; });

  auto all = f.store().ListMultipartUploads("b", {});
  REQUIRE(all);
  REQUIRE(all->uploads.size() == 5);
  for (size_t i = 0; i < 5; ++i) {
    CHECK(all->uploads[i].key == expected[i].first);
    CHECK(all->uploads[i].upload_id == expected[i].second);
  }
  CHECK(all->uploads[2].initiated < all->uploads[3].initiated);  // the two "b" uploads
  CHECK_FALSE(all->truncated);

  // Paging with max_uploads 2 visits every upload once, in order.
  ListUploadsOptions options;
  options.max_uploads = 2;
  std::vector<std::pair<std::string, std::string>> paged;
  while (true) {
    auto page = f.store().ListMultipartUploads("b", options);
    REQUIRE(page);
    for (const auto& u : page->uploads) paged.emplace_back(u.key, u.upload_id);
    if (!page->truncated) break;
    options.key_marker = page->next_key_marker;
    options.upload_id_marker = page->next_upload_id_marker;
  }
  CHECK(paged == expected);

  // Key marker alone: uploads of later keys only.
  ListUploadsOptions after_b;
  after_b.key_marker = "b";
  auto later = f.store().ListMultipartUploads("b", after_b);
  REQUIRE(later);
  REQUIRE(later->uploads.size() == 1);
  CHECK(later->uploads[0].key == "c/x/y");
  // With an upload id marker: the key's later uploads too.
  after_b.upload_id_marker = expected[2].second;  // the older of the two "b" uploads
  auto with_id = f.store().ListMultipartUploads("b", after_b);
  REQUIRE(with_id);
  REQUIRE(with_id->uploads.size() == 2);
  CHECK(with_id->uploads[0].upload_id == expected[3].second);
  CHECK(with_id->uploads[1].key == "c/x/y");

  // Delimiter: "a/" and "c/" roll up; "b" is listed.
  ListUploadsOptions rolled;
  rolled.delimiter = "/";
  auto top = f.store().ListMultipartUploads("b", rolled);
  REQUIRE(top);
  CHECK(top->common_prefixes == std::vector<std::string>{"a/", "c/"});
  REQUIRE(top->uploads.size() == 2);
  CHECK(top->uploads[0].key == "b");
  // A delimiter never matches inside the upload id (hex digits): "a" is a hex digit.
  ListUploadsOptions hexy;
  hexy.delimiter = "a";
  hexy.prefix = "b";
  auto only_b = f.store().ListMultipartUploads("b", hexy);
  REQUIRE(only_b);
  CHECK(only_b->uploads.size() == 2);
  CHECK(only_b->common_prefixes.empty());
  // Prefix and delimiter together; a key marker inside a common prefix skips all of it.
  rolled.prefix = "c/";
  auto c = f.store().ListMultipartUploads("b", rolled);
  REQUIRE(c);
  CHECK(c->common_prefixes == std::vector<std::string>{"c/x/"});
  ListUploadsOptions skip;
  skip.delimiter = "/";
  skip.key_marker = "a/1";
  auto skipped = f.store().ListMultipartUploads("b", skip);
  REQUIRE(skipped);
  CHECK(skipped->common_prefixes == std::vector<std::string>{"c/"});
  CHECK(skipped->uploads.size() == 2);
  CHECK(f.store().ListMultipartUploads("nope", {}).error() == Errc::kNoSuchBucket);
}

TEST_CASE("list multipart uploads skips a common prefix with one seek") {
  StoreFixture f("fake");
  f.MakeBucket("b");
  for (int i = 0; i < 200; ++i) CreateOrDie(f, "b", "many/" + std::to_string(i));
  CreateOrDie(f, "b", "z");
  ListUploadsOptions options;
  options.delimiter = "/";
  f.metadata().Reset();
  auto page = f.store().ListMultipartUploads("b", options);
  REQUIRE(page);
  CHECK(page->common_prefixes == std::vector<std::string>{"many/"});
  REQUIRE(page->uploads.size() == 1);
  CHECK(f.metadata().cursor_steps() < 10);
}

TEST_CASE("deleting a bucket aborts its in-progress uploads but not while objects remain") {
  auto kind = ChunkStoreUnderTest();
  INFO(kind);
  StoreFixture f(kind, SmallPartOptions());
  f.MakeBucket("b");
  auto u1 = CreateOrDie(f, "b", "k1");
  auto u2 = CreateOrDie(f, "b", "k2");
  UploadOrDie(f, u1, 1, TestPayload(5000, 1));
  UploadOrDie(f, u1, 2, TestPayload(5000, 2));
  UploadOrDie(f, u2, 1, TestPayload(5000, 3));
  f.PutOrDie("b", "obj", "x");
  CHECK(f.store().DeleteBucket("b") == Errc::kBucketNotEmpty);
  CHECK(f.store().ListParts("b", "k1", u1.upload_id, {}).value().parts.size() == 2);
  REQUIRE_FALSE(f.store().Delete("b", "obj"));
  REQUIRE_FALSE(f.store().DeleteBucket("b"));
  CHECK(f.BlobCount() == 0);
  // A new bucket of that name starts with no uploads.
  f.MakeBucket("b");
  CHECK(f.store().ListMultipartUploads("b", {}).value().uploads.empty());
  CHECK(f.store().ListParts("b", "k1", u1.upload_id, {}).error() == Errc::kNoSuchUpload);
}

TEST_CASE("upload ids are well-formed, distinct and sort by initiation time") {
  auto a = NewUploadId(1000);
  auto b = NewUploadId(1000);
  auto c = NewUploadId(1001);
  REQUIRE(a);
  REQUIRE(b);
  REQUIRE(c);
  CHECK(IsWellFormedUploadId(*a));
  CHECK(*a != *b);
  CHECK(*a < *c);
  CHECK(*b < *c);
  CHECK(a->substr(0, 12) == "0000000003e8");
  CHECK_FALSE(IsWellFormedUploadId(std::string(31, 'a')));
  CHECK_FALSE(IsWellFormedUploadId(std::string(32, 'A')));
  CHECK_FALSE(IsWellFormedUploadId(std::string(31, 'a') + "/"));
}

}  // namespace
}  // namespace strata::storage
