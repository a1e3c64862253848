#include "server/access_log.h"

#include <boost/beast/http/field.hpp>
#include <cctype>
#include <charconv>
#include <nlohmann/json.hpp>

namespace strata::server {
namespace {

namespace http = boost::beast::http;

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

// Query parameter names whose values authenticate the request. The name may arrive
// percent-encoded ("X-Amz-Signature" has nothing to encode, but a client may still do it), so
// the comparison is on the decoded name.
bool IsSecretParam(std::string_view decoded_name) {
  for (std::string_view s : {"X-Amz-Signature", "X-Amz-Credential", "X-Amz-Security-Token",
                             "Signature", "AWSAccessKeyId"}) {
    if (IEquals(decoded_name, s)) return true;
  }
  return false;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Lenient percent-decoding ('+' stays '+'): a malformed escape is kept as is.
std::string PercentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && HexValue(s[i + 1]) >= 0 && HexValue(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

constexpr size_t kMaxAccessKey = 128;

std::string Bounded(std::string_view s) { return std::string(s.substr(0, kMaxAccessKey)); }

}  // namespace

std::string RedactTarget(std::string_view target) {
  size_t q = target.find('?');
  if (q == std::string_view::npos) return std::string(target);
  std::string out(target.substr(0, q + 1));
  std::string_view query = target.substr(q + 1);
  bool first = true;
  while (true) {
    size_t amp = query.find('&');
    std::string_view param = query.substr(0, amp);
    if (!first) out.push_back('&');
    first = false;
    size_t eq = param.find('=');
    if (eq != std::string_view::npos && IsSecretParam(PercentDecode(param.substr(0, eq)))) {
      out.append(param.substr(0, eq + 1));
      out.append("REDACTED");
    } else {
      out.append(param);
    }
    if (amp == std::string_view::npos) break;
    query = query.substr(amp + 1);
  }
  return out;
}

std::string ClaimedAccessKey(const http::request_header<>& request) {
  std::string_view auth = request[http::field::authorization];
  if (!auth.empty()) {
    size_t cred = auth.find("Credential=");
    if (cred != std::string_view::npos) {
      std::string_view rest = auth.substr(cred + 11);
      return Bounded(rest.substr(0, rest.find_first_of("/, ")));
    }
    if (auth.starts_with("AWS ")) {  // SigV2: "AWS AK:signature"
      std::string_view rest = auth.substr(4);
      return Bounded(rest.substr(0, rest.find(':')));
    }
    return "";
  }
  std::string_view target = request.target();
  size_t q = target.find('?');
  if (q == std::string_view::npos) return "";
  std::string_view query = target.substr(q + 1);
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view param = query.substr(0, amp);
    size_t eq = param.find('=');
    if (eq != std::string_view::npos) {
      std::string name = PercentDecode(param.substr(0, eq));
      if (IEquals(name, "X-Amz-Credential") || IEquals(name, "AWSAccessKeyId")) {
        // Bound before decoding: the value may be huge.
        std::string value = PercentDecode(param.substr(eq + 1, 3 * kMaxAccessKey));
        return Bounded(std::string_view(value).substr(0, value.find('/')));
      }
    }
    if (amp == std::string_view::npos) break;
    query = query.substr(amp + 1);
  }
  return "";
}

namespace {

// Strings that JSON carries unchanged: printable ASCII without '"' or '\\'. Nearly every
// field of nearly every request; anything else goes through nlohmann (escapes, invalid UTF-8).
bool PlainJsonString(std::string_view s) {
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7f || c == '"' || c == '\\') return false;
  }
  return true;
}

void AppendField(std::string& out, std::string_view name, std::string_view value) {
  out.append(",\"").append(name).append("\":\"").append(value).push_back('"');
}

template <class T>
void AppendNumber(std::string& out, std::string_view name, T value) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), value);
  (void)ec;  // 32 characters hold any 64-bit integer
  out.append(",\"").append(name).append("\":").append(buf, end);
}

}  // namespace

std::string FormatAccessLogLine(const RequestRecord& r) {
  using std::chrono::duration;
  const double duration_ms =
      static_cast<double>(
          std::chrono::duration_cast<std::chrono::microseconds>(r.duration).count()) /
      1000.0;
  std::string path = RedactTarget(r.target);
  // The common case by hand: building and dumping an ordered_json cost about 10% of a small
  // GET's CPU. The output is the same text nlohmann writes (same order, compact, a double
  // always with a '.'); the test checks both paths agree.
  if (PlainJsonString(r.request_id) && PlainJsonString(r.remote) && PlainJsonString(r.method) &&
      PlainJsonString(path) && PlainJsonString(r.operation) && PlainJsonString(r.access_key) &&
      PlainJsonString(r.user_agent) && duration_ms >= 0 && duration_ms < 1e15) {
    std::string out;
    out.reserve(200 + path.size() + r.user_agent.size());
    out.append("{\"time\":\"").append(IsoTime(r.time)).push_back('"');
    out.append(",\"level\":\"info\",\"type\":\"access\"");
    AppendField(out, "request_id", r.request_id);
    AppendField(out, "remote", r.remote);
    AppendField(out, "method", r.method);
    AppendField(out, "path", path);
    AppendField(out, "operation", r.operation);
    AppendNumber(out, "status", r.status);
    AppendNumber(out, "bytes_in", r.bytes_in);
    AppendNumber(out, "bytes_out", r.bytes_out);
    char buf[64];
    auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), duration_ms, std::chars_format::fixed);
    (void)ec;  // below 1e15 with 3 decimals: fits
    out.append(",\"duration_ms\":").append(buf, end);
    if (std::string_view(buf, end).find('.') == std::string_view::npos) out.append(".0");
    AppendField(out, "access_key", r.access_key);
    AppendField(out, "user_agent", r.user_agent);
    out.append(",\"tls\":").append(r.tls ? "true" : "false").push_back('}');
    return out;
  }
  nlohmann::ordered_json line = {
      {"time", IsoTime(r.time)},
      {"level", "info"},
      {"type", "access"},
      {"request_id", r.request_id},
      {"remote", r.remote},
      {"method", r.method},
      {"path", path},
      {"operation", r.operation},
      {"status", r.status},
      {"bytes_in", r.bytes_in},
      {"bytes_out", r.bytes_out},
      // Three decimals: microsecond resolution is plenty for a log.
      {"duration_ms", duration_ms},
      {"access_key", r.access_key},
      {"user_agent", r.user_agent},
      {"tls", r.tls},
  };
  return line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

AccessLog::AccessLog(std::unique_ptr<LineWriter> writer) : owned_(std::move(writer)) {
  writer_ = owned_ ? owned_.get() : &StderrLineWriter();
}

AccessLog::~AccessLog() { writer_->Flush(); }

void AccessLog::Record(const RequestRecord& record) {
  if (!LogEnabled(LogLevel::kInfo)) return;
  writer_->WriteDeferred(FormatAccessLogLine(record));
}

}  // namespace strata::server
