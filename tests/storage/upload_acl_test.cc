// The ACL a multipart upload was created with: kept in the upload record (format 4) and
// committed with the completed version in the same batch.
#include <catch2/catch.hpp>
#include <string>

#include "storage/object_store.h"
#include "storage/upload_record.h"
#include "tests/storage/byte_source_fake.h"
#include "tests/storage/object_store_fixture_fake.h"
#include "tests/storage/result_string_maker.h"

namespace strata::storage {
namespace {

using testing::StoreFixture;
using testing::TestBody;

TEST_CASE("an upload's ACL is listed with it and lands on the completed version", "[acl]") {
  StoreFixture f("fake");
  f.MakeBucket("b");
  MultipartOptions options;
  options.acl = "opaque-acl-record";
  auto upload = f.store().CreateMultipartUpload("b", "k", options);
  REQUIRE(upload);
  CHECK(upload->acl == "opaque-acl-record");
  auto listed = f.store().ListMultipartUploads("b", {});
  REQUIRE(listed);
  REQUIRE(listed->uploads.size() == 1);
  CHECK(listed->uploads[0].acl == "opaque-acl-record");

  TestBody body("part one");
  auto part = f.store().UploadPart("b", "k", upload->upload_id, 1, body);
  REQUIRE(part);
  auto done =
      f.store().CompleteMultipartUpload("b", "k", upload->upload_id, {{1, part->etag, {}}}, {});
  REQUIRE(done);
  CHECK(f.store().GetObjectAcl("b", "k", "").value() == "opaque-acl-record");

  // An upload without one completes into a version without one.
  auto plain = f.store().CreateMultipartUpload("b", "k", {});
  REQUIRE(plain);
  CHECK(plain->acl.empty());
  TestBody body2("part two");
  auto part2 = f.store().UploadPart("b", "k", plain->upload_id, 1, body2);
  REQUIRE(part2);
  REQUIRE(
      f.store().CompleteMultipartUpload("b", "k", plain->upload_id, {{1, part2->etag, {}}}, {}));
  CHECK(f.store().GetObjectAcl("b", "k", "").value().empty());
}

TEST_CASE("upload records keep the envelope and ACL in every combination", "[acl]") {
  for (bool with_acl : {false, true}) {
    UploadRecord r;
    r.initiated_ms = 42;
    r.storage_class = "STANDARD";
    if (with_acl) r.acl = "grants";
    const std::string encoded = EncodeUploadRecord(r);
    CHECK(static_cast<uint8_t>(encoded[0]) ==
          (with_acl ? kUploadRecordFormatV4 : kUploadRecordFormatV2));
    auto decoded = DecodeUploadRecord(encoded);
    REQUIRE(decoded);
    CHECK(decoded->acl == r.acl);
    CHECK(decoded->sse_envelope.empty());
    // Every truncation is refused.
    for (size_t n = 0; n < encoded.size(); ++n) {
      CHECK_FALSE(DecodeUploadRecord(std::string_view(encoded).substr(0, n)));
    }
  }
}

}  // namespace
}  // namespace strata::storage
