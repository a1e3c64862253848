// Listing semantics (prefix, delimiter, start_after, max_keys, paging) and its cost.
#include "storage/listing.h"

#include <catch2/catch.hpp>
#include <set>
#include <vector>

#include "tests/storage/object_store_fixture_fake.h"
#include "tests/storage/result_string_maker.h"

namespace strata::storage {
namespace {

using testing::StoreFixture;

// Objects and common prefixes of one page, merged in order, prefixes marked with a trailing "*".
std::vector<std::string> Entries(const ListResult& page) {
  std::vector<std::string> out;
  for (const auto& o : page.objects) out.push_back(o.key);
  for (const auto& p : page.common_prefixes) out.push_back(p + "*");
  std::sort(out.begin(), out.end());
  return out;
}

ListResult ListOrDie(StoreFixture& f, const std::string& bucket, const ListOptions& options) {
  auto page = f.store().List(bucket, options);
  if (!page) FAIL("List failed: " << page.error().message());
  return *page;
}

// Every entry, page by page, following next_marker.
std::vector<std::string> ListAll(StoreFixture& f, ListOptions options, int* pages = nullptr) {
  std::vector<std::string> all;
  int n = 0;
  while (true) {
    auto page = ListOrDie(f, "b", options);
    ++n;
    REQUIRE(page.objects.size() + page.common_prefixes.size() <= options.max_keys);
    for (auto& e : Entries(page)) all.push_back(e);
    if (!page.truncated) break;
    REQUIRE_FALSE(page.next_marker.empty());
    options.start_after = page.next_marker;
    REQUIRE(n < 100000);
  }
  if (pages) *pages = n;
  return all;
}

void PutKeys(StoreFixture& f, const std::vector<std::string>& keys) {
  for (const auto& k : keys) f.PutOrDie("b", k, "v:" + k);
}

TEST_CASE("listing returns keys in UTF-8 byte order") {
  StoreFixture f("fake");
  f.MakeBucket("b");
  std::vector<std::string> keys = {"a/b",
                                   "a+b",
                                   "a b",
                                   "a%2F",
                                   "a",
                                   "A",
                                   "\xc3\xa9t\xc3\xa9",
                                   "z",
                                   "\xe2\x82\xac",
                                   "a-b",
                                   "a.b",
                                   "ab",
                                   "\xf0\x9f\x98\x80"};
  PutKeys(f, keys);
  auto page = ListOrDie(f, "b", {});
  std::vector<std::string> got;
  for (const auto& o : page.objects) got.push_back(o.key);
  std::vector<std::string> expected = keys;
  std::sort(expected.begin(), expected.end());  // std::string compares as unsigned bytes
  CHECK(got == expected);
  CHECK(got.front() == "A");
  CHECK(got.back() == "\xf0\x9f\x98\x80");
  CHECK_FALSE(page.truncated);
  CHECK(page.common_prefixes.empty());
}

TEST_CASE("listed objects carry their size, etag and storage class") {
  StoreFixture f("fake");
  f.MakeBucket("b");
  auto put = f.PutOrDie("b", "k", "hello");
  auto page = ListOrDie(f, "b", {});
  REQUIRE(page.objects.size() == 1);
  CHECK(page.objects[0].bucket == "b");
  CHECK(page.objects[0].size == 5);
  CHECK(page.objects[0].etag == put.etag);
  CHECK(page.objects[0].storage_class == "STANDARD");
  CHECK(page.objects[0].last_modified == put.last_modified);
}

TEST_CASE("listing with a prefix returns only keys that start with it") {
  StoreFixture f("fake");
  f.MakeBucket("b");
  f.MakeBucket("b2");  // another bucket's keys never leak in
  f.PutOrDie("b2", "photos/x", "v");
  PutKeys(f, {"photo", "photos/1", "photos/2", "photos0", "video/1"});
  ListOptions options;
  options.prefix = "photos/";
  CHECK(Entries(ListOrDie(f, "b", options)) == std::vector<std::string>{"photos/1", "photos/2"});
  options.prefix = "photo";
  CHECK(Entries(ListOrDie(f, "b", options)).size() == 4);
  options.prefix = "zzz";
  CHECK(Entries(ListOrDie(f, "b", options)).empty());
}

TEST_CASE("listing with a delimiter rolls keys up into common prefixes") {
  StoreFixture f("fake");
  f.MakeBucket("b");
  PutKeys(f, {"a.txt", "dir/", "dir/a", "dir/sub/b", "dir2/x", "logs/2024/1", "z"});
  ListOptions options;
  options.delimiter = "/";
  CHECK(Entries(ListOrDie(f, "b", options)) ==
        std::vector<std::string>{"a.txt", "dir/*", "dir2/*", "logs/*", "z"});
  options.prefix = "dir/";
  // The "dir/" marker itself is listed as an object (s3a relies on it).
  CHECK(Entries(ListOrDie(f, "b", options)) ==
        std::vector<std::string>{"dir/", "dir/a", "dir/sub/*"});
  options.prefix = "dir";
  CHECK(Entries(ListOrDie(f, "b", options)) == std::vector<std::string>{"dir/*", "dir2/*"});
}

TEST_CASE("a multi-character delimiter works like a single one") {
  StoreFixture f("fake");
  f.MakeBucket("b");
  PutKeys(f, {"a--b--c", "a--d", "a-e", "f"});
  ListOptions options;
  options.delimiter = "--";
  CHECK(Entries(ListOrDie(f, "b", options)) == std::vector<std::string>{"a--*", "a-e", "f"});
}

TEST_CASE("start_after is exclusive and may lie between keys") {
  StoreFixture f("fake");
  f.MakeBucket("b");
  PutKeys(f, {"a", "b", "c", "d"});
  ListOptions options;
  options.start_after = "b";
  CHECK(Entries(ListOrDie(f, "b", options)) == std::vector<std::string>{"c", "d"});
  options.start_after = "bb";
  CHECK(Entries(ListOrDie(f, "b", options)) == std::vector<std::string>{"c", "d"});
  options.start_after = "d";
  CHECK(Entries(ListOrDie(f, "b", options)).empty());
  options.prefix = "c";
  options.start_after = "a";  // before the prefix: no effect
  CHECK(Entries(ListOrDie(f, "b", options)) == std::vector<std::string>{"c"});
  options.start_after = "x";  // after the prefix: nothing
  CHECK(Entries(ListOrDie(f, "b", options)).empty());
}

TEST_CASE("start_after inside a common prefix does not emit that prefix again") {
  StoreFixture f("fake");
  f.MakeBucket("b");
  PutKeys(f, {"a/1", "a/2", "a/3", "b/1", "c"});
  ListOptions options;
  options.delimiter = "/";
  options.start_after = "a/2";
  CHECK(Entries(ListOrDie(f, "b", options)) == std::vector<std::string>{"b/*", "c"});
  options.start_after = "a/";  // the prefix itself, as a next_marker would give it
  CHECK(Entries(ListOrDie(f, "b", options)) == std::vector<std::string>{"b/*", "c"});
  options.start_after = "a";
  CHECK(Entries(ListOrDie(f, "b", options)) == std::vector<std::string>{"a/*", "b/*", "c"});
}

TEST_CASE("max_keys truncates the page and next_marker continues it") {
  StoreFixture f("fake");
  f.MakeBucket("b");
  PutKeys(f, {"a", "b/1", "b/2", "c", "d/1", "e"});
  ListOptions options;
  options.delimiter = "/";
  options.max_keys = 2;
  auto page = ListOrDie(f, "b", options);
  CHECK(Entries(page) == std::vector<std::string>{"a", "b/*"});
  CHECK(page.truncated);
  CHECK(page.next_marker == "b/");
  options.start_after = page.next_marker;
  page = ListOrDie(f, "b", options);
  CHECK(Entries(page) == std::vector<std::string>{"c", "d/*"});
  CHECK(page.truncated);
  options.start_after = page.next_marker;
  page = ListOrDie(f, "b", options);
  CHECK(Entries(page) == std::vector<std::string>{"e"});
  CHECK_FALSE(page.truncated);
  // Exactly max_keys entries left: not truncated.
  options.start_after = "c";
  page = ListOrDie(f, "b", options);
  CHECK(Entries(page) == std::vector<std::string>{"d/*", "e"});
  CHECK_FALSE(page.truncated);
}

TEST_CASE("max_keys zero gives an empty page, truncated only if something matched") {
  StoreFixture f("fake");
  f.MakeBucket("b");
  ListOptions options;
  options.max_keys = 0;
  auto empty = ListOrDie(f, "b", options);
  CHECK(Entries(empty).empty());
  CHECK_FALSE(empty.truncated);
  PutKeys(f, {"a"});
  auto page = ListOrDie(f, "b", options);
  CHECK(Entries(page).empty());
  CHECK(page.truncated);
}

TEST_CASE("max_keys above 1000 is capped at 1000") {
  StoreFixture f("fake");
  f.MakeBucket("b");
  std::vector<std::string> keys;
  for (int i = 0; i < 1001; ++i) keys.push_back("k" + std::to_string(10000 + i));
  PutKeys(f, keys);
  ListOptions options;
  options.max_keys = 5000;
  auto page = ListOrDie(f, "b", options);
  CHECK(page.objects.size() == 1000);
  CHECK(page.truncated);
}

TEST_CASE("paging through a listing with any page size yields every entry once, in order") {
  StoreFixture f("fake");
  f.MakeBucket("b");
  std::vector<std::string> keys;
  for (int d = 0; d < 5; ++d) {
    for (int i = 0; i < 7; ++i) keys.push_back("d" + std::to_string(d) + "/" + std::to_string(i));
    keys.push_back("f" + std::to_string(d));
  }
  PutKeys(f, keys);
  auto delimiter = GENERATE(as<std::string>{}, "", "/");
  auto max_keys = GENERATE(1u, 2u, 3u, 7u, 1000u);
  ListOptions options;
  options.delimiter = delimiter;
  options.max_keys = max_keys;
  auto all = ListAll(f, options);
  ListOptions one_page;
  one_page.delimiter = delimiter;
  CHECK(all == Entries(ListOrDie(f, "b", one_page)));
  CHECK(std::set<std::string>(all.begin(), all.end()).size() == all.size());
  CHECK(all.size() == (delimiter.empty() ? keys.size() : 10u));
}

TEST_CASE("delimiter listing cost follows the page, not the number of keys under prefixes") {
  StoreFixture f("fake");
  f.MakeBucket("b");
  // 4 prefixes with 1000 keys each, plus a few top-level keys.
  for (int p = 0; p < 4; ++p) {
    for (int i = 0; i < 1000; ++i) {
      f.PutOrDie("b", "p" + std::to_string(p) + "/" + std::to_string(100000 + i), "");
    }
  }
  PutKeys(f, {"top1", "top2"});
  ListOptions options;
  options.delimiter = "/";
  options.max_keys = 2;
  f.metadata().Reset();
  int pages = 0;
  auto all = ListAll(f, options, &pages);
  CHECK(all == std::vector<std::string>{"p0/*", "p1/*", "p2/*", "p3/*", "top1", "top2"});
  CHECK(pages == 3);
  // Per page: one Scan, one Seek to the start, at most one move per entry plus the look-ahead.
  CHECK(f.metadata().cursor_steps() <= uint64_t(pages) * (2 + options.max_keys + 1));

  ListOptions inside;
  inside.prefix = "p2/";
  inside.max_keys = 10;
  f.metadata().Reset();
  auto page = ListOrDie(f, "b", inside);
  CHECK(page.objects.size() == 10);
  CHECK(page.truncated);
  CHECK(f.metadata().cursor_steps() <= 2 + 10 + 1);
}

// Records what ListInto hands over, copying the views while they are valid.
struct RecordingVisitor final : ListVisitor {
  std::vector<std::string> order;  // keys, and common prefixes marked with a trailing "*"
  std::vector<ObjectInfo> objects;
  void Object(const ListedObject& object) override {
    order.emplace_back(object.key);
    ObjectInfo& info = objects.emplace_back();
    info.key.assign(object.key);
    info.version_id.assign(object.version_id);
    info.etag.assign(object.etag);
    info.storage_class.assign(object.storage_class);
    info.size = object.size;
    info.last_modified = object.last_modified;
    info.tag_count = object.tag_count;
  }
  void CommonPrefix(std::string_view prefix) override {
    order.push_back(std::string(prefix) + "*");
  }
};

TEST_CASE("ListInto hands over the page in key order with what List collects") {
  StoreFixture f("fake");
  f.MakeBucket("b");
  PutKeys(f, {"a", "b/1", "b/2", "c", "d"});
  PutOptions tagged;
  tagged.version.tags = {{"team", "ml"}, {"stage", "raw"}};
  f.PutOrDie("b", "c", "tagged bytes", tagged);
  REQUIRE_FALSE(f.store().Delete("b", "d"));  // gone: not listed

  ListOptions options;
  options.delimiter = "/";
  RecordingVisitor visitor;
  auto end = f.store().ListInto("b", options, visitor);
  REQUIRE(end);
  CHECK(visitor.order == std::vector<std::string>{"a", "b/*", "c"});
  CHECK_FALSE(end->truncated);
  CHECK(end->next_marker.empty());  // a short page has nothing to continue from

  auto collected = ListOrDie(f, "b", options);
  REQUIRE(collected.objects.size() == visitor.objects.size());
  for (size_t i = 0; i < collected.objects.size(); ++i) {
    const ObjectInfo& want = collected.objects[i];
    const ObjectInfo& got = visitor.objects[i];
    INFO(want.key);
    CHECK(got.key == want.key);
    CHECK(got.version_id == want.version_id);
    CHECK(got.etag == want.etag);
    CHECK(got.size == want.size);
    CHECK(got.last_modified == want.last_modified);
    CHECK(got.tag_count == want.tag_count);
    CHECK(got.storage_class == want.storage_class);
  }
  CHECK(visitor.objects[1].size == std::string("tagged bytes").size());
  CHECK(visitor.objects[1].tag_count == 2);

  // A full page continues after its last entry, a common prefix included.
  options.max_keys = 2;
  RecordingVisitor first;
  end = f.store().ListInto("b", options, first);
  REQUIRE(end);
  CHECK(first.order == std::vector<std::string>{"a", "b/*"});
  CHECK(end->truncated);
  CHECK(end->next_marker == "b/");
}

TEST_CASE("listing a missing bucket fails with NoSuchBucket") {
  StoreFixture f("fake");
  CHECK(f.store().List("nope", {}).error() == Errc::kNoSuchBucket);
  RecordingVisitor visitor;
  CHECK(f.store().ListInto("nope", {}, visitor).error() == Errc::kNoSuchBucket);
  CHECK(visitor.order.empty());
}

}  // namespace
}  // namespace strata::storage
