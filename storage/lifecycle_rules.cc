// Lifecycle rule evaluation (see lifecycle_rules.h for the semantics).
#include "storage/lifecycle_rules.h"

#include <map>
#include <optional>

namespace strata::storage {
namespace {

// Coldness of a class: transitions only go colder. -1: unknown (only equality is known).
int ClassRank(std::string_view c) {
  static const std::map<std::string_view, int> kRanks = {
      {"STANDARD", 0},   {"REDUCED_REDUNDANCY", 0},  {"STANDARD_IA", 1},
      {"ONEZONE_IA", 1}, {"INTELLIGENT_TIERING", 1}, {"GLACIER_IR", 2},
      {"GLACIER", 3},    {"DEEP_ARCHIVE", 4},
  };
  auto it = kRanks.find(c);
  return it == kRanks.end() ? -1 : it->second;
}

bool TransitionUseful(std::string_view from, std::string_view to) {
  if (from == to) return false;
  int a = ClassRank(from), b = ClassRank(to);
  return a < 0 || b < 0 || b > a;
}

// Caches one version's tags across the rules that ask.
class LazyTags {
 public:
  LazyTags(const TagLookup& lookup, const ObjectInfo& version)
      : lookup_(lookup), version_(version) {}
  const std::optional<TagSet>& Get() {
    if (!fetched_) {
      fetched_ = true;
      if (lookup_) {
        auto tags = lookup_(version_);
        if (tags) tags_ = std::move(*tags);
      }
    }
    return tags_;
  }

 private:
  const TagLookup& lookup_;
  const ObjectInfo& version_;
  bool fetched_ = false;
  std::optional<TagSet> tags_;
};

bool Matches(const LifecycleRule& rule, const ObjectInfo& v, LazyTags& tags) {
  const LifecycleFilter& f = rule.filter;
  if (!rule.enabled) return false;
  if (!v.key.starts_with(f.prefix)) return false;
  if (v.delete_marker) {
    return f.tags.empty() && !f.size_greater_than && !f.size_less_than;
  }
  if (f.size_greater_than && !(v.size > *f.size_greater_than)) return false;
  if (f.size_less_than && !(v.size < *f.size_less_than)) return false;
  if (!f.tags.empty()) {
    const auto& have = tags.Get();
    if (!have) return false;
    for (const auto& [k, value] : f.tags) {
      bool found = false;
      for (const auto& [hk, hv] : *have) {
        if (hk == k && hv == value) {
          found = true;
          break;
        }
      }
      if (!found) return false;
    }
  }
  return true;
}

// The best due transition: the latest due time wins.
struct Pick {
  TimePoint due;
  const std::string* storage_class = nullptr;
  const std::string* rule_id = nullptr;
  void Offer(TimePoint t, const std::string& c, const std::string& id) {
    if (!storage_class || t > due) {
      due = t;
      storage_class = &c;
      rule_id = &id;
    }
  }
};

}  // namespace

TimePoint LifecycleDueTime(TimePoint base, uint32_t days, std::chrono::seconds day_length) {
  using std::chrono::duration_cast;
  using std::chrono::seconds;
  TimePoint t = base + day_length * static_cast<int64_t>(days);
  if (day_length != kAwsDay) return t;
  // Round up to the next midnight UTC (system_clock counts from the Unix epoch, in UTC).
  auto since = t.time_since_epoch();
  auto day = duration_cast<Clock::duration>(kAwsDay);
  auto rem = since % day;
  if (rem.count() < 0) rem += day;
  if (rem.count() == 0) return t;
  return t - rem + day;
}

bool RuleMatches(const LifecycleRule& rule, const ObjectInfo& version, const TagLookup& tags) {
  LazyTags lazy(tags, version);
  return Matches(rule, version, lazy);
}

bool NeedsTags(const LifecycleConfiguration& config) {
  for (const auto& r : config.rules) {
    if (r.enabled && !r.filter.tags.empty()) return true;
  }
  return false;
}

std::vector<LifecycleAction> EvaluateKey(const LifecycleConfiguration& config,
                                         const std::vector<ObjectInfo>& versions,
                                         const TagLookup& tags, TimePoint now,
                                         std::chrono::seconds day_length) {
  std::vector<LifecycleAction> actions;
  if (versions.empty()) return actions;
  // Noncurrent data versions seen so far (newest first): NewerNoncurrentVersions counts them.
  uint32_t newer_noncurrent = 0;
  for (size_t i = 0; i < versions.size(); ++i) {
    const ObjectInfo& v = versions[i];
    LazyTags lazy(tags, v);
    const bool current = i == 0 && v.is_latest;
    if (current && v.delete_marker) {
      // An expired object delete marker: the latest, with no version left behind it.
      if (versions.size() != 1) continue;
      for (const auto& rule : config.rules) {
        if (!rule.expiration || !Matches(rule, v, lazy)) continue;
        const auto& e = *rule.expiration;
        // As MinIO does: Expiration Days also clears such markers, counted from the marker.
        if (e.expired_object_delete_marker ||
            (e.days && now >= LifecycleDueTime(v.last_modified, *e.days, day_length))) {
          actions.push_back({LifecycleActionKind::kRemoveExpiredMarker, v.version_id, "", rule.id});
          break;
        }
      }
      continue;
    }
    if (current) {
      const LifecycleRule* expire = nullptr;
      Pick pick;
      for (const auto& rule : config.rules) {
        if (!Matches(rule, v, lazy)) continue;
        if (rule.expiration && !expire) {
          const auto& e = *rule.expiration;
          if ((e.days && now >= LifecycleDueTime(v.last_modified, *e.days, day_length)) ||
              (e.date && now >= *e.date)) {
            expire = &rule;
          }
        }
        for (const auto& t : rule.transitions) {
          TimePoint due =
              t.date ? *t.date : LifecycleDueTime(v.last_modified, t.days.value_or(0), day_length);
          if (now >= due) pick.Offer(due, t.storage_class, rule.id);
        }
      }
      if (expire) {
        actions.push_back({LifecycleActionKind::kExpireCurrent, v.version_id, "", expire->id});
      } else if (pick.storage_class && TransitionUseful(v.storage_class, *pick.storage_class)) {
        actions.push_back({LifecycleActionKind::kTransitionCurrent, v.version_id,
                           *pick.storage_class, *pick.rule_id});
      }
      continue;
    }
    // Noncurrent since the next newer version was created.
    const TimePoint noncurrent_since = i > 0 ? versions[i - 1].last_modified : v.last_modified;
    const LifecycleRule* expire = nullptr;
    Pick pick;
    for (const auto& rule : config.rules) {
      if (!Matches(rule, v, lazy)) continue;
      if (const auto& e = rule.noncurrent_expiration; e && !expire) {
        const bool kept = !v.delete_marker && e->newer_noncurrent_versions &&
                          newer_noncurrent < *e->newer_noncurrent_versions;
        if (!kept && now >= LifecycleDueTime(noncurrent_since, e->noncurrent_days, day_length)) {
          expire = &rule;
        }
      }
      if (v.delete_marker) continue;
      for (const auto& t : rule.noncurrent_transitions) {
        if (t.newer_noncurrent_versions && newer_noncurrent < *t.newer_noncurrent_versions) {
          continue;
        }
        TimePoint due = LifecycleDueTime(noncurrent_since, t.noncurrent_days, day_length);
        if (now >= due) pick.Offer(due, t.storage_class, rule.id);
      }
    }
    if (expire) {
      actions.push_back({LifecycleActionKind::kExpireNoncurrent, v.version_id, "", expire->id});
    } else if (pick.storage_class && TransitionUseful(v.storage_class, *pick.storage_class)) {
      actions.push_back({LifecycleActionKind::kTransitionNoncurrent, v.version_id,
                         *pick.storage_class, *pick.rule_id});
    }
    if (!v.delete_marker) ++newer_noncurrent;
  }
  return actions;
}

std::optional<std::string> AbortUploadDue(const LifecycleConfiguration& config,
                                          std::string_view key, TimePoint initiated, TimePoint now,
                                          std::chrono::seconds day_length) {
  for (const auto& rule : config.rules) {
    if (!rule.enabled || !rule.abort_incomplete_upload_days) continue;
    if (!key.starts_with(rule.filter.prefix)) continue;
    if (now >= LifecycleDueTime(initiated, *rule.abort_incomplete_upload_days, day_length)) {
      return rule.id;
    }
  }
  return std::nullopt;
}

}  // namespace strata::storage
