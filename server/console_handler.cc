#include "server/console_handler.h"

#include <boost/beast/http/field.hpp>
#include <charconv>
#include <nlohmann/json.hpp>
#include <optional>
#include <utility>
#include <vector>

#include "api/governance_xml.h"
#include "api/uri.h"
#include "server/admin_usage.h"
#include "server/console_page.h"
#include "server/console_session.h"
#include "server/log.h"

namespace strata::server {
namespace {

using ojson = nlohmann::ordered_json;
using storage::Errc;

constexpr std::string_view kCookie = "strata_console";
constexpr size_t kMaxLoginBody = 4096;
constexpr uint32_t kDefaultPage = 200;

// The page's policy: its own script and style sheet only; nothing may frame it.
constexpr std::string_view kCsp =
    "default-src 'self'; style-src 'self' 'unsafe-inline'; script-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

void SecurityHeaders(api::Response& r) {
  r.header.set("Content-Security-Policy", kCsp);
  r.header.set("X-Frame-Options", "DENY");
  r.header.set("X-Content-Type-Options", "nosniff");
  r.header.set("Referrer-Policy", "same-origin");
}

api::Response Json(http::status status, const ojson& body, std::string operation) {
  api::Response r;
  r.header.result(status);
  r.header.set(http::field::content_type, "application/json");
  r.header.set(http::field::cache_control, "no-store");
  SecurityHeaders(r);
  // Keys are arbitrary bytes: invalid UTF-8 is replaced rather than failing the whole page.
  r.body = body.dump(-1, ' ', false, ojson::error_handler_t::replace);
  r.operation = std::move(operation);
  return r;
}

api::Response JsonError(http::status status, std::string_view code, std::string_view message,
                        std::string operation) {
  return Json(status, {{"error", code}, {"message", message}}, std::move(operation));
}

// A storage error as the JSON error the page shows.
api::Response StoreError(boost::system::error_code ec, std::string operation) {
  http::status status = http::status::internal_server_error;
  std::string_view code = "InternalError";
  if (ec.category() == storage::StorageCategory()) {
    switch (static_cast<Errc>(ec.value())) {
      case Errc::kNoSuchBucket:
        status = http::status::not_found;
        code = "NoSuchBucket";
        break;
      case Errc::kNoSuchKey:
      case Errc::kDeleteMarker:
        status = http::status::not_found;
        code = "NoSuchKey";
        break;
      case Errc::kNoSuchVersion:
        status = http::status::not_found;
        code = "NoSuchVersion";
        break;
      case Errc::kInvalidArgument:
      case Errc::kKeyTooLong:
        status = http::status::bad_request;
        code = "InvalidArgument";
        break;
      case Errc::kUnavailable:
        status = http::status::service_unavailable;
        code = "ServiceUnavailable";
        break;
      default:
        break;
    }
  }
  return JsonError(status, code, ec.message(), std::move(operation));
}

api::Response Asset(std::string_view body, std::string_view content_type, bool head,
                    std::string operation) {
  api::Response r;
  r.header.result(http::status::ok);
  r.header.set(http::field::content_type, content_type);
  r.header.set(http::field::cache_control, "no-cache");
  SecurityHeaders(r);
  if (head) {
    r.header.set(http::field::content_length, std::to_string(body.size()));
  } else {
    r.body = std::string(body);
  }
  r.operation = std::move(operation);
  return r;
}

std::string_view VersioningName(storage::VersioningState s) {
  switch (s) {
    case storage::VersioningState::kEnabled:
      return "Enabled";
    case storage::VersioningState::kSuspended:
      return "Suspended";
    case storage::VersioningState::kUnversioned:
      break;
  }
  return "Unversioned";
}

// "host:port" of an Origin ("http://h:p") or Referer ("http://h:p/path?q"); "" if malformed.
std::string_view Authority(std::string_view url) {
  const size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return {};
  url.remove_prefix(scheme + 3);
  return url.substr(0, url.find_first_of("/?#"));
}

// application/x-www-form-urlencoded; nullopt on a bad escape.
std::optional<std::map<std::string, std::string>> ParseForm(std::string_view body) {
  std::map<std::string, std::string> fields;
  while (!body.empty()) {
    const size_t amp = body.find('&');
    std::string_view pair = body.substr(0, amp);
    body = amp == std::string_view::npos ? std::string_view() : body.substr(amp + 1);
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    auto name = api::UriDecode(pair.substr(0, eq), /*plus_as_space=*/true);
    auto value = api::UriDecode(eq == std::string_view::npos ? "" : pair.substr(eq + 1), true);
    if (!name || !value) return std::nullopt;
    fields.try_emplace(std::move(*name), std::move(*value));
  }
  return fields;
}

class ConsoleHandler final : public RequestHandler {
 public:
  explicit ConsoleHandler(ConsoleContext context) : ctx_(std::move(context)) {}

  api::Response Handle(const http::request_header<>& request, storage::ByteSource& body,
                       const api::RequestContext& context) override {
    auto parsed = api::ParseTarget(request.target());
    if (!parsed) {
      return JsonError(http::status::bad_request, "InvalidURI", "malformed request target",
                       "Console");
    }
    const std::string& path = parsed->path;
    const http::verb method = request.method();
    const bool get = method == http::verb::get;
    const bool head = method == http::verb::head;

    if (path == "/console" || path == "/console/" || path == "/console/index.html") {
      if (!get && !head) return MethodNotAllowed("Console");
      return Asset(ConsoleHtml(), "text/html; charset=utf-8", head, "Console");
    }
    if (path == "/console/app.js") {
      if (!get && !head) return MethodNotAllowed("Console");
      return Asset(ConsoleJs(), "text/javascript; charset=utf-8", head, "Console");
    }
    if (path == "/console/app.css") {
      if (!get && !head) return MethodNotAllowed("Console");
      return Asset(ConsoleCss(), "text/css; charset=utf-8", head, "Console");
    }
    if (path == "/console/login") {
      if (method != http::verb::post) return MethodNotAllowed("ConsoleLogin");
      return Login(request, body, context);
    }
    if (path == "/console/logout") {
      if (method != http::verb::post) return MethodNotAllowed("ConsoleLogout");
      return Logout(request, context);
    }
    if (path.starts_with("/console/api/")) {
      const std::string_view endpoint = std::string_view(path).substr(13);
      const std::string operation = "ConsoleApi";
      // Authentication first: without a session nothing is revealed, not even 404 vs 405.
      if (!SignedIn(request)) {
        return JsonError(http::status::unauthorized, "NotSignedIn", "sign in to the console first",
                         operation);
      }
      if (!get) return MethodNotAllowed(operation);
      if (endpoint == "session") return Json(http::status::ok, Session(), operation);
      if (endpoint == "tiers") return Json(http::status::ok, Tiers(), operation);
      if (!ctx_.store) {
        return JsonError(http::status::not_implemented, "NotImplemented", "no object store",
                         operation);
      }
      if (endpoint == "buckets") return Buckets(operation);
      if (endpoint == "usage") return Usage(operation);
      if (endpoint == "objects") return Objects(*parsed, operation);
      if (endpoint == "object") return Object(*parsed, operation);
      return JsonError(http::status::not_found, "NoSuchEndpoint", "unknown console endpoint",
                       operation);
    }
    return JsonError(http::status::not_found, "NotFound", "no such console page", "Console");
  }

  api::Response Overloaded(const http::request_header<>&, const api::RequestContext&) override {
    api::Response r = JsonError(http::status::service_unavailable, "SlowDown",
                                "the server is busy; try again", "Overloaded");
    r.header.set(http::field::retry_after, "1");
    return r;
  }

 private:
  static api::Response MethodNotAllowed(std::string operation) {
    return JsonError(http::status::method_not_allowed, "MethodNotAllowed",
                     "method not allowed here", std::move(operation));
  }

  bool SignedIn(const http::request_header<>& request) const {
    auto token = CookieValue(request[http::field::cookie], kCookie);
    return token && sessions_.Verify(*token, ctx_.clock());
  }

  // CSRF: a browser sends Origin (or at least Referer) with a cross-site POST; either, when
  // present, must name this very host. Non-browser clients that send neither are let through:
  // they cannot carry a victim's cookie anyway.
  static bool SameOrigin(const http::request_header<>& request) {
    const std::string_view host = request[http::field::host];
    auto origin = request.find(http::field::origin);
    if (origin != request.end()) return !host.empty() && Authority(origin->value()) == host;
    auto referer = request.find(http::field::referer);
    if (referer != request.end()) return !host.empty() && Authority(referer->value()) == host;
    return true;
  }

  static std::string CookieHeader(std::string_view value, bool secure, int max_age) {
    std::string c =
        std::string(kCookie) + "=" + std::string(value) +
        "; Path=/console; HttpOnly; SameSite=Strict; Max-Age=" + std::to_string(max_age);
    if (secure) c += "; Secure";
    return c;
  }

  api::Response Login(const http::request_header<>& request, storage::ByteSource& body,
                      const api::RequestContext& context) {
    const std::string operation = "ConsoleLogin";
    if (!SameOrigin(request)) {
      return JsonError(http::status::forbidden, "CrossOriginRequest",
                       "the sign-in must come from the console's own page", operation);
    }
    // Bounded whatever Content-Length claims: one read of at most kMaxLoginBody + 1 bytes.
    std::string form(kMaxLoginBody + 1, '\0');
    auto n = storage::ReadFull(body, std::as_writable_bytes(std::span(form)));
    if (!n) {
      return JsonError(http::status::bad_request, "IncompleteBody", n.error().message(), operation);
    }
    if (*n > kMaxLoginBody) {
      return JsonError(http::status::payload_too_large, "EntityTooLarge",
                       "the sign-in form is too large", operation);
    }
    form.resize(*n);
    auto fields = ParseForm(form);
    if (!fields) {
      return JsonError(http::status::bad_request, "InvalidArgument", "malformed form body",
                       operation);
    }
    const std::string& access_key = (*fields)["access_key"];
    const std::string& secret_key = (*fields)["secret_key"];
    // Both compared in constant time, and both always compared (no early exit on the key).
    const bool key_ok =
        !ctx_.root.access_key.empty() && SecretsEqual(access_key, ctx_.root.access_key);
    const bool secret_ok = SecretsEqual(secret_key, ctx_.root.secret_key);
    if (!(key_ok && secret_ok)) {
      if (!key_ok && ctx_.identities != nullptr && !access_key.empty()) {
        auto user = ctx_.identities->FindAccessKey(access_key);
        if (user && user->enabled && SecretsEqual(secret_key, user->secret_key)) {
          return JsonError(http::status::unauthorized, "NotRoot",
                           "the console is for the root account; sign in with the root "
                           "credentials",
                           operation);
        }
      }
      return JsonError(http::status::unauthorized, "InvalidCredentials",
                       "wrong access key or secret key", operation);
    }
    const std::string token = sessions_.Issue(ctx_.clock());
    if (token.empty()) {
      return JsonError(http::status::internal_server_error, "InternalError",
                       "cannot make a session token", operation);
    }
    const int max_age = static_cast<int>(
        std::chrono::duration_cast<std::chrono::seconds>(ConsoleSessions::kLifetime).count());
    api::Response r = Json(http::status::ok, {{"access_key", ctx_.root.access_key}}, operation);
    r.header.set(http::field::set_cookie, CookieHeader(token, context.secure, max_age));
    return r;
  }

  api::Response Logout(const http::request_header<>& request, const api::RequestContext& context) {
    const std::string operation = "ConsoleLogout";
    if (!SameOrigin(request)) {
      return JsonError(http::status::forbidden, "CrossOriginRequest",
                       "the sign-out must come from the console's own page", operation);
    }
    if (auto token = CookieValue(request[http::field::cookie], kCookie)) {
      sessions_.Revoke(*token, ctx_.clock());
    }
    api::Response r = Json(http::status::ok, ojson::object(), operation);
    r.header.set(http::field::set_cookie, CookieHeader("", context.secure, 0));
    return r;
  }

  ojson Session() const { return {{"access_key", ctx_.root.access_key}}; }

  std::string TierOf(const std::string& storage_class) const {
    auto it = ctx_.storage_classes.find(storage_class);
    return it == ctx_.storage_classes.end() ? std::string() : it->second;
  }

  ojson Tiers() const {
    ojson j;
    ojson tiers = ojson::array();
    if (ctx_.server_info) {
      // The admin info's own document, so the console and strata-admin never disagree.
      ojson info = ServerInfoJson(ctx_.server_info());
      tiers = std::move(info["tiers"]);
    }
    j["tiers"] = std::move(tiers);
    ojson classes = ojson::object();
    for (const auto& [name, tier] : ctx_.storage_classes) classes[name] = tier;
    j["storage_classes"] = std::move(classes);
    return j;
  }

  api::Response Buckets(const std::string& operation) {
    auto buckets = ctx_.store->ListBuckets();
    if (!buckets) return StoreError(buckets.error(), operation);
    ojson list = ojson::array();
    for (const storage::BucketInfo& b : *buckets) {
      ojson j;
      j["name"] = b.name;
      j["created"] = IsoTime(b.created);
      j["region"] = b.region.empty() ? "us-east-1" : b.region;
      j["versioning"] = VersioningName(b.versioning);
      j["object_lock"] = b.object_lock_enabled;
      j["default_retention"] = nullptr;
      if (b.object_lock_enabled) {
        auto lock = ctx_.store->GetObjectLockConfiguration(b.name);
        if (lock && lock->rule) {
          j["default_retention"] = {{"mode", api::RetentionModeName(lock->rule->mode)},
                                    {"days", lock->rule->days},
                                    {"years", lock->rule->years}};
        }
      }
      list.push_back(std::move(j));
    }
    return Json(http::status::ok, {{"buckets", std::move(list)}}, operation);
  }

  api::Response Usage(const std::string& operation) {
    auto usage = ComputeUsage(*ctx_.store, ctx_.storage_classes);
    if (!usage) return StoreError(usage.error(), operation);
    std::vector<std::string> tier_names;
    if (ctx_.server_info) {
      for (const TierInfo& t : ctx_.server_info().tiers) tier_names.push_back(t.name);
    }
    return Json(http::status::ok, UsageJson(*usage, tier_names), operation);
  }

  ojson VersionJson(const storage::ObjectInfo& v) const {
    ojson j;
    j["version_id"] = v.version_id;
    j["is_latest"] = v.is_latest;
    j["delete_marker"] = v.delete_marker;
    j["last_modified"] = IsoTime(v.last_modified);
    if (!v.delete_marker) {
      j["size"] = v.size;
      j["etag"] = v.etag;
      j["storage_class"] = v.storage_class;
      j["tier"] = TierOf(v.storage_class);
    }
    return j;
  }

  api::Response Objects(const api::ParsedTarget& target, const std::string& operation) {
    const std::string bucket = target.Query("bucket").value_or("");
    if (bucket.empty()) {
      return JsonError(http::status::bad_request, "InvalidArgument", "bucket is required",
                       operation);
    }
    storage::ListVersionsOptions options;
    options.prefix = target.Query("prefix").value_or("");
    options.delimiter = "/";
    options.key_marker = target.Query("marker").value_or("");
    options.version_id_marker = target.Query("version_marker").value_or("");
    options.max_keys = kDefaultPage;
    if (auto max = target.Query("max")) {
      uint32_t v = 0;
      auto [ptr, ec] = std::from_chars(max->data(), max->data() + max->size(), v);
      if (ec != std::errc() || ptr != max->data() + max->size() || v == 0 || v > 1000) {
        return JsonError(http::status::bad_request, "InvalidArgument", "max must be 1..1000",
                         operation);
      }
      options.max_keys = v;
    }
    auto page = ctx_.store->ListObjectVersions(bucket, options);
    if (!page) return StoreError(page.error(), operation);

    // Versions come newest first per key; group them under their key.
    ojson objects = ojson::array();
    for (const storage::ObjectInfo& v : page->versions) {
      if (objects.empty() || objects.back()["key"].get_ref<const std::string&>() != v.key) {
        objects.push_back({{"key", v.key}, {"versions", ojson::array()}});
      }
      objects.back()["versions"].push_back(VersionJson(v));
    }
    ojson j;
    j["bucket"] = bucket;
    j["prefix"] = options.prefix;
    j["folders"] = page->common_prefixes;
    j["objects"] = std::move(objects);
    j["truncated"] = page->truncated;
    j["next_marker"] = page->truncated ? page->next_key_marker : "";
    j["next_version_marker"] = page->truncated ? page->next_version_id_marker : "";
    return Json(http::status::ok, j, operation);
  }

  api::Response Object(const api::ParsedTarget& target, const std::string& operation) {
    const std::string bucket = target.Query("bucket").value_or("");
    const auto key = target.Query("key");
    const std::string version_id = target.Query("versionId").value_or("");
    if (bucket.empty() || !key || key->empty()) {
      return JsonError(http::status::bad_request, "InvalidArgument", "bucket and key are required",
                       operation);
    }
    auto info = ctx_.store->StatVersion(bucket, *key, version_id);
    if (!info) return StoreError(info.error(), operation);
    ojson j{{"bucket", bucket}, {"key", *key}};
    j.update(VersionJson(*info));
    if (!info->delete_marker) {
      ojson headers = ojson::object();
      for (const auto& [name, value] : info->headers) headers[name] = value;
      j["headers"] = std::move(headers);
      j["parts"] = info->parts.size();
      ojson tags = ojson::array();
      if (info->tag_count > 0) {
        auto got = ctx_.store->GetObjectTagging(bucket, *key, info->version_id);
        if (!got) return StoreError(got.error(), operation);
        for (const auto& [k, v] : got->tags) tags.push_back({{"key", k}, {"value", v}});
      }
      j["tags"] = std::move(tags);
      if (info->retention.mode == storage::RetentionMode::kNone) {
        j["retention"] = nullptr;
      } else {
        j["retention"] = {{"mode", api::RetentionModeName(info->retention.mode)},
                          {"retain_until", IsoTime(info->retention.retain_until)},
                          {"active", info->retention.retain_until > ctx_.clock()}};
      }
      j["legal_hold"] = info->legal_hold;
    }
    return Json(http::status::ok, j, operation);
  }

  const ConsoleContext ctx_;
  ConsoleSessions sessions_;
};

}  // namespace

bool IsConsolePath(std::string_view path) {
  return path == "/console" || path.starts_with("/console/");
}

std::unique_ptr<RequestHandler> NewConsoleHandler(ConsoleContext context) {
  return std::make_unique<ConsoleHandler>(std::move(context));
}

}  // namespace strata::server
