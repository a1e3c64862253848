// Lifecycle configuration: validation and the durable encoding (coding.h varint style).
//
// Encoding v1 (first byte = format version; on disk: never renumber):
//   u8 1 | varint n | n × rule
//   rule: lp id | u8 enabled | lp prefix | string pairs tags | opt gt | opt lt
//         | u8 has_expiration [opt days | opt date_ms | u8 expired_object_delete_marker]
//         | varint t | t × (opt days | opt date_ms | lp class)
//         | u8 has_noncurrent_expiration [varint days | opt newer]
//         | varint u | u × (varint days | opt newer | lp class)
//         | opt abort_days
//   opt x = u8 present [varint x]; dates are zigzag varint ms since the Unix epoch.
#include "storage/lifecycle.h"

#include <limits>

#include "storage/coding.h"
#include "storage/object_record.h"
#include "storage/object_store_impl.h"

namespace strata::storage {
namespace {

boost::system::error_code Err(Errc e) { return make_error_code(e); }

constexpr uint8_t kFormat = 1;
constexpr int64_t kDayMs = 86'400'000;
// Bounds the decoder's allocations whatever counts a corrupt record claims.
constexpr uint64_t kMaxTransitionsPerRule = 16;

void PutOpt(std::string& out, const std::optional<uint64_t>& v) {
  out.push_back(v ? 1 : 0);
  if (v) PutVarint64(out, *v);
}
void PutOpt32(std::string& out, const std::optional<uint32_t>& v) {
  PutOpt(out, v ? std::optional<uint64_t>(*v) : std::nullopt);
}
void PutOptDate(std::string& out, const std::optional<TimePoint>& t) {
  out.push_back(t ? 1 : 0);
  if (t) PutVarint64(out, ZigZag(ToUnixMillis(*t)));
}

bool GetFlag(Decoder& d, bool& v) {
  uint8_t b = 0;
  if (!d.GetByte(b) || b > 1) return false;
  v = b == 1;
  return true;
}
bool GetOpt(Decoder& d, std::optional<uint64_t>& v) {
  bool present = false;
  if (!GetFlag(d, present)) return false;
  if (!present) return true;
  uint64_t x = 0;
  if (!d.GetVarint64(x)) return false;
  v = x;
  return true;
}
bool GetU32(Decoder& d, uint32_t& v) {
  uint64_t x = 0;
  if (!d.GetVarint64(x) || x > std::numeric_limits<uint32_t>::max()) return false;
  v = static_cast<uint32_t>(x);
  return true;
}
bool GetOpt32(Decoder& d, std::optional<uint32_t>& v) {
  std::optional<uint64_t> x;
  if (!GetOpt(d, x)) return false;
  if (x) {
    if (*x > std::numeric_limits<uint32_t>::max()) return false;
    v = static_cast<uint32_t>(*x);
  }
  return true;
}
bool GetOptDate(Decoder& d, std::optional<TimePoint>& t) {
  std::optional<uint64_t> x;
  if (!GetOpt(d, x)) return false;
  if (x) {
    int64_t ms = UnZigZag(*x);
    // Keep within what system_clock (ns since epoch) can hold: +-292 years.
    constexpr int64_t kLimitMs = int64_t{9'000'000'000'000};
    if (ms > kLimitMs || ms < -kLimitMs) return false;
    t = FromUnixMillis(ms);
  }
  return true;
}

bool IsMidnightUtc(TimePoint t) { return ToUnixMillis(t) % kDayMs == 0; }

bool ValidNewer(const std::optional<uint32_t>& n) { return !n || (*n >= 1 && *n <= 100); }

}  // namespace

boost::system::error_code ValidateLifecycle(const LifecycleConfiguration& config,
                                            const std::set<std::string>& classes) {
  if (config.rules.empty() || config.rules.size() > kMaxLifecycleRules) {
    return Err(Errc::kInvalidArgument);
  }
  std::set<std::string> ids;
  for (const LifecycleRule& rule : config.rules) {
    if (rule.id.size() > 255) return Err(Errc::kInvalidArgument);
    if (!rule.id.empty() && !ids.insert(rule.id).second) return Err(Errc::kInvalidArgument);
    const LifecycleFilter& f = rule.filter;
    if (ValidateTags(f.tags, kMaxObjectTags)) return Err(Errc::kInvalidArgument);
    if (f.size_greater_than && f.size_less_than && *f.size_greater_than >= *f.size_less_than) {
      return Err(Errc::kInvalidArgument);
    }
    const bool tag_or_size = !f.tags.empty() || f.size_greater_than || f.size_less_than;
    const bool any_action = rule.expiration || !rule.transitions.empty() ||
                            rule.noncurrent_expiration || !rule.noncurrent_transitions.empty() ||
                            rule.abort_incomplete_upload_days;
    if (!any_action) return Err(Errc::kInvalidArgument);
    if (const auto& e = rule.expiration) {
      int set = (e->days ? 1 : 0) + (e->date ? 1 : 0) + (e->expired_object_delete_marker ? 1 : 0);
      if (set != 1) return Err(Errc::kInvalidArgument);
      if (e->days && *e->days == 0) return Err(Errc::kInvalidArgument);
      if (e->date && !IsMidnightUtc(*e->date)) return Err(Errc::kInvalidArgument);
      if (e->expired_object_delete_marker && tag_or_size) return Err(Errc::kInvalidArgument);
    }
    if (rule.transitions.size() > kMaxTransitionsPerRule ||
        rule.noncurrent_transitions.size() > kMaxTransitionsPerRule) {
      return Err(Errc::kInvalidArgument);
    }
    bool any_days = false, any_date = false;
    std::set<std::string> targets;
    for (const LifecycleTransition& t : rule.transitions) {
      if ((t.days ? 1 : 0) + (t.date ? 1 : 0) != 1) return Err(Errc::kInvalidArgument);
      if (t.date && !IsMidnightUtc(*t.date)) return Err(Errc::kInvalidArgument);
      any_days |= t.days.has_value();
      any_date |= t.date.has_value();
      if (!targets.insert(t.storage_class).second) return Err(Errc::kInvalidArgument);
    }
    if (any_days && any_date) return Err(Errc::kInvalidArgument);  // AWS: not mixed in a rule
    targets.clear();
    for (const NoncurrentTransition& t : rule.noncurrent_transitions) {
      if (!ValidNewer(t.newer_noncurrent_versions)) return Err(Errc::kInvalidArgument);
      if (!targets.insert(t.storage_class).second) return Err(Errc::kInvalidArgument);
    }
    if (const auto& n = rule.noncurrent_expiration) {
      if (n->noncurrent_days == 0 || !ValidNewer(n->newer_noncurrent_versions)) {
        return Err(Errc::kInvalidArgument);
      }
    }
    if (rule.abort_incomplete_upload_days) {
      if (*rule.abort_incomplete_upload_days == 0 || tag_or_size) {
        return Err(Errc::kInvalidArgument);
      }
    }
    // Storage classes last: the structural errors come first, as AWS reports them.
    for (const LifecycleTransition& t : rule.transitions) {
      if (!classes.contains(t.storage_class)) return Err(Errc::kInvalidStorageClass);
    }
    for (const NoncurrentTransition& t : rule.noncurrent_transitions) {
      if (!classes.contains(t.storage_class)) return Err(Errc::kInvalidStorageClass);
    }
  }
  return {};
}

std::string EncodeLifecycle(const LifecycleConfiguration& config) {
  std::string out;
  out.push_back(static_cast<char>(kFormat));
  PutVarint64(out, config.rules.size());
  for (const LifecycleRule& r : config.rules) {
    PutLengthPrefixed(out, r.id);
    out.push_back(r.enabled ? 1 : 0);
    PutLengthPrefixed(out, r.filter.prefix);
    PutStringPairs(out, r.filter.tags);
    PutOpt(out, r.filter.size_greater_than);
    PutOpt(out, r.filter.size_less_than);
    out.push_back(r.expiration ? 1 : 0);
    if (r.expiration) {
      PutOpt32(out, r.expiration->days);
      PutOptDate(out, r.expiration->date);
      out.push_back(r.expiration->expired_object_delete_marker ? 1 : 0);
    }
    PutVarint64(out, r.transitions.size());
    for (const LifecycleTransition& t : r.transitions) {
      PutOpt32(out, t.days);
      PutOptDate(out, t.date);
      PutLengthPrefixed(out, t.storage_class);
    }
    out.push_back(r.noncurrent_expiration ? 1 : 0);
    if (r.noncurrent_expiration) {
      PutVarint64(out, r.noncurrent_expiration->noncurrent_days);
      PutOpt32(out, r.noncurrent_expiration->newer_noncurrent_versions);
    }
    PutVarint64(out, r.noncurrent_transitions.size());
    for (const NoncurrentTransition& t : r.noncurrent_transitions) {
      PutVarint64(out, t.noncurrent_days);
      PutOpt32(out, t.newer_noncurrent_versions);
      PutLengthPrefixed(out, t.storage_class);
    }
    PutOpt32(out, r.abort_incomplete_upload_days);
  }
  return out;
}

Result<LifecycleConfiguration> DecodeLifecycle(std::string_view bytes) {
  const auto corrupt = Err(Errc::kCorrupt);
  Decoder d(bytes);
  uint8_t format = 0;
  uint64_t n = 0;
  if (!d.GetByte(format) || format != kFormat || !d.GetVarint64(n)) return corrupt;
  // A rule takes at least 11 bytes: a claimed count beyond that is corrupt before allocating.
  if (n > kMaxLifecycleRules || n > d.remaining() / 11) return corrupt;
  LifecycleConfiguration config;
  config.rules.reserve(n);
  for (uint64_t i = 0; i < n; ++i) {
    LifecycleRule r;
    bool has = false;
    if (!d.GetLengthPrefixed(r.id) || !GetFlag(d, r.enabled) ||
        !d.GetLengthPrefixed(r.filter.prefix) || !GetStringPairs(d, r.filter.tags) ||
        !GetOpt(d, r.filter.size_greater_than) || !GetOpt(d, r.filter.size_less_than) ||
        !GetFlag(d, has)) {
      return corrupt;
    }
    if (has) {
      LifecycleExpiration e;
      if (!GetOpt32(d, e.days) || !GetOptDate(d, e.date) ||
          !GetFlag(d, e.expired_object_delete_marker)) {
        return corrupt;
      }
      r.expiration = e;
    }
    uint64_t t = 0;
    if (!d.GetVarint64(t) || t > kMaxTransitionsPerRule) return corrupt;
    for (uint64_t j = 0; j < t; ++j) {
      LifecycleTransition tr;
      if (!GetOpt32(d, tr.days) || !GetOptDate(d, tr.date) ||
          !d.GetLengthPrefixed(tr.storage_class)) {
        return corrupt;
      }
      r.transitions.push_back(std::move(tr));
    }
    if (!GetFlag(d, has)) return corrupt;
    if (has) {
      NoncurrentExpiration e;
      if (!GetU32(d, e.noncurrent_days) || !GetOpt32(d, e.newer_noncurrent_versions)) {
        return corrupt;
      }
      r.noncurrent_expiration = e;
    }
    if (!d.GetVarint64(t) || t > kMaxTransitionsPerRule) return corrupt;
    for (uint64_t j = 0; j < t; ++j) {
      NoncurrentTransition tr;
      if (!GetU32(d, tr.noncurrent_days) || !GetOpt32(d, tr.newer_noncurrent_versions) ||
          !d.GetLengthPrefixed(tr.storage_class)) {
        return corrupt;
      }
      r.noncurrent_transitions.push_back(std::move(tr));
    }
    if (!GetOpt32(d, r.abort_incomplete_upload_days)) return corrupt;
    config.rules.push_back(std::move(r));
  }
  if (!d.done()) return corrupt;
  return config;
}

}  // namespace strata::storage
