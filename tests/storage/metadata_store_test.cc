// One contract suite, run on both MetadataStore implementations.
#include "storage/metadata_store.h"

#include <catch2/catch.hpp>
#include <thread>
#include <vector>

#include "tests/storage/result_string_maker.h"
#include "tests/storage/temp_dir_fake.h"

namespace strata::storage {
namespace {

using testing::TempDir;

// Owns a store of the generated kind (and its folder).
struct Fixture {
  explicit Fixture(const std::string& kind) {
    if (kind == "memory") {
      store = NewMemoryMetadataStore();
    } else {
      dir = std::make_unique<TempDir>();
      auto opened = OpenLevelDbMetadataStore(dir->path() + "/index");
      REQUIRE(opened);
      store = std::move(*opened);
    }
  }
  std::unique_ptr<TempDir> dir;
  std::unique_ptr<MetadataStore> store;
};

std::string KindUnderTest() { return GENERATE(as<std::string>{}, "memory", "leveldb"); }

void PutOne(MetadataStore& store, std::string_view key, std::string_view value) {
  WriteBatch batch;
  batch.Put(key, value);
  REQUIRE_FALSE(store.Write(batch));
}

std::optional<std::string> GetOne(MetadataStore& store, std::string_view key) {
  auto value = store.Get(key);
  REQUIRE(value);
  return *value;
}

std::vector<std::string> Keys(Cursor& cursor) {
  std::vector<std::string> keys;
  for (; cursor.Valid(); cursor.Next()) keys.emplace_back(cursor.key());
  REQUIRE_FALSE(cursor.status());
  return keys;
}

TEST_CASE("metadata store: get of a missing key is empty, put then get returns the value") {
  auto kind = KindUnderTest();
  INFO(kind);
  Fixture f(kind);
  CHECK_FALSE(GetOne(*f.store, "a"));
  PutOne(*f.store, "a", "1");
  CHECK(GetOne(*f.store, "a") == std::string("1"));
  PutOne(*f.store, "a", "2");
  CHECK(GetOne(*f.store, "a") == std::string("2"));
  std::string binary("k\0\xff", 3);
  PutOne(*f.store, binary, std::string("v\0", 2));
  CHECK(GetOne(*f.store, binary) == std::string("v\0", 2));
}

TEST_CASE("metadata store: a batch applies all its operations in order") {
  auto kind = KindUnderTest();
  INFO(kind);
  Fixture f(kind);
  PutOne(*f.store, "gone", "x");
  WriteBatch batch;
  batch.Put("a", "1");
  batch.Put("b", "1");
  batch.Delete("gone");
  batch.Put("b", "2");  // later op on the same key wins
  batch.Put("c", "3");
  batch.Delete("c");
  REQUIRE_FALSE(f.store->Write(batch));
  CHECK(GetOne(*f.store, "a") == std::string("1"));
  CHECK(GetOne(*f.store, "b") == std::string("2"));
  CHECK_FALSE(GetOne(*f.store, "gone"));
  CHECK_FALSE(GetOne(*f.store, "c"));
}

TEST_CASE("metadata store: concurrent batches are atomic to readers") {
  auto kind = KindUnderTest();
  INFO(kind);
  Fixture f(kind);
  // Writers keep keys x and y equal; a scan must never see them differ.
  PutOne(*f.store, "p/x", "0");
  PutOne(*f.store, "p/y", "0");
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (int i = 1; i <= 200; ++i) {
      WriteBatch batch;
      batch.Put("p/x", std::to_string(i));
      batch.Put("p/y", std::to_string(i));
      if (f.store->Write(batch)) break;
    }
    stop = true;
  });
  int mismatches = 0;
  int scans = 0;
  while (!stop || scans == 0) {
    auto cursor = f.store->Scan("p/");
    std::vector<std::string> values;
    for (; cursor->Valid(); cursor->Next()) values.emplace_back(cursor->value());
    if (values.size() != 2 || values[0] != values[1]) ++mismatches;
    ++scans;
  }
  writer.join();
  CHECK(mismatches == 0);
  CHECK(GetOne(*f.store, "p/x") == std::string("200"));
}

TEST_CASE("metadata store: scan yields exactly the keys with the prefix, in byte order") {
  auto kind = KindUnderTest();
  INFO(kind);
  Fixture f(kind);
  for (std::string k : std::initializer_list<std::string>{"a", "b/", "b/2", "b/1", "b0",
                                                          std::string("b/\xff", 3), "b", "c/1"}) {
    PutOne(*f.store, k, "v" + k);
  }
  auto cursor = f.store->Scan("b/");
  CHECK(Keys(*cursor) == std::vector<std::string>{"b/", "b/1", "b/2", std::string("b/\xff", 3)});
  auto all = f.store->Scan("");
  CHECK(Keys(*all).size() == 8);
  auto none = f.store->Scan("zz");
  CHECK_FALSE(none->Valid());
  auto with_value = f.store->Scan("b/1");
  REQUIRE(with_value->Valid());
  CHECK(with_value->value() == "vb/1");
}

TEST_CASE("metadata store: seek positions at the first key >= target within the prefix") {
  auto kind = KindUnderTest();
  INFO(kind);
  Fixture f(kind);
  for (std::string k : {"a", "p/a", "p/c", "p/e", "q"}) PutOne(*f.store, k, "v");
  auto cursor = f.store->Scan("p/");
  cursor->Seek("p/b");
  REQUIRE(cursor->Valid());
  CHECK(cursor->key() == "p/c");
  cursor->Seek("p/c");
  REQUIRE(cursor->Valid());
  CHECK(cursor->key() == "p/c");
  cursor->Seek("a");  // before the prefix: clamps to its start
  REQUIRE(cursor->Valid());
  CHECK(cursor->key() == "p/a");
  cursor->Seek("p/f");
  CHECK_FALSE(cursor->Valid());  // "q" lies outside the prefix
  cursor->Seek("p/d");
  REQUIRE(cursor->Valid());
  CHECK(cursor->key() == "p/e");
}

TEST_CASE("metadata store: a cursor sees the snapshot taken when it was created") {
  auto kind = KindUnderTest();
  INFO(kind);
  Fixture f(kind);
  PutOne(*f.store, "s/1", "old");
  PutOne(*f.store, "s/3", "old");
  auto cursor = f.store->Scan("s/");
  WriteBatch batch;
  batch.Put("s/2", "new");
  batch.Put("s/1", "new");
  batch.Delete("s/3");
  REQUIRE_FALSE(f.store->Write(batch));
  std::vector<std::string> seen;
  for (; cursor->Valid(); cursor->Next()) {
    seen.push_back(std::string(cursor->key()) + "=" + std::string(cursor->value()));
  }
  CHECK(seen == std::vector<std::string>{"s/1=old", "s/3=old"});
  auto fresh = f.store->Scan("s/");
  CHECK(Keys(*fresh) == std::vector<std::string>{"s/1", "s/2"});
}

TEST_CASE("metadata store: deleted keys disappear from scans") {
  auto kind = KindUnderTest();
  INFO(kind);
  Fixture f(kind);
  for (int i = 0; i < 10; ++i) PutOne(*f.store, "d/" + std::to_string(i), "v");
  WriteBatch batch;
  for (int i = 0; i < 10; i += 2) batch.Delete("d/" + std::to_string(i));
  REQUIRE_FALSE(f.store->Write(batch));
  auto cursor = f.store->Scan("d/");
  CHECK(Keys(*cursor) == std::vector<std::string>{"d/1", "d/3", "d/5", "d/7", "d/9"});
}

TEST_CASE("leveldb metadata store keeps its data across reopen") {
  TempDir dir;
  std::string path = dir.path() + "/index";
  {
    auto store = OpenLevelDbMetadataStore(path);
    REQUIRE(store);
    PutOne(**store, "kept", "yes");
    PutOne(**store, "dropped", "x");
    WriteBatch batch;
    batch.Delete("dropped");
    REQUIRE_FALSE((*store)->Write(batch));
  }
  auto store = OpenLevelDbMetadataStore(path);
  REQUIRE(store);
  CHECK(GetOne(**store, "kept") == std::string("yes"));
  CHECK_FALSE(GetOne(**store, "dropped"));
}

TEST_CASE("leveldb metadata store refuses a second open of the same folder") {
  TempDir dir;
  auto first = OpenLevelDbMetadataStore(dir.path() + "/index");
  REQUIRE(first);
  auto second = OpenLevelDbMetadataStore(dir.path() + "/index");
  CHECK_FALSE(second);
}

}  // namespace
}  // namespace strata::storage
