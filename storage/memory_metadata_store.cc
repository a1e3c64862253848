// The in-memory metadata index for tests and tools. Multi-version like LevelDB: each key keeps
// the versions that a live cursor may still see, so a cursor reads a consistent snapshot
// without copying the map (listing stays O(page)) and without holding a lock between moves.
#include <map>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <vector>

#include "storage/metadata_store.h"

namespace strata::storage {
namespace {

struct Version {
  uint64_t seq;
  std::optional<std::string> value;  // nullopt: deleted at seq
};

// Shared by the store and its cursors, so a cursor may outlive the store object.
struct State {
  std::shared_mutex mu;
  std::map<std::string, std::vector<Version>, std::less<>> data;  // GUARDED_BY(mu), seq ascending
  uint64_t last_seq = 0;                                          // GUARDED_BY(mu)
  std::multiset<uint64_t> snapshots;                              // GUARDED_BY(mu)

  // The newest version visible at seq, or nullptr.
  static const std::optional<std::string>* Visible(const std::vector<Version>& versions,
                                                   uint64_t seq) {
    for (auto it = versions.rbegin(); it != versions.rend(); ++it) {
      if (it->seq <= seq) return &it->value;
    }
    return nullptr;
  }

  // Drops versions no live snapshot can see. REQUIRES: mu held exclusively.
  void Prune(std::map<std::string, std::vector<Version>, std::less<>>::iterator it) {
    uint64_t oldest = snapshots.empty() ? last_seq : *snapshots.begin();
    auto& versions = it->second;
    size_t keep_from = 0;
    // Version i is hidden from every snapshot once version i+1 is visible to the oldest one.
    while (keep_from + 1 < versions.size() && versions[keep_from + 1].seq <= oldest) ++keep_from;
    versions.erase(versions.begin(), versions.begin() + static_cast<ptrdiff_t>(keep_from));
    if (versions.size() == 1 && !versions[0].value && versions[0].seq <= oldest) data.erase(it);
  }
};

class MemoryCursor final : public Cursor {
 public:
  MemoryCursor(std::shared_ptr<State> state, uint64_t seq, std::string prefix)
      : state_(std::move(state)), seq_(seq), prefix_(std::move(prefix)) {
    Seek(prefix_);
  }
  ~MemoryCursor() override {
    std::unique_lock lock(state_->mu);
    state_->snapshots.erase(state_->snapshots.find(seq_));
  }

  void Seek(std::string_view target) override {
    std::shared_lock lock(state_->mu);
    SettleAt(state_->data.lower_bound(target < std::string_view(prefix_) ? prefix_ : target));
  }
  bool Valid() const override { return valid_; }
  void Next() override {
    std::shared_lock lock(state_->mu);
    SettleAt(state_->data.upper_bound(key_));
  }
  std::string_view key() const override { return key_; }
  std::string_view value() const override { return value_; }
  boost::system::error_code status() const override { return {}; }

 private:
  // Moves to the first key at or after it that is live in the snapshot. REQUIRES: mu held.
  void SettleAt(std::map<std::string, std::vector<Version>, std::less<>>::const_iterator it) {
    for (; it != state_->data.end(); ++it) {
      if (!std::string_view(it->first).starts_with(prefix_)) break;
      const auto* v = State::Visible(it->second, seq_);
      if (v != nullptr && v->has_value()) {
        key_ = it->first;
        value_ = **v;
        valid_ = true;
        return;
      }
    }
    valid_ = false;
  }

  std::shared_ptr<State> state_;
  uint64_t seq_;
  std::string prefix_;
  bool valid_ = false;
  std::string key_;
  std::string value_;
};

class MemoryMetadataStore final : public MetadataStore {
 public:
  Result<std::optional<std::string>> Get(std::string_view key) override {
    std::shared_lock lock(state_->mu);
    auto it = state_->data.find(key);
    if (it == state_->data.end() || !it->second.back().value) return std::optional<std::string>();
    return it->second.back().value;
  }

  boost::system::error_code Write(const WriteBatch& batch) override {
    std::unique_lock lock(state_->mu);
    uint64_t seq = ++state_->last_seq;
    for (const auto& op : batch.ops()) {
      auto [it, inserted] = state_->data.try_emplace(op.key);
      auto& versions = it->second;
      std::optional<std::string> value;
      if (!op.is_delete) value = op.value;
      // A later op on the same key in one batch replaces the earlier one.
      if (!versions.empty() && versions.back().seq == seq) {
        versions.back().value = std::move(value);
      } else {
        versions.push_back(Version{seq, std::move(value)});
      }
      state_->Prune(it);
    }
    return {};
  }

  std::unique_ptr<Cursor> Scan(std::string_view prefix) override {
    uint64_t seq;
    {
      std::unique_lock lock(state_->mu);
      seq = state_->last_seq;
      state_->snapshots.insert(seq);
    }
    return std::make_unique<MemoryCursor>(state_, seq, std::string(prefix));
  }

 private:
  std::shared_ptr<State> state_ = std::make_shared<State>();
};

}  // namespace

std::unique_ptr<MetadataStore> NewMemoryMetadataStore() {
  return std::make_unique<MemoryMetadataStore>();
}

}  // namespace strata::storage
