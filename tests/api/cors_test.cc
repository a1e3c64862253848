// CORS (issue 9): the CORSConfiguration document, rule matching, and the preflight and
// actual-request answers of S3Api over a real ObjectStore (memory index, erasure-coded chunk store
// on temp folders). Configurations are stored through the ObjectStore directly so the requests
// here can stay unsigned, as browsers' preflights are.
#include "api/cors.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>
#include <pugixml.hpp>
#include <random>
#include <string>
#include <variant>
#include <vector>

#include "api/cors_xml.h"
#include "api/s3_api.h"
#include "erasure/chunk_store.h"
#include "erasure/drive.h"
#include "storage/metadata_store.h"
#include "storage/object_store.h"

namespace strata::api {
namespace {

namespace fs = std::filesystem;
using storage::CorsConfiguration;
using storage::CorsRule;

CorsConfiguration Parsed(std::string_view xml) {
  auto parsed = ParseCorsConfiguration(xml);
  if (const auto* error = std::get_if<CorsError>(&parsed)) {
    FAIL("unexpected error " << GetS3ErrorInfo(error->code).code << ": " << error->message);
  }
  return std::get<CorsConfiguration>(parsed);
}

CorsError ErrorOf(std::string_view xml) {
  auto parsed = ParseCorsConfiguration(xml);
  REQUIRE(std::holds_alternative<CorsError>(parsed));
  return std::get<CorsError>(parsed);
}

std::string Rule(std::string_view body) { return "<CORSRule>" + std::string(body) + "</CORSRule>"; }
std::string Doc(std::string_view rules) {
  return "<CORSConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">" +
         std::string(rules) + "</CORSConfiguration>";
}

TEST_CASE("A CORS document parses every element of its rules in order") {
  CorsConfiguration c = Parsed(Doc(
      Rule("<ID>web</ID><AllowedOrigin>https://app.example.com</AllowedOrigin>"
           "<AllowedOrigin>https://*.example.org</AllowedOrigin><AllowedMethod>GET</AllowedMethod>"
           "<AllowedMethod>PUT</AllowedMethod><AllowedHeader>x-amz-*</AllowedHeader>"
           "<ExposeHeader>ETag</ExposeHeader><MaxAgeSeconds> 3000 </MaxAgeSeconds>") +
      Rule("<AllowedOrigin>*</AllowedOrigin><AllowedMethod>HEAD</AllowedMethod>")));
  REQUIRE(c.rules.size() == 2);
  CHECK(c.rules[0].id == "web");
  CHECK(c.rules[0].allowed_origins ==
        std::vector<std::string>{"https://app.example.com", "https://*.example.org"});
  CHECK(c.rules[0].allowed_methods == std::vector<std::string>{"GET", "PUT"});
  CHECK(c.rules[0].allowed_headers == std::vector<std::string>{"x-amz-*"});
  CHECK(c.rules[0].expose_headers == std::vector<std::string>{"ETag"});
  CHECK(c.rules[0].max_age_seconds == 3000);
  CHECK(c.rules[1].id.empty());
  CHECK_FALSE(c.rules[1].max_age_seconds.has_value());
}

TEST_CASE("A rendered CORS configuration parses back to the same rules") {
  CorsConfiguration c = Parsed(
      Doc(Rule("<ID>a&amp;b</ID><AllowedOrigin>http://x</AllowedOrigin><AllowedMethod>POST"
               "</AllowedMethod><AllowedHeader>*</AllowedHeader><ExposeHeader>x-amz-request-id"
               "</ExposeHeader><MaxAgeSeconds>0</MaxAgeSeconds>")));
  std::string xml = RenderCorsConfiguration(c);
  CHECK(xml.find("<ID>a&amp;b</ID>") != std::string::npos);
  CorsConfiguration again = Parsed(xml);
  REQUIRE(again.rules.size() == 1);
  CHECK(again.rules[0].id == "a&b");
  CHECK(again.rules[0].allowed_headers == c.rules[0].allowed_headers);
  CHECK(again.rules[0].expose_headers == c.rules[0].expose_headers);
  CHECK(again.rules[0].max_age_seconds == 0);
}

TEST_CASE("Structurally wrong CORS documents are MalformedXML") {
  const std::string ok = "<AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod>";
  for (const std::string& xml : {
           std::string("not xml"),
           Doc(""),                                                       // no rule
           "<Other>" + Rule(ok) + "</Other>",                             // wrong root
           Doc(Rule("<AllowedMethod>GET</AllowedMethod>")),               // no origin
           Doc(Rule("<AllowedOrigin>*</AllowedOrigin>")),                 // no method
           Doc(Rule(ok + "<Unknown>1</Unknown>")),                        // unknown element
           Doc(Rule(ok + "<ID>a</ID><ID>b</ID>")),                        // repeated ID
           Doc(Rule(ok + "<MaxAgeSeconds>soon</MaxAgeSeconds>")),         // not a number
           Doc(Rule(ok + "<MaxAgeSeconds>99999999999</MaxAgeSeconds>")),  // beyond 32 bits
           Doc(Rule(ok + "<AllowedHeader><b/></AllowedHeader>")),         // not a leaf
           Doc(Rule(ok) + "<Junk/>"),
       }) {
    CAPTURE(xml);
    CHECK(ErrorOf(xml).code == S3Errc::kMalformedXML);
  }
}

TEST_CASE("CORS rules AWS refuses are InvalidRequest with AWS's message") {
  const std::string origin = "<AllowedOrigin>*</AllowedOrigin>";
  const std::string get = "<AllowedMethod>GET</AllowedMethod>";
  CorsError patch = ErrorOf(Doc(Rule(origin + "<AllowedMethod>PATCH</AllowedMethod>")));
  CHECK(patch.code == S3Errc::kInvalidRequest);
  CHECK(patch.message ==
        "Found unsupported HTTP method in CORS config. Unsupported method is PATCH");
  CHECK(ErrorOf(Doc(Rule(origin + "<AllowedMethod>get</AllowedMethod>"))).code ==
        S3Errc::kInvalidRequest);
  CorsError two_stars = ErrorOf(Doc(Rule("<AllowedOrigin>http://*.*.com</AllowedOrigin>" + get)));
  CHECK(two_stars.code == S3Errc::kInvalidRequest);
  CHECK(two_stars.message ==
        "AllowedOrigin \"http://*.*.com\" can not have more than one wildcard.");
  CHECK(ErrorOf(Doc(Rule(origin + get + "<AllowedHeader>*-*</AllowedHeader>"))).code ==
        S3Errc::kInvalidRequest);
  CHECK(ErrorOf(Doc(Rule(origin + get + "<ExposeHeader>*</ExposeHeader>"))).code ==
        S3Errc::kInvalidRequest);
  CHECK(ErrorOf(Doc(Rule(origin + get + "<ID>" + std::string(256, 'i') + "</ID>"))).code ==
        S3Errc::kInvalidRequest);
  std::string many;
  for (int i = 0; i < 101; ++i) many += Rule(origin + get);
  CHECK(ErrorOf(Doc(many)).code == S3Errc::kInvalidRequest);
  std::string hundred;
  for (int i = 0; i < 100; ++i) hundred += Rule(origin + get);
  CHECK(Parsed(Doc(hundred)).rules.size() == 100);
}

TEST_CASE("An origin pattern matches exactly or through its one wildcard, ignoring case") {
  CHECK(CorsWildcardMatch("*", "https://anything.example"));
  CHECK(CorsWildcardMatch("https://app.example.com", "https://APP.example.com"));
  CHECK_FALSE(CorsWildcardMatch("https://app.example.com", "https://app.example.com.evil"));
  CHECK(CorsWildcardMatch("https://*.example.com", "https://a.b.example.com"));
  CHECK_FALSE(CorsWildcardMatch("https://*.example.com", "https://example.com"));
  CHECK_FALSE(CorsWildcardMatch("https://*.example.com", "http://a.example.com"));
  // Prefix and suffix may not overlap: "ab*ba" needs at least four characters.
  CHECK_FALSE(CorsWildcardMatch("ab*ba", "aba"));
  CHECK(CorsWildcardMatch("ab*ba", "abba"));
}

TEST_CASE("Access-Control-Request-Headers splits into trimmed lower-case names") {
  CHECK(SplitRequestHeaders(" Content-Type ,X-Amz-Date,, x-amz-meta-a") ==
        std::vector<std::string>{"content-type", "x-amz-date", "x-amz-meta-a"});
  CHECK(SplitRequestHeaders("").empty());
}

TEST_CASE("The first rule allowing origin, method and every requested header wins") {
  CorsConfiguration c;
  c.rules.push_back(CorsRule{"uploads",
                             {"https://app.example.com"},
                             {"PUT", "POST"},
                             {"content-type", "x-amz-*"},
                             {"ETag"},
                             600});
  c.rules.push_back(CorsRule{"reads", {"*"}, {"GET", "HEAD"}, {}, {}, std::nullopt});
  const CorsRule* put =
      MatchCorsRule(c, "https://app.example.com", "PUT", {"content-type", "x-amz-date"});
  REQUIRE(put != nullptr);
  CHECK(put->id == "uploads");
  // A header the rule does not allow fails the rule, and no other rule allows PUT.
  CHECK(MatchCorsRule(c, "https://app.example.com", "PUT", {"authorization"}) == nullptr);
  CHECK(MatchCorsRule(c, "https://other.example", "PUT", {}) == nullptr);
  const CorsRule* get = MatchCorsRule(c, "https://other.example", "GET", {});
  REQUIRE(get != nullptr);
  CHECK(get->id == "reads");
  CHECK(MatchCorsRule(c, "https://other.example", "GET", {"x-custom"}) == nullptr);
  CHECK(MatchCorsRule(c, "https://other.example", "DELETE", {}) == nullptr);
}

TEST_CASE("Preflight headers echo a named origin and the requested headers") {
  CorsRule rule{"r",   {"https://app.example.com"},  {"GET", "PUT"},
                {"*"}, {"ETag", "x-amz-version-id"}, 3000};
  http::response_header<> named;
  SetPreflightHeaders(rule, "https://app.example.com", {"content-type", "x-amz-date"}, named);
  CHECK(named[http::field::access_control_allow_origin] == "https://app.example.com");
  CHECK(named[http::field::access_control_allow_methods] == "GET, PUT");
  CHECK(named[http::field::access_control_allow_headers] == "content-type, x-amz-date");
  CHECK(named[http::field::access_control_expose_headers] == "ETag, x-amz-version-id");
  CHECK(named[http::field::access_control_max_age] == "3000");
  CHECK(named[http::field::access_control_allow_credentials] == "true");
  CHECK(named[http::field::vary].starts_with("Origin"));

  CorsRule any{"", {"*"}, {"GET"}, {}, {}, std::nullopt};
  http::response_header<> star;
  SetActualRequestHeaders(any, "https://x.example", star);
  CHECK(star[http::field::access_control_allow_origin] == "*");
  CHECK(star.find(http::field::access_control_allow_credentials) == star.end());
  CHECK(star.find(http::field::access_control_max_age) == star.end());
  CHECK(star.find(http::field::access_control_allow_headers) == star.end());
}

class StringSource final : public storage::ByteSource {
 public:
  explicit StringSource(std::string data) : data_(std::move(data)) {}
  storage::Result<size_t> Read(std::span<std::byte> out) override {
    size_t n = std::min(out.size(), data_.size() - offset_);
    std::memcpy(out.data(), data_.data() + offset_, n);
    offset_ += n;
    return n;
  }

 private:
  std::string data_;
  size_t offset_ = 0;
};

// S3Api over a real store; requests are unsigned (what browsers send before any credentials).
class CorsFixture {
 public:
  CorsFixture() {
    std::random_device rd;
    dir_ = fs::temp_directory_path() /
           ("strata-cors-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
    std::vector<erasure::TierSpec> tiers(1);
    tiers[0].name = "nvme";
    tiers[0].data_shards = 2;
    tiers[0].parity_shards = 1;
    tiers[0].block_size = 4096;
    for (int i = 0; i < 3; ++i) {
      fs::path d = dir_ / ("drive" + std::to_string(i));
      fs::create_directories(d);
      auto drive = erasure::OpenLocalDrive(d.string());
      REQUIRE(drive.has_value());
      tiers[0].drives.push_back(std::move(*drive));
    }
    auto chunks = erasure::NewErasureChunkStore(std::move(tiers));
    REQUIRE(chunks.has_value());
    chunks_ = std::move(*chunks);
    metadata_ = storage::NewMemoryMetadataStore();
    store_ = storage::NewObjectStore(*metadata_, *chunks_, storage::StoreOptions{});
    ApiConfig config;
    config.root = {"AKIDCORS", "secret"};
    api_ = std::make_unique<S3Api>(*store_, std::move(config));
  }
  ~CorsFixture() {
    api_.reset();
    store_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  storage::ObjectStore& store() { return *store_; }

  Response Send(http::verb method, const std::string& target,
                const std::vector<std::pair<std::string, std::string>>& headers) {
    http::request_header<> request;
    request.method(method);
    request.target(target);
    request.set(http::field::host, "127.0.0.1:9000");
    for (const auto& [k, v] : headers) request.set(k, v);
    StringSource body("");
    return api_->Handle(request, body, RequestContext{"req-cors", "127.0.0.1", false});
  }

 private:
  fs::path dir_;
  std::unique_ptr<erasure::ChunkStore> chunks_;
  std::unique_ptr<storage::MetadataStore> metadata_;
  std::unique_ptr<storage::ObjectStore> store_;
  std::unique_ptr<S3Api> api_;
};

std::string ErrorCode(const Response& r) {
  pugi::xml_document doc;
  if (!doc.load_string(r.body.c_str())) return {};
  return doc.child("Error").child_value("Code");
}

CorsConfiguration WebRules() {
  CorsConfiguration c;
  c.rules.push_back(
      CorsRule{"web", {"https://app.example.com"}, {"GET", "PUT"}, {"*"}, {"ETag"}, 120});
  return c;
}

TEST_CASE("A preflight is answered without credentials from the bucket's rules") {
  CorsFixture f;
  REQUIRE_FALSE(f.store().CreateBucket("web", ""));
  REQUIRE_FALSE(f.store().PutBucketCors("web", WebRules()));
  Response ok = f.Send(http::verb::options, "/web/photos/cat.jpg",
                       {{"Origin", "https://app.example.com"},
                        {"Access-Control-Request-Method", "PUT"},
                        {"Access-Control-Request-Headers", "content-type,x-amz-date"}});
  CHECK(ok.header.result_int() == 200);
  CHECK(ok.operation == "PreflightCors");
  CHECK(ok.header[http::field::access_control_allow_origin] == "https://app.example.com");
  CHECK(ok.header[http::field::access_control_allow_methods] == "GET, PUT");
  CHECK(ok.header[http::field::access_control_allow_headers] == "content-type, x-amz-date");
  CHECK(ok.header[http::field::access_control_max_age] == "120");

  Response denied =
      f.Send(http::verb::options, "/web/k",
             {{"Origin", "https://evil.example"}, {"Access-Control-Request-Method", "PUT"}});
  CHECK(denied.header.result_int() == 403);
  CHECK(ErrorCode(denied) == "AccessForbidden");
  CHECK(denied.body.find("CORSResponse: This CORS request is not allowed") != std::string::npos);
  CHECK(denied.header.find(http::field::access_control_allow_origin) == denied.header.end());

  Response wrong_method =
      f.Send(http::verb::options, "/web",
             {{"Origin", "https://app.example.com"}, {"Access-Control-Request-Method", "DELETE"}});
  CHECK(wrong_method.header.result_int() == 403);
}

TEST_CASE("A preflight without Origin or a request method is a BadRequest") {
  CorsFixture f;
  REQUIRE_FALSE(f.store().CreateBucket("web", ""));
  REQUIRE_FALSE(f.store().PutBucketCors("web", WebRules()));
  Response no_origin =
      f.Send(http::verb::options, "/web/k", {{"Access-Control-Request-Method", "GET"}});
  CHECK(no_origin.header.result_int() == 400);
  CHECK(no_origin.body.find("Origin request header needed") != std::string::npos);
  Response no_method =
      f.Send(http::verb::options, "/web/k", {{"Origin", "https://app.example.com"}});
  CHECK(no_method.header.result_int() == 400);
  CHECK(ErrorCode(no_method) == "BadRequest");
}

TEST_CASE("A preflight on a bucket without CORS or without the bucket is refused") {
  CorsFixture f;
  REQUIRE_FALSE(f.store().CreateBucket("plain", ""));
  const std::vector<std::pair<std::string, std::string>> headers = {
      {"Origin", "https://app.example.com"}, {"Access-Control-Request-Method", "GET"}};
  Response plain = f.Send(http::verb::options, "/plain/k", headers);
  CHECK(plain.header.result_int() == 403);
  CHECK(plain.body.find("CORS is not enabled for this bucket") != std::string::npos);
  Response missing = f.Send(http::verb::options, "/missing/k", headers);
  CHECK(missing.header.result_int() == 404);
  CHECK(ErrorCode(missing) == "NoSuchBucket");
}

TEST_CASE("Actual requests from an allowed origin carry CORS headers, error answers too") {
  CorsFixture f;
  REQUIRE_FALSE(f.store().CreateBucket("web", ""));
  REQUIRE_FALSE(f.store().PutBucketCors("web", WebRules()));
  // Unsigned: AccessDenied, yet the browser must be able to read that answer.
  Response denied = f.Send(http::verb::get, "/web/k", {{"Origin", "https://app.example.com"}});
  CHECK(denied.header.result_int() == 403);
  CHECK(denied.header[http::field::access_control_allow_origin] == "https://app.example.com");
  CHECK(denied.header[http::field::access_control_expose_headers] == "ETag");
  // Another origin, a method no rule allows, or no Origin at all: no CORS headers.
  for (const auto& [method, origin] : std::vector<std::pair<http::verb, std::string>>{
           {http::verb::get, "https://evil.example"},
           {http::verb::delete_, "https://app.example.com"}}) {
    Response r = f.Send(method, "/web/k", {{"Origin", origin}});
    CHECK(r.header.find(http::field::access_control_allow_origin) == r.header.end());
  }
  Response no_origin = f.Send(http::verb::get, "/web/k", {});
  CHECK(no_origin.header.find(http::field::access_control_allow_origin) == no_origin.header.end());
}

TEST_CASE("A bucket's CORS configuration is stored, replaced, deleted, and goes with the bucket") {
  CorsFixture f;
  CHECK(f.store().PutBucketCors("nobucket", WebRules()) == storage::Errc::kNoSuchBucket);
  REQUIRE_FALSE(f.store().CreateBucket("b", ""));
  auto none = f.store().GetBucketCors("b");
  REQUIRE(none.has_value());
  CHECK_FALSE(none->has_value());
  REQUIRE_FALSE(f.store().PutBucketCors("b", WebRules()));
  auto got = f.store().GetBucketCors("b");
  REQUIRE(got.has_value());
  REQUIRE(got->has_value());
  CHECK((*got)->rules.size() == 1);
  CHECK((*got)->rules[0].allowed_origins == WebRules().rules[0].allowed_origins);
  CHECK((*got)->rules[0].max_age_seconds == 120);
  REQUIRE_FALSE(f.store().DeleteBucketCors("b"));
  CHECK_FALSE(f.store().GetBucketCors("b")->has_value());
  REQUIRE_FALSE(f.store().DeleteBucketCors("b"));  // absent: still fine
  REQUIRE_FALSE(f.store().PutBucketCors("b", WebRules()));
  REQUIRE_FALSE(f.store().DeleteBucket("b"));
  REQUIRE_FALSE(f.store().CreateBucket("b", ""));
  CHECK_FALSE(f.store().GetBucketCors("b")->has_value());
}

}  // namespace
}  // namespace strata::api
