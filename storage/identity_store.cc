// IdentityStore over the metadata index. Key layout (README.md):
//   i/m                      check value: a known text sealed under the master key
//   i/u/<user>               user record: u8 1 | varint created_ms
//   i/k/<access key>         key record: u8 1 | lp user | u8 enabled | varint created_ms |
//                            lp sealed secret (nonce | ciphertext | tag)
//   i/uk/<user>\0<key>       empty: the user's keys, for listing and DeleteUser
//   i/up/<user>\0<policy>    the policy document as given
// User names never contain NUL, so "i/uk/<user>\0" is the prefix of exactly one user's keys.
#include "storage/identity_store.h"

#include <algorithm>
#include <mutex>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "storage/checksum.h"
#include "storage/coding.h"

namespace strata::storage {
namespace {

using boost::system::error_code;

constexpr std::string_view kCheckKey = "i/m";
constexpr std::string_view kCheckText = "strata identity master key check v1";
constexpr std::string_view kUserPrefix = "i/u/";
constexpr std::string_view kKeyPrefix = "i/k/";
constexpr std::string_view kUserKeysPrefix = "i/uk/";
constexpr std::string_view kUserPoliciesPrefix = "i/up/";
constexpr uint8_t kFormat = 1;  // On disk: never renumber.
constexpr size_t kAccessKeyLength = 20;
constexpr std::string_view kAccessKeyHead = "SK";

std::string UserKey(std::string_view user) { return std::string(kUserPrefix).append(user); }
std::string AccessKeyKey(std::string_view id) { return std::string(kKeyPrefix).append(id); }
std::string UserKeysPrefix(std::string_view user) {
  return std::string(kUserKeysPrefix).append(user).append(1, '\0');
}
std::string UserPoliciesPrefix(std::string_view user) {
  return std::string(kUserPoliciesPrefix).append(user).append(1, '\0');
}
// Binds a sealed secret to its key id and owner: a sealed blob copied into another record
// does not open.
std::string SecretAad(std::string_view id, std::string_view user) {
  return AccessKeyKey(id).append(1, '\0').append(user);
}

bool IsNameChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         std::string_view("+=,.@_-").find(c) != std::string_view::npos;
}

bool IsValidName(std::string_view name, size_t max) {
  if (name.empty() || name.size() > max) return false;
  for (char c : name) {
    if (!IsNameChar(c)) return false;
  }
  return true;
}

int64_t ToMs(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

struct KeyRecord {
  std::string user;
  bool enabled = true;
  int64_t created_ms = 0;
  std::string sealed;
};

std::string EncodeKeyRecord(const KeyRecord& r) {
  std::string out(1, static_cast<char>(kFormat));
  PutLengthPrefixed(out, r.user);
  out.push_back(r.enabled ? 1 : 0);
  PutVarint64(out, ZigZag(r.created_ms));
  PutLengthPrefixed(out, r.sealed);
  return out;
}

Result<KeyRecord> DecodeKeyRecord(std::string_view in) {
  Decoder d(in);
  KeyRecord r;
  uint8_t format = 0;
  uint8_t enabled = 0;
  uint64_t created = 0;
  if (!d.GetByte(format) || format != kFormat || !d.GetLengthPrefixed(r.user) ||
      !d.GetByte(enabled) || enabled > 1 || !d.GetVarint64(created) ||
      !d.GetLengthPrefixed(r.sealed) || !d.done()) {
    return make_error_code(Errc::kCorrupt);
  }
  r.enabled = enabled == 1;
  r.created_ms = UnZigZag(created);
  return r;
}

std::string EncodeUserRecord(int64_t created_ms) {
  std::string out(1, static_cast<char>(kFormat));
  PutVarint64(out, ZigZag(created_ms));
  return out;
}

Result<int64_t> DecodeUserRecord(std::string_view in) {
  Decoder d(in);
  uint8_t format = 0;
  uint64_t created = 0;
  if (!d.GetByte(format) || format != kFormat || !d.GetVarint64(created) || !d.done()) {
    return make_error_code(Errc::kCorrupt);
  }
  return UnZigZag(created);
}

// RFC 4648 base32 of the first 90 bits of 12 random bytes: 18 characters.
Result<std::string> NewAccessKeyId() {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  auto random = RandomBytes(12);
  if (!random) return random.error();
  std::string id(kAccessKeyHead);
  uint32_t bits = 0;
  int have = 0;
  for (char byte : *random) {
    bits = (bits << 8) | static_cast<uint8_t>(byte);
    have += 8;
    while (have >= 5 && id.size() < kAccessKeyLength) {
      id.push_back(kAlphabet[(bits >> (have - 5)) & 31]);
      have -= 5;
    }
  }
  return id;
}

bool IsWellFormedAccessKeyId(std::string_view id) {
  if (id.size() != kAccessKeyLength || !id.starts_with(kAccessKeyHead)) return false;
  for (char c : id.substr(kAccessKeyHead.size())) {
    if (!((c >= 'A' && c <= 'Z') || (c >= '2' && c <= '7'))) return false;
  }
  return true;
}

}  // namespace

bool IsValidUserName(std::string_view name) { return IsValidName(name, 64); }
bool IsValidPolicyName(std::string_view name) { return IsValidName(name, 128); }

error_code ValidatePolicyDocument(std::string_view document) {
  if (document.size() > kMaxPolicyBytes) return make_error_code(IdentityErrc::kMalformedPolicy);
  // The size bound above also bounds nesting depth, so parsing stays cheap on any input.
  nlohmann::json doc = nlohmann::json::parse(document, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object())
    return make_error_code(IdentityErrc::kMalformedPolicy);
  auto version = doc.find("Version");
  auto statement = doc.find("Statement");
  if (version == doc.end() || !version->is_string() || statement == doc.end() ||
      !(statement->is_object() || statement->is_array())) {
    return make_error_code(IdentityErrc::kMalformedPolicy);
  }
  return {};
}

struct IdentityStore::Impl {
  Impl(MetadataStore& index, MasterKey key, IdentityStoreOptions options)
      : index(index), key(std::move(key)), options(std::move(options)) {}

  MetadataStore& index;
  const MasterKey key;
  const IdentityStoreOptions options;

  // Serializes changes: each reads, checks and writes one batch.
  std::mutex write_mu;

  // Lookups served on every request. A filler inserts only if no change happened since it
  // read the index (same generation), so a stale value is never cached after a change.
  std::mutex cache_mu;
  uint64_t generation = 0;
  std::unordered_map<std::string, AccessKeySecret> key_cache;
  std::unordered_map<std::string, std::vector<std::pair<std::string, std::string>>> policy_cache;

  uint64_t Generation() {
    std::lock_guard lock(cache_mu);
    return generation;
  }

  void Invalidate() {
    std::lock_guard lock(cache_mu);
    ++generation;
    key_cache.clear();
    policy_cache.clear();
  }

  template <class Map, class Value>
  void CacheInsert(Map& map, uint64_t seen, std::string_view name, Value value) {
    std::lock_guard lock(cache_mu);
    if (seen != generation) return;
    // Bounded: at the limit, drop an arbitrary entry.
    if (map.size() >= options.cache_entries && !map.empty()) map.erase(map.begin());
    if (options.cache_entries > 0) map.insert_or_assign(std::string(name), std::move(value));
  }

  error_code Write(const WriteBatch& batch) {
    error_code ec = index.Write(batch);
    Invalidate();  // also after a failure: the batch may have landed
    return ec;
  }

  Result<std::optional<int64_t>> UserCreated(std::string_view user) {
    auto raw = index.Get(UserKey(user));
    if (!raw) return raw.error();
    if (!*raw) return std::optional<int64_t>();
    auto created = DecodeUserRecord(**raw);
    if (!created) return created.error();
    return std::optional<int64_t>(*created);
  }

  // Every key under `prefix`, with the prefix removed.
  Result<std::vector<std::string>> Suffixes(const std::string& prefix) {
    std::vector<std::string> out;
    auto cursor = index.Scan(prefix);
    for (; cursor->Valid(); cursor->Next()) out.emplace_back(cursor->key().substr(prefix.size()));
    if (auto ec = cursor->status()) return ec;
    return out;
  }

  Result<std::optional<KeyRecord>> ReadKey(std::string_view id) {
    if (!IsWellFormedAccessKeyId(id)) return std::optional<KeyRecord>();
    auto raw = index.Get(AccessKeyKey(id));
    if (!raw) return raw.error();
    if (!*raw) return std::optional<KeyRecord>();
    auto record = DecodeKeyRecord(**raw);
    if (!record) return record.error();
    return std::optional<KeyRecord>(std::move(*record));
  }

  Result<UserInfo> Info(std::string name, int64_t created_ms) {
    auto keys = Suffixes(UserKeysPrefix(name));
    if (!keys) return keys.error();
    auto policies = Suffixes(UserPoliciesPrefix(name));
    if (!policies) return policies.error();
    return UserInfo{std::move(name), created_ms, keys->size(), policies->size()};
  }
};

IdentityStore::IdentityStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
IdentityStore::~IdentityStore() = default;

Result<std::unique_ptr<IdentityStore>> IdentityStore::Open(MetadataStore& index, MasterKey key,
                                                           IdentityStoreOptions options) {
  auto check = index.Get(kCheckKey);
  if (!check) return check.error();
  if (*check) {
    auto text = OpenSecret(key, **check, kCheckKey);
    if (!text) {
      if (text.error() == IdentityErrc::kCannotDecrypt) {
        return make_error_code(IdentityErrc::kMasterKeyMismatch);
      }
      return text.error();
    }
    if (*text != kCheckText) return make_error_code(IdentityErrc::kMasterKeyMismatch);
  } else {
    auto sealed = SealSecret(key, kCheckText, kCheckKey);
    if (!sealed) return sealed.error();
    WriteBatch batch;
    batch.Put(kCheckKey, *sealed);
    if (auto ec = index.Write(batch)) return ec;
  }
  return std::unique_ptr<IdentityStore>(
      new IdentityStore(std::make_unique<Impl>(index, std::move(key), std::move(options))));
}

error_code IdentityStore::CreateUser(std::string_view name) {
  if (!IsValidUserName(name)) return make_error_code(IdentityErrc::kInvalidUserName);
  std::lock_guard lock(impl_->write_mu);
  auto existing = impl_->UserCreated(name);
  if (!existing) return existing.error();
  if (*existing) return make_error_code(IdentityErrc::kUserAlreadyExists);
  WriteBatch batch;
  batch.Put(UserKey(name), EncodeUserRecord(ToMs(impl_->options.clock())));
  return impl_->Write(batch);
}

error_code IdentityStore::DeleteUser(std::string_view name) {
  if (!IsValidUserName(name)) return make_error_code(IdentityErrc::kNoSuchUser);
  std::lock_guard lock(impl_->write_mu);
  auto existing = impl_->UserCreated(name);
  if (!existing) return existing.error();
  if (!*existing) return make_error_code(IdentityErrc::kNoSuchUser);
  WriteBatch batch;
  const std::string keys_prefix = UserKeysPrefix(name);
  auto keys = impl_->Suffixes(keys_prefix);
  if (!keys) return keys.error();
  for (const std::string& id : *keys) {
    batch.Delete(AccessKeyKey(id));
    batch.Delete(keys_prefix + id);
  }
  const std::string policies_prefix = UserPoliciesPrefix(name);
  auto policies = impl_->Suffixes(policies_prefix);
  if (!policies) return policies.error();
  for (const std::string& policy : *policies) batch.Delete(policies_prefix + policy);
  batch.Delete(UserKey(name));
  return impl_->Write(batch);
}

Result<std::optional<UserInfo>> IdentityStore::GetUser(std::string_view name) {
  if (!IsValidUserName(name)) return std::optional<UserInfo>();
  auto created = impl_->UserCreated(name);
  if (!created) return created.error();
  if (!*created) return std::optional<UserInfo>();
  auto info = impl_->Info(std::string(name), **created);
  if (!info) return info.error();
  return std::optional<UserInfo>(std::move(*info));
}

Result<std::vector<UserInfo>> IdentityStore::ListUsers() {
  std::vector<std::pair<std::string, int64_t>> users;
  {
    auto cursor = impl_->index.Scan(kUserPrefix);
    for (; cursor->Valid(); cursor->Next()) {
      auto created = DecodeUserRecord(cursor->value());
      if (!created) return created.error();
      users.emplace_back(std::string(cursor->key().substr(kUserPrefix.size())), *created);
    }
    if (auto ec = cursor->status()) return ec;
  }
  std::vector<UserInfo> out;
  out.reserve(users.size());
  for (auto& [name, created] : users) {
    auto info = impl_->Info(std::move(name), created);
    if (!info) return info.error();
    out.push_back(std::move(*info));
  }
  return out;
}

Result<NewAccessKey> IdentityStore::CreateAccessKey(std::string_view user) {
  if (!IsValidUserName(user)) return make_error_code(IdentityErrc::kNoSuchUser);
  std::lock_guard lock(impl_->write_mu);
  auto existing = impl_->UserCreated(user);
  if (!existing) return existing.error();
  if (!*existing) return make_error_code(IdentityErrc::kNoSuchUser);
  const std::string keys_prefix = UserKeysPrefix(user);
  auto keys = impl_->Suffixes(keys_prefix);
  if (!keys) return keys.error();
  if (keys->size() >= kMaxAccessKeysPerUser) {
    return make_error_code(IdentityErrc::kAccessKeyLimitExceeded);
  }
  // 90 random bits make a collision unlikely; checking keeps ids unique regardless.
  std::string id;
  for (int attempt = 0; attempt < 4 && id.empty(); ++attempt) {
    auto candidate = NewAccessKeyId();
    if (!candidate) return candidate.error();
    auto taken = impl_->index.Get(AccessKeyKey(*candidate));
    if (!taken) return taken.error();
    if (!*taken) id = std::move(*candidate);
  }
  if (id.empty()) return make_error_code(Errc::kInternal);
  auto random = RandomBytes(30);
  if (!random) return random.error();
  NewAccessKey out;
  out.secret_key = Base64Encode(*random);  // 40 characters
  KeyRecord record;
  record.user = std::string(user);
  record.enabled = true;
  record.created_ms = ToMs(impl_->options.clock());
  auto sealed = SealSecret(impl_->key, out.secret_key, SecretAad(id, user));
  if (!sealed) return sealed.error();
  record.sealed = std::move(*sealed);
  WriteBatch batch;
  batch.Put(AccessKeyKey(id), EncodeKeyRecord(record));
  batch.Put(keys_prefix + id, "");
  if (auto ec = impl_->Write(batch)) return ec;
  out.info = {id, record.user, true, record.created_ms};
  return out;
}

Result<std::vector<AccessKeyInfo>> IdentityStore::ListAccessKeys(std::string_view user) {
  if (!IsValidUserName(user)) return make_error_code(IdentityErrc::kNoSuchUser);
  auto existing = impl_->UserCreated(user);
  if (!existing) return existing.error();
  if (!*existing) return make_error_code(IdentityErrc::kNoSuchUser);
  auto ids = impl_->Suffixes(UserKeysPrefix(user));
  if (!ids) return ids.error();
  std::vector<AccessKeyInfo> out;
  for (const std::string& id : *ids) {
    auto record = impl_->ReadKey(id);
    if (!record) return record.error();
    if (!*record) continue;  // deleted between the scan and the read
    out.push_back({id, (*record)->user, (*record)->enabled, (*record)->created_ms});
  }
  return out;
}

Result<AccessKeyInfo> IdentityStore::GetAccessKey(std::string_view access_key) {
  auto record = impl_->ReadKey(access_key);
  if (!record) return record.error();
  if (!*record) return make_error_code(IdentityErrc::kNoSuchAccessKey);
  return AccessKeyInfo{std::string(access_key), (*record)->user, (*record)->enabled,
                       (*record)->created_ms};
}

error_code IdentityStore::SetAccessKeyStatus(std::string_view access_key, bool enabled) {
  std::lock_guard lock(impl_->write_mu);
  auto record = impl_->ReadKey(access_key);
  if (!record) return record.error();
  if (!*record) return make_error_code(IdentityErrc::kNoSuchAccessKey);
  (*record)->enabled = enabled;
  WriteBatch batch;
  batch.Put(AccessKeyKey(access_key), EncodeKeyRecord(**record));
  return impl_->Write(batch);
}

error_code IdentityStore::DeleteAccessKey(std::string_view access_key) {
  std::lock_guard lock(impl_->write_mu);
  auto record = impl_->ReadKey(access_key);
  if (!record) return record.error();
  if (!*record) return make_error_code(IdentityErrc::kNoSuchAccessKey);
  WriteBatch batch;
  batch.Delete(AccessKeyKey(access_key));
  batch.Delete(UserKeysPrefix((*record)->user) + std::string(access_key));
  return impl_->Write(batch);
}

Result<std::optional<AccessKeySecret>> IdentityStore::FindAccessKey(std::string_view access_key) {
  const uint64_t seen = impl_->Generation();
  {
    std::lock_guard lock(impl_->cache_mu);
    auto it = impl_->key_cache.find(std::string(access_key));
    if (it != impl_->key_cache.end()) return std::optional<AccessKeySecret>(it->second);
  }
  auto record = impl_->ReadKey(access_key);
  if (!record) return record.error();
  if (!*record) return std::optional<AccessKeySecret>();
  auto secret = OpenSecret(impl_->key, (*record)->sealed, SecretAad(access_key, (*record)->user));
  if (!secret) return secret.error();
  AccessKeySecret out{(*record)->user, std::move(*secret), (*record)->enabled};
  impl_->CacheInsert(impl_->key_cache, seen, access_key, out);
  return std::optional<AccessKeySecret>(std::move(out));
}

error_code IdentityStore::PutUserPolicy(std::string_view user, std::string_view name,
                                        std::string_view document) {
  if (!IsValidPolicyName(name)) return make_error_code(IdentityErrc::kInvalidPolicyName);
  if (auto ec = ValidatePolicyDocument(document)) return ec;
  if (!IsValidUserName(user)) return make_error_code(IdentityErrc::kNoSuchUser);
  std::lock_guard lock(impl_->write_mu);
  auto existing = impl_->UserCreated(user);
  if (!existing) return existing.error();
  if (!*existing) return make_error_code(IdentityErrc::kNoSuchUser);
  const std::string prefix = UserPoliciesPrefix(user);
  auto names = impl_->Suffixes(prefix);
  if (!names) return names.error();
  const bool replaces = std::find(names->begin(), names->end(), name) != names->end();
  if (!replaces && names->size() >= kMaxPoliciesPerUser) {
    return make_error_code(IdentityErrc::kPolicyLimitExceeded);
  }
  WriteBatch batch;
  batch.Put(prefix + std::string(name), document);
  return impl_->Write(batch);
}

Result<std::string> IdentityStore::GetUserPolicy(std::string_view user, std::string_view name) {
  if (!IsValidUserName(user)) return make_error_code(IdentityErrc::kNoSuchUser);
  auto existing = impl_->UserCreated(user);
  if (!existing) return existing.error();
  if (!*existing) return make_error_code(IdentityErrc::kNoSuchUser);
  if (!IsValidPolicyName(name)) return make_error_code(IdentityErrc::kNoSuchPolicy);
  auto raw = impl_->index.Get(UserPoliciesPrefix(user) + std::string(name));
  if (!raw) return raw.error();
  if (!*raw) return make_error_code(IdentityErrc::kNoSuchPolicy);
  return std::move(**raw);
}

error_code IdentityStore::DeleteUserPolicy(std::string_view user, std::string_view name) {
  if (!IsValidUserName(user)) return make_error_code(IdentityErrc::kNoSuchUser);
  std::lock_guard lock(impl_->write_mu);
  auto existing = impl_->UserCreated(user);
  if (!existing) return existing.error();
  if (!*existing) return make_error_code(IdentityErrc::kNoSuchUser);
  if (!IsValidPolicyName(name)) return make_error_code(IdentityErrc::kNoSuchPolicy);
  const std::string key = UserPoliciesPrefix(user) + std::string(name);
  auto raw = impl_->index.Get(key);
  if (!raw) return raw.error();
  if (!*raw) return make_error_code(IdentityErrc::kNoSuchPolicy);
  WriteBatch batch;
  batch.Delete(key);
  return impl_->Write(batch);
}

Result<std::vector<std::string>> IdentityStore::ListUserPolicies(std::string_view user) {
  if (!IsValidUserName(user)) return make_error_code(IdentityErrc::kNoSuchUser);
  auto existing = impl_->UserCreated(user);
  if (!existing) return existing.error();
  if (!*existing) return make_error_code(IdentityErrc::kNoSuchUser);
  return impl_->Suffixes(UserPoliciesPrefix(user));
}

Result<std::vector<std::pair<std::string, std::string>>> IdentityStore::UserPolicies(
    std::string_view user) {
  using Policies = std::vector<std::pair<std::string, std::string>>;
  if (!IsValidUserName(user)) return Policies();
  const uint64_t seen = impl_->Generation();
  {
    std::lock_guard lock(impl_->cache_mu);
    auto it = impl_->policy_cache.find(std::string(user));
    if (it != impl_->policy_cache.end()) return it->second;
  }
  Policies out;
  const std::string prefix = UserPoliciesPrefix(user);
  auto cursor = impl_->index.Scan(prefix);
  for (; cursor->Valid(); cursor->Next()) {
    out.emplace_back(std::string(cursor->key().substr(prefix.size())),
                     std::string(cursor->value()));
  }
  if (auto ec = cursor->status()) return ec;
  impl_->CacheInsert(impl_->policy_cache, seen, user, out);
  return out;
}

}  // namespace strata::storage
