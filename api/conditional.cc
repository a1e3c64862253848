#include "api/conditional.h"

#include "api/request_headers.h"

namespace strata::api {
namespace {

std::chrono::system_clock::time_point ToSeconds(std::chrono::system_clock::time_point t) {
  return std::chrono::floor<std::chrono::seconds>(t);
}

}  // namespace

bool EtagListMatches(std::string_view header, std::string_view etag) {
  while (true) {
    size_t comma = header.find(',');
    std::string_view item = TrimSpaces(header.substr(0, comma));
    if (item == "*") return true;
    // S3 compares weak tags as strong ones: its ETags are never weak, clients copy them as is.
    if (item.starts_with("W/")) item.remove_prefix(2);
    if (item.size() >= 2 && item.front() == '"' && item.back() == '"') {
      item = item.substr(1, item.size() - 2);
    }
    if (!item.empty() && item == etag) return true;
    if (comma == std::string_view::npos) return false;
    header.remove_prefix(comma + 1);
  }
}

ConditionOutcome EvaluatePreconditions(const Preconditions& p, std::string_view etag,
                                       std::chrono::system_clock::time_point last_modified) {
  const auto modified = ToSeconds(last_modified);
  if (p.if_match) {
    if (!EtagListMatches(*p.if_match, etag)) return ConditionOutcome::kPreconditionFailed;
  } else if (p.if_unmodified_since && modified > ToSeconds(*p.if_unmodified_since)) {
    return ConditionOutcome::kPreconditionFailed;
  }
  if (p.if_none_match) {
    if (EtagListMatches(*p.if_none_match, etag)) return ConditionOutcome::kNotModified;
  } else if (p.if_modified_since && modified <= ToSeconds(*p.if_modified_since)) {
    return ConditionOutcome::kNotModified;
  }
  return ConditionOutcome::kProceed;
}

}  // namespace strata::api
