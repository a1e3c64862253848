// IdentityStore: users, access keys (sealed secrets), user policies, the master key file, and
// the lookup cache.
#include "storage/identity_store.h"

#include <sys/stat.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>
#include <vector>

#include "tests/storage/result_string_maker.h"
#include "tests/storage/temp_dir_fake.h"

namespace strata::storage {
namespace {

using testing::TempDir;

MasterKey KeyOf(unsigned char fill) {
  std::array<unsigned char, MasterKey::kSize> bytes{};
  bytes.fill(fill);
  bytes[0] = 0x42;
  return MasterKey(bytes);
}

constexpr std::string_view kPolicy =
    R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]})";

struct Fixture {
  Fixture() : index(NewMemoryMetadataStore()) {
    auto opened = IdentityStore::Open(*index, KeyOf(1));
    REQUIRE(opened);
    store = std::move(*opened);
  }
  std::unique_ptr<MetadataStore> index;
  std::unique_ptr<IdentityStore> store;
};

// Every (key, value) of the index under `prefix`.
std::vector<std::pair<std::string, std::string>> Dump(MetadataStore& index,
                                                      std::string_view prefix) {
  std::vector<std::pair<std::string, std::string>> out;
  auto cursor = index.Scan(prefix);
  for (; cursor->Valid(); cursor->Next()) {
    out.emplace_back(std::string(cursor->key()), std::string(cursor->value()));
  }
  REQUIRE_FALSE(cursor->status());
  return out;
}

TEST_CASE("A created user is listed with its creation time and a second create is refused") {
  Fixture f;
  REQUIRE_FALSE(f.store->CreateUser("bob"));
  REQUIRE_FALSE(f.store->CreateUser("alice"));
  CHECK(f.store->CreateUser("alice") == IdentityErrc::kUserAlreadyExists);
  auto users = f.store->ListUsers();
  REQUIRE(users);
  REQUIRE(users->size() == 2);
  CHECK((*users)[0].name == "alice");
  CHECK((*users)[1].name == "bob");
  CHECK((*users)[0].created_ms > 1'600'000'000'000);
  CHECK((*users)[0].access_keys == 0);
  auto one = f.store->GetUser("alice");
  REQUIRE(one);
  REQUIRE(*one);
  CHECK((*one)->name == "alice");
  auto none = f.store->GetUser("carol");
  REQUIRE(none);
  CHECK_FALSE(*none);
}

TEST_CASE("User names follow IAM's rules: 1 to 64 of letters, digits and +=,.@_-") {
  Fixture f;
  for (const std::string& good :
       std::vector<std::string>{"a", "Alice_1", "svc+etl=prod,eu.x@corp-1", std::string(64, 'u')}) {
    CAPTURE(good);
    CHECK_FALSE(f.store->CreateUser(good));
  }
  for (const std::string& bad : std::vector<std::string>{
           std::string(), std::string(65, 'u'), std::string("al ice"), std::string("a/b"),
           std::string("a\0b", 3), std::string("ü"), std::string("a:b"), std::string("a*")}) {
    CAPTURE(bad);
    CHECK(f.store->CreateUser(bad) == IdentityErrc::kInvalidUserName);
  }
}

TEST_CASE("A new access key has an SK id of 20 characters and a 40-character secret") {
  Fixture f;
  REQUIRE_FALSE(f.store->CreateUser("alice"));
  auto key = f.store->CreateAccessKey("alice");
  REQUIRE(key);
  CHECK(key->info.access_key.size() == 20);
  CHECK(key->info.access_key.starts_with("SK"));
  CHECK(key->info.access_key.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 2) ==
        std::string::npos);
  CHECK(key->secret_key.size() == 40);
  CHECK(key->info.user == "alice");
  CHECK(key->info.enabled);
  auto found = f.store->FindAccessKey(key->info.access_key);
  REQUIRE(found);
  REQUIRE(*found);
  CHECK((*found)->user == "alice");
  CHECK((*found)->secret_key == key->secret_key);
  CHECK((*found)->enabled);

  auto other = f.store->CreateAccessKey("alice");
  REQUIRE(other);
  CHECK(other->info.access_key != key->info.access_key);
  CHECK(other->secret_key != key->secret_key);
  CHECK(f.store->CreateAccessKey("nobody").error() == IdentityErrc::kNoSuchUser);
}

TEST_CASE("Listing a user's keys shows id, status and creation time, and unknown users fail") {
  IdentityStoreOptions options;
  options.clock = [] { return std::chrono::system_clock::time_point(std::chrono::seconds(1000)); };
  auto index = NewMemoryMetadataStore();
  auto store = IdentityStore::Open(*index, KeyOf(1), options);
  REQUIRE(store);
  REQUIRE_FALSE((*store)->CreateUser("alice"));
  auto a = (*store)->CreateAccessKey("alice");
  auto b = (*store)->CreateAccessKey("alice");
  REQUIRE(a);
  REQUIRE(b);
  REQUIRE_FALSE((*store)->SetAccessKeyStatus(b->info.access_key, false));
  auto keys = (*store)->ListAccessKeys("alice");
  REQUIRE(keys);
  REQUIRE(keys->size() == 2);
  std::set<std::string> ids;
  for (const AccessKeyInfo& k : *keys) {
    ids.insert(k.access_key);
    CHECK(k.user == "alice");
    CHECK(k.created_ms == 1'000'000);
    CHECK(k.enabled == (k.access_key == a->info.access_key));
  }
  CHECK(ids == std::set<std::string>{a->info.access_key, b->info.access_key});
  CHECK((*store)->ListAccessKeys("bob").error() == IdentityErrc::kNoSuchUser);
  auto users = (*store)->ListUsers();
  REQUIRE(users);
  CHECK(users->at(0).access_keys == 2);
}

TEST_CASE("Secrets are encrypted at rest: no index value holds a secret") {
  Fixture f;
  REQUIRE_FALSE(f.store->CreateUser("alice"));
  std::vector<std::string> secrets;
  for (int i = 0; i < 3; ++i) {
    auto key = f.store->CreateAccessKey("alice");
    REQUIRE(key);
    secrets.push_back(key->secret_key);
  }
  auto all = Dump(*f.index, "");
  REQUIRE(all.size() >= 5);
  for (const auto& [k, v] : all) {
    for (const std::string& secret : secrets) {
      CHECK(k.find(secret) == std::string::npos);
      CHECK(v.find(secret) == std::string::npos);
      // Not even a recognizable part of it.
      CHECK(v.find(secret.substr(0, 12)) == std::string::npos);
    }
  }
}

TEST_CASE("Opening an index with another master key fails with a clear error") {
  auto index = NewMemoryMetadataStore();
  {
    auto store = IdentityStore::Open(*index, KeyOf(1));
    REQUIRE(store);
    REQUIRE_FALSE((*store)->CreateUser("alice"));
  }
  auto wrong = IdentityStore::Open(*index, KeyOf(2));
  REQUIRE_FALSE(wrong);
  CHECK(wrong.error() == IdentityErrc::kMasterKeyMismatch);
  CHECK_THAT(wrong.error().message(), Catch::Contains("master key"));
  CHECK(IdentityStore::Open(*index, KeyOf(1)));
}

TEST_CASE("A secret sealed under another master key cannot be decrypted") {
  auto index = NewMemoryMetadataStore();
  std::string id;
  {
    auto store = IdentityStore::Open(*index, KeyOf(1));
    REQUIRE(store);
    REQUIRE_FALSE((*store)->CreateUser("alice"));
    auto key = (*store)->CreateAccessKey("alice");
    REQUIRE(key);
    id = key->info.access_key;
  }
  // Without the check value (as after restoring an old index next to a new key file), the
  // store opens, but the sealed secret still refuses to open.
  WriteBatch drop;
  drop.Delete("i/m");
  REQUIRE_FALSE(index->Write(drop));
  auto store = IdentityStore::Open(*index, KeyOf(2));
  REQUIRE(store);
  auto found = (*store)->FindAccessKey(id);
  REQUIRE_FALSE(found);
  CHECK(found.error() == IdentityErrc::kCannotDecrypt);
  CHECK_THAT(found.error().message(), Catch::Contains("cannot decrypt"));
}

TEST_CASE("An altered key record does not decrypt, nor does a sealed secret moved to another key") {
  Fixture f;
  REQUIRE_FALSE(f.store->CreateUser("alice"));
  REQUIRE_FALSE(f.store->CreateUser("mallory"));
  auto alice = f.store->CreateAccessKey("alice");
  auto mallory = f.store->CreateAccessKey("mallory");
  REQUIRE(alice);
  REQUIRE(mallory);
  const std::string alice_key = "i/k/" + alice->info.access_key;
  const std::string mallory_key = "i/k/" + mallory->info.access_key;
  auto alice_raw = f.index->Get(alice_key);
  REQUIRE(alice_raw);
  REQUIRE(*alice_raw);

  SECTION("a flipped byte in the sealed secret") {
    std::string altered = **alice_raw;
    altered[altered.size() - 20] ^= 0x01;
    WriteBatch batch;
    batch.Put(alice_key, altered);
    REQUIRE_FALSE(f.index->Write(batch));
    // (Written behind the store's back, so the cache is not told: a fresh store reads it.)
    auto fresh = IdentityStore::Open(*f.index, KeyOf(1));
    REQUIRE(fresh);
    auto found = (*fresh)->FindAccessKey(alice->info.access_key);
    REQUIRE_FALSE(found);
    CHECK(found.error() == IdentityErrc::kCannotDecrypt);
  }
  SECTION("alice's record copied over mallory's key") {
    WriteBatch batch;
    batch.Put(mallory_key, **alice_raw);
    REQUIRE_FALSE(f.index->Write(batch));
    auto fresh = IdentityStore::Open(*f.index, KeyOf(1));
    REQUIRE(fresh);
    auto found = (*fresh)->FindAccessKey(mallory->info.access_key);
    REQUIRE_FALSE(found);
    CHECK(found.error() == IdentityErrc::kCannotDecrypt);
  }
}

TEST_CASE("Disabling, enabling and deleting a key is seen by the next lookup (cache)") {
  Fixture f;
  REQUIRE_FALSE(f.store->CreateUser("alice"));
  auto key = f.store->CreateAccessKey("alice");
  REQUIRE(key);
  const std::string& id = key->info.access_key;
  for (int i = 0; i < 2; ++i) {  // the second lookup comes from the cache
    auto found = f.store->FindAccessKey(id);
    REQUIRE(found);
    REQUIRE(*found);
    CHECK((*found)->enabled);
  }
  REQUIRE_FALSE(f.store->SetAccessKeyStatus(id, false));
  auto disabled = f.store->FindAccessKey(id);
  REQUIRE(disabled);
  REQUIRE(*disabled);
  CHECK_FALSE((*disabled)->enabled);
  CHECK_FALSE(f.store->GetAccessKey(id)->enabled);
  REQUIRE_FALSE(f.store->SetAccessKeyStatus(id, true));
  CHECK(f.store->FindAccessKey(id).value()->enabled);
  REQUIRE_FALSE(f.store->DeleteAccessKey(id));
  auto gone = f.store->FindAccessKey(id);
  REQUIRE(gone);
  CHECK_FALSE(*gone);
  CHECK(f.store->DeleteAccessKey(id) == IdentityErrc::kNoSuchAccessKey);
  CHECK(f.store->SetAccessKeyStatus(id, true) == IdentityErrc::kNoSuchAccessKey);
  CHECK(f.store->ListAccessKeys("alice")->empty());
}

TEST_CASE("Unknown and malformed access key ids are simply not found") {
  Fixture f;
  for (const std::string& id :
       std::vector<std::string>{"", "SK", "AKIAIOSFODNN7EXAMPLE", "SKAAAAAAAAAAAAAAAAAA",
                                "SKaaaaaaaaaaaaaaaaaa", std::string(5000, 'S')}) {
    CAPTURE(id);
    auto found = f.store->FindAccessKey(id);
    REQUIRE(found);
    CHECK_FALSE(*found);
    CHECK(f.store->GetAccessKey(id).error() == IdentityErrc::kNoSuchAccessKey);
  }
}

TEST_CASE("Deleting a user deletes its keys and policies") {
  Fixture f;
  REQUIRE_FALSE(f.store->CreateUser("alice"));
  REQUIRE_FALSE(f.store->CreateUser("alice2"));
  auto key = f.store->CreateAccessKey("alice");
  auto other = f.store->CreateAccessKey("alice2");
  REQUIRE(key);
  REQUIRE(other);
  REQUIRE_FALSE(f.store->PutUserPolicy("alice", "all", kPolicy));
  REQUIRE_FALSE(f.store->PutUserPolicy("alice2", "all", kPolicy));
  REQUIRE(f.store->FindAccessKey(key->info.access_key).value());  // cached
  REQUIRE(f.store->UserPolicies("alice")->size() == 1);           // cached

  REQUIRE_FALSE(f.store->DeleteUser("alice"));
  CHECK_FALSE(f.store->FindAccessKey(key->info.access_key).value());
  CHECK(f.store->UserPolicies("alice")->empty());
  CHECK(f.store->DeleteUser("alice") == IdentityErrc::kNoSuchUser);
  for (const auto& [k, v] : Dump(*f.index, "i/")) {
    CAPTURE(k);
    CHECK(k.find(key->info.access_key) == std::string::npos);
    CHECK(k.find("alice\0", 0, 6) == std::string::npos);
    CHECK_FALSE(k.ends_with("/alice"));
  }
  // The neighbour (a longer name with the same prefix) keeps everything.
  CHECK(f.store->FindAccessKey(other->info.access_key).value());
  CHECK(f.store->ListUserPolicies("alice2")->size() == 1);
  // A new user of the same name starts empty.
  REQUIRE_FALSE(f.store->CreateUser("alice"));
  CHECK(f.store->ListAccessKeys("alice")->empty());
  CHECK(f.store->ListUserPolicies("alice")->empty());
}

TEST_CASE("A user has at most 10 access keys, also when created concurrently") {
  Fixture f;
  REQUIRE_FALSE(f.store->CreateUser("alice"));
  std::atomic<int> made{0};
  std::atomic<int> refused{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 4; ++i) {
        auto key = f.store->CreateAccessKey("alice");
        if (key) {
          ++made;
        } else if (key.error() == IdentityErrc::kAccessKeyLimitExceeded) {
          ++refused;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(made == 10);
  CHECK(refused == 6);
  auto keys = f.store->ListAccessKeys("alice");
  REQUIRE(keys);
  std::set<std::string> ids;
  for (const auto& k : *keys) ids.insert(k.access_key);
  CHECK(ids.size() == 10);
}

TEST_CASE("User policies are stored as given, listed by name, replaced and deleted") {
  Fixture f;
  REQUIRE_FALSE(f.store->CreateUser("alice"));
  REQUIRE_FALSE(f.store->PutUserPolicy("alice", "write", kPolicy));
  REQUIRE_FALSE(f.store->PutUserPolicy("alice", "read", kPolicy));
  auto names = f.store->ListUserPolicies("alice");
  REQUIRE(names);
  CHECK(*names == std::vector<std::string>{"read", "write"});
  CHECK(f.store->GetUserPolicy("alice", "read").value() == kPolicy);

  const std::string replaced = R"({"Version":"2012-10-17","Statement":{"Effect":"Deny"}})";
  REQUIRE_FALSE(f.store->PutUserPolicy("alice", "read", replaced));
  CHECK(f.store->GetUserPolicy("alice", "read").value() == replaced);
  CHECK(f.store->ListUserPolicies("alice")->size() == 2);

  REQUIRE_FALSE(f.store->DeleteUserPolicy("alice", "write"));
  CHECK(f.store->GetUserPolicy("alice", "write").error() == IdentityErrc::kNoSuchPolicy);
  CHECK(f.store->DeleteUserPolicy("alice", "write") == IdentityErrc::kNoSuchPolicy);
  CHECK(*f.store->ListUserPolicies("alice") == std::vector<std::string>{"read"});

  CHECK(f.store->PutUserPolicy("bob", "read", kPolicy) == IdentityErrc::kNoSuchUser);
  CHECK(f.store->GetUserPolicy("bob", "read").error() == IdentityErrc::kNoSuchUser);
  CHECK(f.store->ListUserPolicies("bob").error() == IdentityErrc::kNoSuchUser);
  CHECK(f.store->PutUserPolicy("alice", "bad name", kPolicy) == IdentityErrc::kInvalidPolicyName);
  CHECK(f.store->PutUserPolicy("alice", std::string(129, 'p'), kPolicy) ==
        IdentityErrc::kInvalidPolicyName);
  CHECK_FALSE(f.store->PutUserPolicy("alice", std::string(128, 'p'), kPolicy));
}

TEST_CASE("A policy document must be a JSON object with Version and Statement, at most 6 KiB") {
  Fixture f;
  REQUIRE_FALSE(f.store->CreateUser("alice"));
  for (const std::string& bad : std::vector<std::string>{
           "", "not json", "[]", "\"text\"", R"({"Version":"2012-10-17"})", R"({"Statement":[]})",
           R"({"Version":1,"Statement":[]})", R"({"Version":"2012-10-17","Statement":"Allow"})",
           R"({"Version":"2012-10-17",)", std::string(5000, '[') + std::string(5000, ']')}) {
    CAPTURE(bad);
    CHECK(f.store->PutUserPolicy("alice", "p", bad) == IdentityErrc::kMalformedPolicy);
  }
  // Exactly 6144 bytes pass; one more byte fails.
  const std::string head = R"({"Version":"2012-10-17","Statement":[],"Pad":")";
  const std::string tail = "\"}";
  std::string at_limit =
      head + std::string(kMaxPolicyBytes - head.size() - tail.size(), 'x') + tail;
  REQUIRE(at_limit.size() == 6144);
  CHECK_FALSE(f.store->PutUserPolicy("alice", "p", at_limit));
  std::string over =
      head + std::string(kMaxPolicyBytes + 1 - head.size() - tail.size(), 'x') + tail;
  CHECK(f.store->PutUserPolicy("alice", "q", over) == IdentityErrc::kMalformedPolicy);
  CHECK(*f.store->ListUserPolicies("alice") == std::vector<std::string>{"p"});
}

TEST_CASE("A user has at most 20 policies, but an existing one can still be replaced") {
  Fixture f;
  REQUIRE_FALSE(f.store->CreateUser("alice"));
  for (size_t i = 0; i < kMaxPoliciesPerUser; ++i) {
    REQUIRE_FALSE(f.store->PutUserPolicy("alice", "p" + std::to_string(i), kPolicy));
  }
  CHECK(f.store->PutUserPolicy("alice", "one-more", kPolicy) == IdentityErrc::kPolicyLimitExceeded);
  CHECK_FALSE(f.store->PutUserPolicy("alice", "p3", kPolicy));
}

TEST_CASE("The policies of a user seen by the request path follow every change (cache)") {
  Fixture f;
  REQUIRE_FALSE(f.store->CreateUser("alice"));
  CHECK(f.store->UserPolicies("alice")->empty());
  CHECK(f.store->UserPolicies("alice")->empty());  // cached empty set
  REQUIRE_FALSE(f.store->PutUserPolicy("alice", "a", kPolicy));
  auto one = f.store->UserPolicies("alice");
  REQUIRE(one);
  REQUIRE(one->size() == 1);
  CHECK((*one)[0] == std::pair<std::string, std::string>{"a", std::string(kPolicy)});
  const std::string changed = R"({"Version":"2012-10-17","Statement":[]})";
  REQUIRE_FALSE(f.store->PutUserPolicy("alice", "a", changed));
  CHECK(f.store->UserPolicies("alice")->at(0).second == changed);
  REQUIRE_FALSE(f.store->DeleteUserPolicy("alice", "a"));
  CHECK(f.store->UserPolicies("alice")->empty());
  CHECK(f.store->UserPolicies("nobody")->empty());
}

TEST_CASE("Users, keys and policies survive reopening a LevelDB index with the same key file") {
  TempDir dir;
  const std::string key_file = dir.path() + "/identity.key";
  std::string id;
  std::string secret;
  {
    auto index = OpenLevelDbMetadataStore(dir.path() + "/index");
    REQUIRE(index);
    auto key = LoadOrCreateMasterKey(key_file, nullptr);
    REQUIRE(key);
    auto store = IdentityStore::Open(**index, *key);
    REQUIRE(store);
    REQUIRE_FALSE((*store)->CreateUser("alice"));
    auto made = (*store)->CreateAccessKey("alice");
    REQUIRE(made);
    id = made->info.access_key;
    secret = made->secret_key;
    REQUIRE_FALSE((*store)->PutUserPolicy("alice", "all", kPolicy));
  }
  auto index = OpenLevelDbMetadataStore(dir.path() + "/index");
  REQUIRE(index);
  bool created = true;
  auto key = LoadOrCreateMasterKey(key_file, nullptr, &created);
  REQUIRE(key);
  CHECK_FALSE(created);
  auto store = IdentityStore::Open(**index, *key);
  REQUIRE(store);
  auto found = (*store)->FindAccessKey(id);
  REQUIRE(found);
  REQUIRE(*found);
  CHECK((*found)->secret_key == secret);
  CHECK((*store)->GetUserPolicy("alice", "all").value() == kPolicy);
}

TEST_CASE("The master key file is created with mode 0600 and 32 bytes, then reused") {
  TempDir dir;
  const std::string path = dir.path() + "/identity.key";
  bool created = false;
  auto first = LoadOrCreateMasterKey(path, nullptr, &created);
  REQUIRE(first);
  CHECK(created);
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK(st.st_size == 32);
  CHECK_FALSE(std::filesystem::exists(path + ".tmp"));
  auto second = LoadOrCreateMasterKey(path, nullptr, &created);
  REQUIRE(second);
  CHECK_FALSE(created);
  // Same key: what one seals the other opens.
  auto sealed = SealSecret(*first, "secret", "aad");
  REQUIRE(sealed);
  CHECK(OpenSecret(*second, *sealed, "aad").value() == "secret");
  CHECK(OpenSecret(*second, *sealed, "other aad").error() == IdentityErrc::kCannotDecrypt);
}

TEST_CASE(
    "A master key file with wider permissions, the wrong size or of the wrong type is refused") {
  TempDir dir;
  const std::string path = dir.path() + "/identity.key";
  std::string detail;
  SECTION("readable by group") {
    REQUIRE(LoadOrCreateMasterKey(path, nullptr));
    REQUIRE(::chmod(path.c_str(), 0640) == 0);
    auto key = LoadOrCreateMasterKey(path, &detail);
    REQUIRE_FALSE(key);
    CHECK(key.error() == IdentityErrc::kBadMasterKeyFile);
    CHECK_THAT(detail, Catch::Contains("0640") && Catch::Contains("chmod 600"));
  }
  SECTION("31 bytes") {
    std::ofstream(path) << std::string(31, 'k');
    REQUIRE(::chmod(path.c_str(), 0600) == 0);
    auto key = LoadOrCreateMasterKey(path, &detail);
    REQUIRE_FALSE(key);
    CHECK(key.error() == IdentityErrc::kBadMasterKeyFile);
    CHECK_THAT(detail, Catch::Contains("31 bytes"));
  }
  SECTION("33 bytes") {
    std::ofstream(path) << std::string(33, 'k');
    REQUIRE(::chmod(path.c_str(), 0600) == 0);
    auto key = LoadOrCreateMasterKey(path, &detail);
    REQUIRE_FALSE(key);
    CHECK_THAT(detail, Catch::Contains("33 bytes"));
  }
  SECTION("a folder") {
    std::filesystem::create_directory(path);
    REQUIRE(::chmod(path.c_str(), 0700) == 0);
    auto key = LoadOrCreateMasterKey(path, &detail);
    REQUIRE_FALSE(key);
    CHECK_THAT(detail, Catch::Contains("not a regular file"));
  }
  SECTION("in a folder that does not exist") {
    auto key = LoadOrCreateMasterKey(dir.path() + "/missing/identity.key", &detail);
    REQUIRE_FALSE(key);
    CHECK(key.error() == IdentityErrc::kBadMasterKeyFile);
    CHECK_THAT(detail, Catch::Contains("cannot create"));
  }
}

}  // namespace
}  // namespace strata::storage
