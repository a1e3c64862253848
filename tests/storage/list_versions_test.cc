// ListObjectVersions (order, IsLatest, markers, paging, delimiters, cost) and ListObjects over
// delete markers.
#include <catch2/catch.hpp>

#include "tests/storage/byte_source_fake.h"
#include "tests/storage/result_string_maker.h"
#include "tests/storage/versioning_helpers_fake.h"

namespace strata::storage {
namespace {

using testing::AllVersions;
using testing::PutVersion;
using testing::SetVersioning;
using testing::StoreFixture;

std::string ChunkStoreUnderTest() { return GENERATE(as<std::string>{}, "fake", "erasure"); }

// Bucket "b" (enabled): a: a1 a2; b: b1, marker; c/x: c1; c/y: marker only.
struct Layout {
  std::string a1, a2, b1, b_marker, c1, cy_marker;
};

Layout MakeLayout(StoreFixture& f) {
  f.MakeBucket("b");
  SetVersioning(f, "b", VersioningState::kEnabled);
  Layout l;
  l.a1 = PutVersion(f, "b", "a", "a1");
  l.b1 = PutVersion(f, "b", "b", "b1");
  l.a2 = PutVersion(f, "b", "a", "a2");
  l.b_marker = f.store().DeleteObject("b", "b", DeleteOptions{}).value().version_id;
  l.c1 = PutVersion(f, "b", "c/x", "c1");
  l.cy_marker = f.store().DeleteObject("b", "c/y", DeleteOptions{}).value().version_id;
  return l;
}

TEST_CASE("versions and delete markers are listed by key, newest first, with IsLatest") {
  auto kind = ChunkStoreUnderTest();
  INFO(kind);
  StoreFixture f(kind);
  Layout l = MakeLayout(f);
  auto page = f.store().ListObjectVersions("b", ListVersionsOptions{});
  REQUIRE(page);
  CHECK_FALSE(page->truncated);
  CHECK(page->next_key_marker.empty());
  const auto& v = page->versions;
  REQUIRE(v.size() == 6);
  CHECK((v[0].key == "a" && v[0].version_id == l.a2 && v[0].is_latest && !v[0].delete_marker));
  CHECK((v[1].key == "a" && v[1].version_id == l.a1 && !v[1].is_latest));
  CHECK((v[2].key == "b" && v[2].version_id == l.b_marker && v[2].is_latest && v[2].delete_marker &&
         v[2].size == 0));
  CHECK((v[3].key == "b" && v[3].version_id == l.b1 && !v[3].is_latest && !v[3].delete_marker));
  CHECK((v[4].key == "c/x" && v[4].is_latest));
  CHECK((v[5].key == "c/y" && v[5].delete_marker && v[5].is_latest));
  CHECK(v[1].size == 2);
  CHECK(f.store().ListObjectVersions("missing", {}).error() == Errc::kNoSuchBucket);
}

TEST_CASE("version pages resume at the key and version id markers") {
  StoreFixture f("fake");
  MakeLayout(f);
  auto all = f.store().ListObjectVersions("b", ListVersionsOptions{}).value().versions;
  for (uint32_t page_size : {1u, 2u, 4u}) {
    INFO(page_size);
    ListVersionsOptions options;
    options.max_keys = page_size;
    std::vector<ObjectInfo> paged;
    while (true) {
      auto page = f.store().ListObjectVersions("b", options);
      REQUIRE(page);
      CHECK(page->versions.size() <= page_size);
      paged.insert(paged.end(), page->versions.begin(), page->versions.end());
      if (!page->truncated) break;
      CHECK(page->next_key_marker == page->versions.back().key);
      CHECK(page->next_version_id_marker == page->versions.back().version_id);
      options.key_marker = page->next_key_marker;
      options.version_id_marker = page->next_version_id_marker;
    }
    REQUIRE(paged.size() == all.size());
    for (size_t i = 0; i < all.size(); ++i) {
      CHECK(paged[i].version_id == all[i].version_id);
      CHECK(paged[i].is_latest == all[i].is_latest);
    }
  }
  // key_marker alone: after every version of that key.
  ListVersionsOptions after_a;
  after_a.key_marker = "a";
  auto page = f.store().ListObjectVersions("b", after_a);
  REQUIRE(page);
  REQUIRE_FALSE(page->versions.empty());
  CHECK(page->versions[0].key == "b");
}

TEST_CASE("a delimiter rolls versions up into common prefixes at a cost that follows the page") {
  StoreFixture f("fake");
  Layout l = MakeLayout(f);
  for (int i = 0; i < 200; ++i) PutVersion(f, "b", "c/many", "x");
  ListVersionsOptions options;
  options.delimiter = "/";
  f.metadata().Reset();
  auto page = f.store().ListObjectVersions("b", options);
  REQUIRE(page);
  CHECK(f.metadata().cursor_steps() < 20);
  CHECK(page->versions.size() == 4);
  REQUIRE(page->common_prefixes.size() == 1);
  CHECK(page->common_prefixes[0] == "c/");
  options.prefix = "c/";
  options.max_keys = 3;
  page = f.store().ListObjectVersions("b", options);
  REQUIRE(page);
  CHECK(page->truncated);
  REQUIRE(page->versions.size() == 3);
  CHECK(page->versions[0].key == "c/many");
  CHECK(page->versions[0].is_latest);
  CHECK_FALSE(page->versions[1].is_latest);
  (void)l;
}

TEST_CASE("ListObjects skips keys whose latest is a delete marker without scanning versions") {
  auto kind = ChunkStoreUnderTest();
  INFO(kind);
  StoreFixture f(kind);
  MakeLayout(f);
  for (int i = 0; i < 100; ++i) PutVersion(f, "b", "a", "again");
  f.metadata().Reset();
  auto listed = f.store().List("b", ListOptions{});
  REQUIRE(listed);
  CHECK(f.metadata().cursor_steps() < 10);
  REQUIRE(listed->objects.size() == 2);
  CHECK(listed->objects[0].key == "a");
  CHECK(listed->objects[1].key == "c/x");
  // A prefix holding only deleted keys is not reported.
  PutVersion(f, "b", "d/gone", "x");
  REQUIRE(f.store().DeleteObject("b", "d/gone", DeleteOptions{}));
  ListOptions grouped;
  grouped.delimiter = "/";
  listed = f.store().List("b", grouped);
  REQUIRE(listed);
  CHECK(listed->common_prefixes == std::vector<std::string>{"c/"});
  // A page of max_keys 1 after "a" skips the deleted "b" and returns "c/x".
  ListOptions one;
  one.max_keys = 1;
  one.start_after = "a";
  listed = f.store().List("b", one);
  REQUIRE(listed);
  REQUIRE(listed->objects.size() == 1);
  CHECK(listed->objects[0].key == "c/x");
  CHECK_FALSE(listed->truncated);
}

}  // namespace
}  // namespace strata::storage
