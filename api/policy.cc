// The policy language. Parsing is strict (unknown fields, operators and keys are refused, as
// AWS does, so a typo never silently widens or narrows access) and bounded (size, nesting and
// element counts are capped before nlohmann builds anything large).
#include "api/policy.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <nlohmann/json.hpp>

#include "api/http_date.h"

namespace strata::api {
namespace {

using json = nlohmann::json;

constexpr size_t kMaxDepth = 12;        // a policy is at most 5 levels deep
constexpr size_t kMaxStatements = 256;  // far above what fits in 20 KiB sensibly
constexpr size_t kMaxValuesPerList = 1024;

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && Lower(a) == Lower(b);
}

// Nesting depth of the JSON text, outside strings. nlohmann's parser is iterative, but a depth
// cap keeps the walk below (recursive in spirit) trivially bounded too.
bool DepthWithin(std::string_view text, size_t limit) {
  size_t depth = 0;
  bool in_string = false;
  bool escape = false;
  for (char c : text) {
    if (in_string) {
      if (escape) {
        escape = false;
      } else if (c == '\\') {
        escape = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > limit) return false;
    } else if (c == '}' || c == ']') {
      if (depth > 0) --depth;
    }
  }
  return true;
}

struct ParseError {
  std::string message;
};

// A string, or a non-empty array of strings.
std::vector<std::string> StringList(const json& value, std::string_view what) {
  std::vector<std::string> out;
  if (value.is_string()) {
    out.push_back(value.get<std::string>());
    return out;
  }
  if (!value.is_array() || value.empty() || value.size() > kMaxValuesPerList) {
    throw ParseError{"Invalid " + std::string(what) + " in policy"};
  }
  for (const json& item : value) {
    if (!item.is_string()) throw ParseError{"Invalid " + std::string(what) + " in policy"};
    out.push_back(item.get<std::string>());
  }
  return out;
}

bool IsUserNameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || std::strchr("+=,.@_-", c) != nullptr;
}

bool IsAccountId(std::string_view s) {
  return s.size() == 12 &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

void AddPrincipal(std::string_view p, PolicyPrincipals& out) {
  constexpr std::string_view kIam = "arn:aws:iam::";
  if (p == "*") {
    out.everyone = true;
    return;
  }
  if (p.starts_with(kIam)) {
    std::string_view rest = p.substr(kIam.size());
    size_t colon = rest.find(':');
    if (colon == std::string_view::npos) throw ParseError{"Invalid principal in policy"};
    std::string_view resource = rest.substr(colon + 1);
    if (resource == "root") {
      out.root = true;
      return;
    }
    if (resource.starts_with("user/")) {
      std::string_view name = resource.substr(resource.rfind('/') + 1);
      if (!name.empty() && name.size() <= 64 &&
          std::all_of(name.begin(), name.end(), IsUserNameChar)) {
        out.users.emplace_back(name);
        return;
      }
    }
    throw ParseError{"Invalid principal in policy"};
  }
  if (IsAccountId(p)) {
    out.root = true;
    return;
  }
  if (!p.empty() && p.size() <= 64 && std::all_of(p.begin(), p.end(), IsUserNameChar)) {
    out.users.emplace_back(p);
    return;
  }
  throw ParseError{"Invalid principal in policy"};
}

PolicyPrincipals ParsePrincipals(const json& value) {
  PolicyPrincipals out;
  if (value.is_string()) {
    if (value.get<std::string>() != "*") throw ParseError{"Invalid principal in policy"};
    out.everyone = true;
    return out;
  }
  if (!value.is_object() || value.empty()) throw ParseError{"Invalid principal in policy"};
  for (const auto& [type, ids] : value.items()) {
    // Only IAM principals exist here: no services, federated or canonical users.
    if (type != "AWS") throw ParseError{"Invalid principal in policy"};
    for (const std::string& p : StringList(ids, "principal")) AddPrincipal(p, out);
  }
  return out;
}

bool IsActionChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '*' || c == '?';
}

std::vector<std::string> ParseActions(const json& value) {
  std::vector<std::string> out;
  for (const std::string& a : StringList(value, "action")) {
    std::string lower = Lower(a);
    if (lower != "*") {
      if (!lower.starts_with("s3:") || lower.size() == 3 ||
          !std::all_of(lower.begin() + 3, lower.end(), IsActionChar)) {
        throw ParseError{"Policy has invalid action"};
      }
    }
    out.push_back(std::move(lower));
  }
  return out;
}

std::vector<std::string> ParseResources(const json& value, PolicyKind kind,
                                        std::string_view bucket) {
  constexpr std::string_view kS3Arn = "arn:aws:s3:::";
  std::vector<std::string> out;
  for (const std::string& r : StringList(value, "resource")) {
    if (r != "*") {
      if (!r.starts_with(kS3Arn) || r.size() == kS3Arn.size()) {
        throw ParseError{"Policy has invalid resource"};
      }
      if (kind == PolicyKind::kBucket) {
        // A bucket policy speaks only of its own bucket and the objects in it.
        std::string_view path = std::string_view(r).substr(kS3Arn.size());
        std::string_view bucket_part = path.substr(0, path.find('/'));
        if (!WildcardMatch(bucket_part, bucket) && !WildcardMatch(path, bucket)) {
          throw ParseError{"Policy has invalid resource"};
        }
      }
    }
    out.push_back(r);
  }
  return out;
}

constexpr std::array<std::string_view, 22> kOperators = {"stringequals",
                                                         "stringnotequals",
                                                         "stringequalsignorecase",
                                                         "stringnotequalsignorecase",
                                                         "stringlike",
                                                         "stringnotlike",
                                                         "numericequals",
                                                         "numericnotequals",
                                                         "numericlessthan",
                                                         "numericlessthanequals",
                                                         "numericgreaterthan",
                                                         "numericgreaterthanequals",
                                                         "dateequals",
                                                         "datenotequals",
                                                         "datelessthan",
                                                         "datelessthanequals",
                                                         "dategreaterthan",
                                                         "dategreaterthanequals",
                                                         "bool",
                                                         "ipaddress",
                                                         "notipaddress",
                                                         "null"};

constexpr std::array<std::string_view, 28> kConditionKeys = {
    "aws:sourceip",
    "aws:securetransport",
    "aws:currenttime",
    "aws:epochtime",
    "aws:username",
    "aws:userid",
    "aws:principaltype",
    "aws:referer",
    "aws:useragent",
    "s3:prefix",
    "s3:delimiter",
    "s3:max-keys",
    "s3:versionid",
    "s3:x-amz-acl",
    "s3:x-amz-content-sha256",
    "s3:x-amz-copy-source",
    "s3:x-amz-metadata-directive",
    "s3:x-amz-storage-class",
    "s3:x-amz-server-side-encryption",
    "s3:x-amz-server-side-encryption-customer-algorithm",
    "s3:object-lock-mode",
    "s3:object-lock-retain-until-date",
    "s3:object-lock-legal-hold",
    "s3:object-lock-remaining-retention-days",
    "s3:signatureversion",
    "s3:authtype",
    "s3:requestobjecttagkeys",
    "s3:tlsversion",
};

bool IsKnownKey(std::string_view key) {
  if (std::find(kConditionKeys.begin(), kConditionKeys.end(), key) != kConditionKeys.end()) {
    return true;
  }
  for (std::string_view prefix : {"s3:existingobjecttag/", "s3:requestobjecttag/"}) {
    if (key.starts_with(prefix) && key.size() > prefix.size()) return true;
  }
  return false;
}

std::string ConditionValue(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_number_integer()) return v.dump();
  if (v.is_number_float()) return v.dump();
  throw ParseError{"Invalid Condition value in policy"};
}

std::optional<double> ToNumber(std::string_view s) {
  std::string text(s);
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(text.c_str(), &end);
  if (text.empty() || end == nullptr || *end != '\0' || errno != 0) return std::nullopt;
  return v;
}

std::optional<SysTime> ToDate(std::string_view s) {
  if (auto t = ParseIso8601(s)) return t;
  if (s.size() == 10 && s[4] == '-') return ParseIso8601(std::string(s) + "T00:00:00Z");
  if (!s.empty() && s.size() <= 12 && std::all_of(s.begin(), s.end(), ::isdigit)) {
    return SysTime(std::chrono::seconds(std::stoll(std::string(s))));
  }
  return std::nullopt;
}

std::vector<PolicyCondition> ParseConditions(const json& value) {
  if (!value.is_object()) throw ParseError{"Invalid Condition block in policy"};
  std::vector<PolicyCondition> out;
  for (const auto& [op_text, block] : value.items()) {
    PolicyCondition base;
    std::string op = Lower(op_text);
    if (op.starts_with("foranyvalue:")) {
      base.set_op = PolicyCondition::SetOp::kForAnyValue;
      op.erase(0, 12);
    } else if (op.starts_with("forallvalues:")) {
      base.set_op = PolicyCondition::SetOp::kForAllValues;
      op.erase(0, 13);
    }
    if (op.ends_with("ifexists") && op != "null") {
      base.if_exists = true;
      op.resize(op.size() - 8);
    }
    if (std::find(kOperators.begin(), kOperators.end(), op) == kOperators.end() ||
        (base.if_exists && op == "null")) {
      throw ParseError{"Invalid Condition type : " + op_text};
    }
    base.op = op;
    if (!block.is_object() || block.empty()) {
      throw ParseError{"Invalid Condition block in policy"};
    }
    for (const auto& [key_text, values] : block.items()) {
      PolicyCondition c = base;
      c.key = Lower(key_text);
      if (!IsKnownKey(c.key)) throw ParseError{"Policy has an invalid condition key"};
      if (values.is_array()) {
        if (values.empty() || values.size() > kMaxValuesPerList) {
          throw ParseError{"Invalid Condition value in policy"};
        }
        for (const json& v : values) c.values.push_back(ConditionValue(v));
      } else {
        c.values.push_back(ConditionValue(values));
      }
      // Values whose type is wrong for the operator can never match: refuse them now.
      for (const std::string& v : c.values) {
        bool ok = true;
        if (op.starts_with("date")) {
          ok = ToDate(v).has_value();
        } else if (op.starts_with("numeric")) {
          ok = ToNumber(v).has_value();
        } else if (op == "bool" || op == "null") {
          ok = EqualsIgnoreCase(v, "true") || EqualsIgnoreCase(v, "false");
        } else if (op.ends_with("ipaddress")) {
          ok = c.key == "aws:sourceip";
        }
        if (!ok) throw ParseError{"Invalid Condition value in policy: " + v};
      }
      out.push_back(std::move(c));
    }
  }
  return out;
}

PolicyStatement ParseStatement(const json& s, PolicyKind kind, std::string_view bucket) {
  if (!s.is_object()) throw ParseError{"Statement is not an object"};
  PolicyStatement st;
  bool has_effect = false, has_action = false, has_resource = false, has_principal = false;
  for (const auto& [field, value] : s.items()) {
    if (field == "Sid") {
      if (!value.is_string()) throw ParseError{"Statement IDs (SID) must be strings"};
      st.sid = value.get<std::string>();
    } else if (field == "Effect") {
      std::string effect = value.is_string() ? value.get<std::string>() : value.dump();
      if (effect == "Allow") {
        st.effect = PolicyEffect::kAllow;
      } else if (effect == "Deny") {
        st.effect = PolicyEffect::kDeny;
      } else {
        throw ParseError{"Invalid effect: " + effect};
      }
      has_effect = true;
    } else if (field == "Principal" || field == "NotPrincipal") {
      if (kind == PolicyKind::kUser) {
        throw ParseError{"Policy document should not specify a principal."};
      }
      if (has_principal) throw ParseError{"Statement has both Principal and NotPrincipal"};
      has_principal = true;
      st.principals = ParsePrincipals(value);
      st.not_principal = field == "NotPrincipal";
    } else if (field == "Action" || field == "NotAction") {
      if (has_action) throw ParseError{"Statement has both Action and NotAction"};
      has_action = true;
      st.actions = ParseActions(value);
      st.not_action = field == "NotAction";
    } else if (field == "Resource" || field == "NotResource") {
      if (has_resource) throw ParseError{"Statement has both Resource and NotResource"};
      has_resource = true;
      st.resources = ParseResources(value, kind, bucket);
      st.not_resource = field == "NotResource";
    } else if (field == "Condition") {
      st.conditions = ParseConditions(value);
    } else {
      throw ParseError{"Unknown field " + field};
    }
  }
  if (!has_effect) throw ParseError{"Missing required field Effect"};
  if (!has_action) throw ParseError{"Missing required field Action"};
  if (!has_resource) throw ParseError{"Missing required field Resource"};
  if (kind == PolicyKind::kBucket && !has_principal) {
    throw ParseError{"Missing required field Principal"};
  }
  return st;
}

// ---- Evaluation ----

bool PrincipalMatches(const PolicyPrincipals& p, const PolicyRequest& r) {
  if (p.everyone) return true;
  switch (r.principal) {
    case PrincipalKind::kRoot:
      return p.root || p.authenticated_users;
    case PrincipalKind::kUser:
      return p.authenticated_users ||
             std::find(p.users.begin(), p.users.end(), r.user) != p.users.end();
    case PrincipalKind::kAnonymous:
      return false;
  }
  return false;
}

bool AnyMatches(const std::vector<std::string>& patterns, std::string_view text, bool ignore_case) {
  return std::any_of(patterns.begin(), patterns.end(),
                     [&](const std::string& p) { return WildcardMatch(p, text, ignore_case); });
}

// Substitutes the policy variables AWS defines in Resource and string condition values:
// ${aws:username} (absent: the statement cannot match), ${*}, ${?}, ${$}.
std::optional<std::string> Substitute(std::string_view text, const PolicyRequest& r) {
  if (text.find("${") == std::string_view::npos) return std::string(text);
  std::string out;
  while (!text.empty()) {
    size_t start = text.find("${");
    size_t end = start == std::string_view::npos ? start : text.find('}', start);
    if (end == std::string_view::npos) {
      out.append(text);
      break;
    }
    out.append(text.substr(0, start));
    std::string name = Lower(text.substr(start + 2, end - start - 2));
    if (name == "*" || name == "?" || name == "$") {
      out += name;
    } else if (name == "aws:username") {
      if (r.principal != PrincipalKind::kUser) return std::nullopt;
      out += r.user;
    } else {
      auto values = r.lookup ? r.lookup(name) : std::nullopt;
      if (!values || values->size() != 1) return std::nullopt;
      out += values->front();
    }
    text.remove_prefix(end + 1);
  }
  return out;
}

struct IpNet {
  int family = 0;  // AF_INET or AF_INET6
  std::array<unsigned char, 16> bytes{};
  int prefix = 0;
};

std::optional<IpNet> ParseIp(std::string_view text, bool allow_prefix) {
  IpNet net;
  std::string addr(text);
  int max_prefix = 0;
  size_t slash = addr.find('/');
  std::string prefix_text;
  if (slash != std::string::npos) {
    if (!allow_prefix) return std::nullopt;
    prefix_text = addr.substr(slash + 1);
    addr.resize(slash);
  }
  if (inet_pton(AF_INET, addr.c_str(), net.bytes.data()) == 1) {
    net.family = AF_INET;
    max_prefix = 32;
  } else if (inet_pton(AF_INET6, addr.c_str(), net.bytes.data()) == 1) {
    net.family = AF_INET6;
    max_prefix = 128;
    // An IPv4-mapped address (::ffff:a.b.c.d) is the IPv4 address.
    static constexpr unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(net.bytes.data(), kMapped, 12) == 0 && slash == std::string::npos) {
      std::memmove(net.bytes.data(), net.bytes.data() + 12, 4);
      std::fill(net.bytes.begin() + 4, net.bytes.end(), 0);
      net.family = AF_INET;
      max_prefix = 32;
    }
  } else {
    return std::nullopt;
  }
  net.prefix = max_prefix;
  if (!prefix_text.empty() || slash != std::string::npos) {
    if (prefix_text.empty() || prefix_text.size() > 3 ||
        !std::all_of(prefix_text.begin(), prefix_text.end(), ::isdigit)) {
      return std::nullopt;
    }
    net.prefix = std::stoi(prefix_text);
    if (net.prefix > max_prefix) return std::nullopt;
  }
  return net;
}

bool InNet(const IpNet& ip, const IpNet& net) {
  if (ip.family != net.family) return false;
  int full = net.prefix / 8;
  if (std::memcmp(ip.bytes.data(), net.bytes.data(), full) != 0) return false;
  int rest = net.prefix % 8;
  if (rest == 0) return true;
  unsigned char mask = static_cast<unsigned char>(0xff << (8 - rest));
  return (ip.bytes[full] & mask) == (net.bytes[full] & mask);
}

template <class T>
int Compare(const T& a, const T& b) {
  return a < b ? -1 : (b < a ? 1 : 0);
}

// Whether comparison result `c` (<0, 0, >0) satisfies the relation suffix of a Numeric* or
// Date* operator ("equals", "lessthan", ...); unknown suffixes never hold.
bool Holds(std::string_view rel, int c) {
  return rel == "equals"              ? c == 0
         : rel == "lessthan"          ? c < 0
         : rel == "lessthanequals"    ? c <= 0
         : rel == "greaterthan"       ? c > 0
         : rel == "greaterthanequals" ? c >= 0
                                      : false;
}

// Does one request value satisfy the (non-negated form of the) operator against one policy
// value? `op` is the base operator with any "not" folded away by the caller.
bool ValueMatches(std::string_view op, std::string_view actual, std::string_view expected) {
  if (op == "stringequals") return actual == expected;
  if (op == "stringequalsignorecase") return EqualsIgnoreCase(actual, expected);
  if (op == "stringlike") return WildcardMatch(expected, actual);
  if (op == "bool") return EqualsIgnoreCase(actual, expected);
  if (op == "ipaddress") {
    auto ip = ParseIp(actual, false);
    auto net = ParseIp(expected, true);
    return ip && net && InNet(*ip, *net);
  }
  if (op.starts_with("numeric")) {
    auto a = ToNumber(actual), e = ToNumber(expected);
    if (!a || !e) return false;
    return Holds(op.substr(7), Compare(*a, *e));
  }
  if (op.starts_with("date")) {
    auto a = ToDate(actual), e = ToDate(expected);
    if (!a || !e) return false;
    return Holds(op.substr(4), Compare(*a, *e));
  }
  return false;
}

// The positive operator behind a negated one, or "" when `op` is not negated.
std::string_view PositiveOf(std::string_view op) {
  if (op == "stringnotequals") return "stringequals";
  if (op == "stringnotequalsignorecase") return "stringequalsignorecase";
  if (op == "stringnotlike") return "stringlike";
  if (op == "numericnotequals") return "numericequals";
  if (op == "datenotequals") return "dateequals";
  if (op == "notipaddress") return "ipaddress";
  return {};
}

bool ConditionHolds(const PolicyCondition& c, const PolicyRequest& r) {
  std::optional<std::vector<std::string>> actual = r.lookup ? r.lookup(c.key) : std::nullopt;
  if (c.op == "null") {
    const bool absent = !actual || actual->empty();
    return EqualsIgnoreCase(c.values.front(), "true") == absent;
  }
  std::string_view positive = PositiveOf(c.op);
  const bool negated = !positive.empty();
  if (!negated) positive = c.op;
  if (!actual || actual->empty()) {
    // A missing key: IfExists passes; a negated operator holds (nothing equals), as IAM says;
    // ForAllValues over an empty set holds vacuously.
    if (c.if_exists) return true;
    if (c.set_op == PolicyCondition::SetOp::kForAllValues) return true;
    return negated;
  }
  // Policy variables in string values (${aws:username} ...).
  std::vector<std::string> expected;
  for (const std::string& v : c.values) {
    if (positive.starts_with("string")) {
      if (auto s = Substitute(v, r)) expected.push_back(std::move(*s));
    } else {
      expected.push_back(v);
    }
  }
  const auto one = [&](const std::string& a) {
    bool any = std::any_of(expected.begin(), expected.end(),
                           [&](const std::string& e) { return ValueMatches(positive, a, e); });
    return negated ? !any : any;
  };
  if (c.set_op == PolicyCondition::SetOp::kForAllValues) {
    return std::all_of(actual->begin(), actual->end(), one);
  }
  if (negated && c.set_op == PolicyCondition::SetOp::kNone) {
    // A single-valued negation: no request value may match.
    return std::all_of(actual->begin(), actual->end(), one);
  }
  return std::any_of(actual->begin(), actual->end(), one);
}

bool StatementApplies(const PolicyStatement& st, const PolicyRequest& r) {
  if (st.principals) {
    bool match = PrincipalMatches(*st.principals, r);
    if (match == st.not_principal) return false;
  }
  if (AnyMatches(st.actions, Lower(r.action), true) == st.not_action) return false;
  bool resource_match = std::any_of(st.resources.begin(), st.resources.end(), [&](const auto& p) {
    auto pattern = Substitute(p, r);
    return pattern && WildcardMatch(*pattern, r.resource);
  });
  if (resource_match == st.not_resource) return false;
  return std::all_of(st.conditions.begin(), st.conditions.end(),
                     [&](const PolicyCondition& c) { return ConditionHolds(c, r); });
}

}  // namespace

bool WildcardMatch(std::string_view pattern, std::string_view text, bool ignore_case) {
  const auto eq = [ignore_case](char a, char b) {
    if (ignore_case) {
      if (a >= 'A' && a <= 'Z') a = static_cast<char>(a - 'A' + 'a');
      if (b >= 'A' && b <= 'Z') b = static_cast<char>(b - 'A' + 'a');
    }
    return a == b;
  };
  // The classic greedy matcher with one backtrack point: O(|pattern| * |text|) worst case.
  size_t p = 0, t = 0;
  size_t star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() &&
        (pattern[p] == '?' || (pattern[p] != '*' && eq(pattern[p], text[t])))) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

Result<Policy> ParsePolicy(std::string_view text, PolicyKind kind, std::string_view bucket,
                           std::string* message) {
  const auto fail = [&](std::string why) -> Result<Policy> {
    if (message) *message = std::move(why);
    return make_error_code(S3Errc::kMalformedPolicy);
  };
  if (message) message->clear();
  if (text.size() > kMaxPolicyBytes) return fail("Policies must be no more than 20 KB in size");
  if (!DepthWithin(text, kMaxDepth)) return fail("Policies must be valid JSON (nested too deeply)");
  json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return fail("Policies must be valid JSON and the first byte must be '{'");
  if (!doc.is_object()) return fail("Policies must be valid JSON and the first byte must be '{'");
  try {
    Policy policy;
    const json* statements = nullptr;
    for (const auto& [field, value] : doc.items()) {
      if (field == "Version") {
        if (!value.is_string() || (value.get<std::string>() != "2012-10-17" &&
                                   value.get<std::string>() != "2008-10-17")) {
          return fail("The policy must contain a valid version string");
        }
        policy.version = value.get<std::string>();
      } else if (field == "Id") {
        if (!value.is_string()) return fail("Policy Id must be a string");
      } else if (field == "Statement") {
        statements = &value;
      } else {
        return fail("Unknown field " + field);
      }
    }
    if (policy.version.empty()) policy.version = "2008-10-17";
    if (statements == nullptr) return fail("Missing required field Statement");
    if (statements->is_object()) {
      policy.statements.push_back(ParseStatement(*statements, kind, bucket));
    } else if (statements->is_array() && !statements->empty()) {
      if (statements->size() > kMaxStatements) return fail("Policy has too many statements");
      for (const json& s : *statements) {
        policy.statements.push_back(ParseStatement(s, kind, bucket));
      }
    } else {
      return fail("Missing required field Statement");
    }
    return policy;
  } catch (const ParseError& e) {
    return fail(e.message);
  } catch (const std::exception&) {
    return fail("Policies must be valid JSON");
  }
}

bool IsPublicPolicy(const Policy& policy) {
  for (const PolicyStatement& st : policy.statements) {
    if (st.effect != PolicyEffect::kAllow || !st.principals) continue;
    // NotPrincipal with Allow grants everyone not listed: public as well.
    if (!st.not_principal && !st.principals->everyone) continue;
    const bool narrowed = std::any_of(
        st.conditions.begin(), st.conditions.end(),
        [](const PolicyCondition& c) { return c.key == "aws:sourceip" && c.op == "ipaddress"; });
    if (!narrowed) return true;
  }
  return false;
}

PolicyDecision Evaluate(const Policy& policy, const PolicyRequest& request) {
  PolicyDecision decision = PolicyDecision::kImplicitDeny;
  for (const PolicyStatement& st : policy.statements) {
    if (!StatementApplies(st, request)) continue;
    if (st.effect == PolicyEffect::kDeny) return PolicyDecision::kDeny;
    decision = PolicyDecision::kAllow;
  }
  return decision;
}

PolicyDecision Evaluate(std::span<const Policy* const> policies, const PolicyRequest& request) {
  PolicyDecision decision = PolicyDecision::kImplicitDeny;
  for (const Policy* policy : policies) {
    if (policy == nullptr) continue;
    PolicyDecision d = Evaluate(*policy, request);
    if (d == PolicyDecision::kDeny) return d;
    if (d == PolicyDecision::kAllow) decision = d;
  }
  return decision;
}

}  // namespace strata::api
