// End to end: S3Api over a real ObjectStore (memory metadata, erasure-coded chunk store on temp
// folders), driven by requests signed with a small SigV4 signer written here from the spec.
#include "api/s3_api.h"

#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <pugixml.hpp>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "api/hmac.h"
#include "api/http_date.h"
#include "api/uri.h"
#include "erasure/chunk_store.h"
#include "erasure/drive.h"
#include "storage/checksum.h"
#include "storage/metadata_store.h"
#include "storage/object_store.h"

namespace strata::api {
namespace {

namespace fs = std::filesystem;
using Query = std::vector<std::pair<std::string, std::string>>;
using Headers = std::vector<std::pair<std::string, std::string>>;

constexpr char kAccessKey[] = "AKIDSTRATATEST";
constexpr char kSecretKey[] = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSTRATAKEY";
const std::chrono::system_clock::time_point kNow{std::chrono::seconds(1'700'000'000)};

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

class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = fs::temp_directory_path() /
            ("strata-s3api-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

struct Reply {
  unsigned status = 0;
  http::response_header<> header;
  std::string body;
  bool streamed = false;

  std::string Header(std::string_view name) const {
    auto it = header.find(name);
    return it == header.end() ? std::string() : std::string(it->value());
  }
  // The Code of an S3 error document ("" if the body is not one).
  std::string ErrorCode() const {
    pugi::xml_document doc;
    if (!doc.load_string(body.c_str())) return {};
    return doc.child("Error").child_value("Code");
  }
};

// A signer written from the SigV4 specification, independent of the server's canonicalization.
std::string SignatureFor(const std::string& method, const std::string& raw_path, const Query& query,
                         const Headers& signed_headers, const std::string& payload_hash,
                         const std::string& secret, const std::string& region,
                         std::string* signed_names) {
  std::vector<std::pair<std::string, std::string>> encoded;
  for (const auto& [k, v] : query) encoded.emplace_back(UriEncode(k, true), UriEncode(v, true));
  std::sort(encoded.begin(), encoded.end());
  std::string canonical_query;
  for (const auto& [k, v] : encoded) {
    if (!canonical_query.empty()) canonical_query += '&';
    canonical_query += k + "=" + v;
  }
  Headers headers = signed_headers;
  std::sort(headers.begin(), headers.end());
  std::string canonical_headers;
  signed_names->clear();
  for (const auto& [k, v] : headers) {
    canonical_headers += k + ":" + v + "\n";
    if (!signed_names->empty()) *signed_names += ';';
    *signed_names += k;
  }
  std::string canonical_request = method + "\n" + raw_path + "\n" + canonical_query + "\n" +
                                  canonical_headers + "\n" + *signed_names + "\n" + payload_hash;
  std::string amz_date = FormatAmzDate(kNow);
  std::string date = amz_date.substr(0, 8);
  std::string scope = date + "/" + region + "/s3/aws4_request";
  std::string string_to_sign =
      "AWS4-HMAC-SHA256\n" + amz_date + "\n" + scope + "\n" + Sha256Hex(canonical_request);
  std::string key = HmacSha256("AWS4" + secret, date);
  key = HmacSha256(key, region);
  key = HmacSha256(key, "s3");
  key = HmacSha256(key, "aws4_request");
  return HexLower(HmacSha256(key, string_to_sign));
}

struct RequestSpec {
  http::verb method = http::verb::get;
  std::string path = "/";  // decoded; encoded here per segment
  Query query;
  Headers headers;  // extra, unsigned (except those starting with x-amz-)
  std::string body;
  bool sign = true;
  bool sign_payload = false;   // x-amz-content-sha256 = hex SHA-256 instead of UNSIGNED-PAYLOAD
  std::string content_sha256;  // when set, sent (and signed) as x-amz-content-sha256
  bool omit_content_length = false;
  std::string raw_target;  // when set, sent as is instead of path and query
  std::string secret = kSecretKey;
};

class S3ApiFixture {
 public:
  explicit S3ApiFixture(std::string region = "us-east-1") : region_(region) {
    std::vector<erasure::TierSpec> tiers(1);
    tiers[0].name = "nvme";
    tiers[0].data_shards = 2;
    tiers[0].parity_shards = 2;
    tiers[0].block_size = 4096;
    for (int i = 0; i < 4; ++i) {
      fs::path dir = temp_.path() / ("drive" + std::to_string(i));
      fs::create_directories(dir);
      auto drive = erasure::OpenLocalDrive(dir.string());
      REQUIRE(drive.has_value());
      tiers[0].drives.push_back(std::move(*drive));
    }
    auto chunks = erasure::NewErasureChunkStore(std::move(tiers));
    REQUIRE(chunks.has_value());
    chunks_ = std::move(*chunks);
    metadata_ = storage::NewMemoryMetadataStore();
    store_ = storage::NewObjectStore(*metadata_, *chunks_, storage::StoreOptions{});
    ApiConfig config;
    config.region = std::move(region);
    config.root = {kAccessKey, kSecretKey};
    config.clock = [] { return kNow; };
    api_ = std::make_unique<S3Api>(*store_, std::move(config));
  }

  Reply Send(const RequestSpec& spec) {
    std::string raw_path = UriEncode(spec.path, /*encode_slash=*/false);
    std::string target = raw_path;
    for (size_t i = 0; i < spec.query.size(); ++i) {
      target += i == 0 ? '?' : '&';
      target += UriEncode(spec.query[i].first, true);
      if (!spec.query[i].second.empty() || spec.query[i].first != "acl") {
        target += "=" + UriEncode(spec.query[i].second, true);
      }
    }
    if (!spec.raw_target.empty()) target = raw_path = spec.raw_target;
    http::request_header<> request;
    request.method(spec.method);
    request.target(target);
    request.set(http::field::host, "127.0.0.1:9000");
    if ((spec.method == http::verb::put || !spec.body.empty()) && !spec.omit_content_length) {
      request.set(http::field::content_length, std::to_string(spec.body.size()));
    }
    Headers signed_headers = {{"host", "127.0.0.1:9000"}};
    for (const auto& [k, v] : spec.headers) {
      request.set(k, v);
      std::string lower = k;
      for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      if (lower.starts_with("x-amz-")) signed_headers.emplace_back(lower, v);
    }
    if (spec.sign) {
      std::string payload_hash = spec.sign_payload ? Sha256Hex(spec.body) : "UNSIGNED-PAYLOAD";
      if (!spec.content_sha256.empty()) payload_hash = spec.content_sha256;
      std::string amz_date = FormatAmzDate(kNow);
      request.set("x-amz-date", amz_date);
      request.set("x-amz-content-sha256", payload_hash);
      signed_headers.emplace_back("x-amz-date", amz_date);
      signed_headers.emplace_back("x-amz-content-sha256", payload_hash);
      std::string names;
      std::string signature =
          SignatureFor(std::string(http::to_string(spec.method)), raw_path, spec.query,
                       signed_headers, payload_hash, spec.secret, region_, &names);
      request.set(http::field::authorization,
                  "AWS4-HMAC-SHA256 Credential=" + std::string(kAccessKey) + "/" +
                      amz_date.substr(0, 8) + "/" + region_ +
                      "/s3/aws4_request, SignedHeaders=" + names + ", Signature=" + signature);
    }
    StringSource body(spec.body);
    Response response = api_->Handle(request, body, RequestContext{"req-1", "127.0.0.1", false});
    Reply reply;
    reply.status = static_cast<unsigned>(response.header.result_int());
    reply.header = response.header;
    reply.body = response.body;
    if (response.stream) {
      reply.streamed = true;
      std::vector<std::byte> buffer(1000);
      while (true) {
        auto n = response.stream->Read(buffer);
        REQUIRE(n.has_value());
        if (*n == 0) break;
        reply.body.append(reinterpret_cast<const char*>(buffer.data()), *n);
      }
      CHECK(reply.Header("content-length") == std::to_string(reply.body.size()));
    }
    return reply;
  }

  Reply Get(std::string path, Query query = {}, Headers headers = {}) {
    RequestSpec spec;
    spec.path = std::move(path);
    spec.query = std::move(query);
    spec.headers = std::move(headers);
    return Send(spec);
  }
  Reply Head(std::string path, Headers headers = {}) {
    RequestSpec spec;
    spec.method = http::verb::head;
    spec.path = std::move(path);
    spec.headers = std::move(headers);
    return Send(spec);
  }
  Reply Put(std::string path, std::string body = {}, Headers headers = {}) {
    RequestSpec spec;
    spec.method = http::verb::put;
    spec.path = std::move(path);
    spec.body = std::move(body);
    spec.headers = std::move(headers);
    return Send(spec);
  }
  Reply Delete(std::string path) {
    RequestSpec spec;
    spec.method = http::verb::delete_;
    spec.path = std::move(path);
    return Send(spec);
  }

 private:
  std::string region_;
  TempDir temp_;
  std::unique_ptr<erasure::ChunkStore> chunks_;
  std::unique_ptr<storage::MetadataStore> metadata_;
  std::unique_ptr<storage::ObjectStore> store_;
  std::unique_ptr<S3Api> api_;
};

std::string Md5Base64(std::string_view data) { return storage::Base64Encode(storage::Md5(data)); }

TEST_CASE("Objects round-trip through put, get, head, list and delete") {
  S3ApiFixture s3;
  Reply created = s3.Put("/data");
  REQUIRE(created.status == 200);
  CHECK(created.Header("location") == "/data");

  std::string content(10000, 'x');
  for (size_t i = 0; i < content.size(); ++i) content[i] = static_cast<char>('a' + i % 26);
  Reply put = s3.Put("/data/dir/a b.txt", content,
                     {{"content-type", "text/plain"},
                      {"x-amz-meta-Color", "blue"},
                      {"content-md5", Md5Base64(content)},
                      {"cache-control", "no-cache"}});
  INFO(put.body);
  REQUIRE(put.status == 200);
  const std::string etag = "\"" + storage::HexEncode(storage::Md5(content)) + "\"";
  CHECK(put.Header("etag") == etag);
  CHECK(put.Header("x-amz-version-id").empty());

  Reply get = s3.Get("/data/dir/a b.txt");
  REQUIRE(get.status == 200);
  CHECK(get.streamed);
  CHECK(get.body == content);
  CHECK(get.Header("etag") == etag);
  CHECK(get.Header("content-type") == "text/plain");
  CHECK(get.Header("cache-control") == "no-cache");
  CHECK(get.Header("x-amz-meta-color") == "blue");
  CHECK(get.Header("accept-ranges") == "bytes");
  CHECK(ParseHttpDate(get.Header("last-modified")).has_value());
  CHECK(get.Header("x-amz-storage-class").empty());

  Reply head = s3.Head("/data/dir/a b.txt");
  REQUIRE(head.status == 200);
  CHECK(head.body.empty());
  CHECK_FALSE(head.streamed);
  CHECK(head.Header("content-length") == "10000");
  CHECK(head.Header("etag") == etag);

  REQUIRE(s3.Put("/data/top", "t").status == 200);
  Reply list = s3.Get("/data", {{"list-type", "2"}, {"delimiter", "/"}});
  REQUIRE(list.status == 200);
  CHECK(list.Header("content-type") == "application/xml");
  pugi::xml_document doc;
  REQUIRE(doc.load_string(list.body.c_str()));
  pugi::xml_node root = doc.child("ListBucketResult");
  CHECK(std::string(root.child_value("KeyCount")) == "2");
  CHECK(std::string(root.child("Contents").child_value("Key")) == "top");
  CHECK(std::string(root.child("Contents").child_value("Size")) == "1");
  CHECK(std::string(root.child("CommonPrefixes").child_value("Prefix")) == "dir/");

  Reply deleted = s3.Delete("/data/dir/a b.txt");
  CHECK(deleted.status == 204);
  CHECK(s3.Delete("/data/dir/a b.txt").status == 204);  // absent key: still 204
  Reply gone = s3.Get("/data/dir/a b.txt");
  CHECK(gone.status == 404);
  CHECK(gone.ErrorCode() == "NoSuchKey");
}

TEST_CASE("NoSuchKey is an S3 error document naming the resource and request id") {
  S3ApiFixture s3;
  REQUIRE(s3.Put("/data").status == 200);
  Reply reply = s3.Get("/data/missing");
  CHECK(reply.status == 404);
  CHECK(reply.Header("content-type") == "application/xml");
  pugi::xml_document doc;
  REQUIRE(doc.load_string(reply.body.c_str()));
  pugi::xml_node error = doc.child("Error");
  CHECK(std::string(error.child_value("Code")) == "NoSuchKey");
  CHECK(std::string(error.child_value("Message")) == "The specified key does not exist.");
  CHECK(std::string(error.child_value("Resource")) == "/data/missing");
  CHECK(std::string(error.child_value("RequestId")) == "req-1");
}

TEST_CASE("HEAD errors carry the status and no body") {
  S3ApiFixture s3;
  Reply bucket = s3.Head("/nobucket");
  CHECK(bucket.status == 404);
  CHECK(bucket.body.empty());
  REQUIRE(s3.Put("/data").status == 200);
  Reply key = s3.Head("/data/nokey");
  CHECK(key.status == 404);
  CHECK(key.body.empty());
}

TEST_CASE("Unsupported subresources answer NotImplemented once authenticated") {
  S3ApiFixture s3;
  REQUIRE(s3.Put("/data").status == 200);
  Reply website = s3.Get("/data", {{"website", ""}});
  CHECK(website.status == 501);
  CHECK(website.ErrorCode() == "NotImplemented");
  RequestSpec post;
  post.method = http::verb::post;
  post.path = "/data/k";
  post.query = {{"restore", ""}};
  CHECK(s3.Send(post).ErrorCode() == "NotImplemented");
}

TEST_CASE("Anonymous requests are denied before anything else is decided") {
  S3ApiFixture s3;
  REQUIRE(s3.Put("/data").status == 200);
  RequestSpec spec;
  spec.path = "/data";
  spec.sign = false;
  Reply list = s3.Send(spec);
  CHECK(list.status == 403);
  CHECK(list.ErrorCode() == "AccessDenied");
  spec.query = {{"acl", ""}};
  CHECK(s3.Send(spec).ErrorCode() == "AccessDenied");
}

TEST_CASE("A request signed with the wrong secret is refused") {
  S3ApiFixture s3;
  RequestSpec spec;
  spec.secret = "not-the-secret";
  Reply reply = s3.Send(spec);
  CHECK(reply.status == 403);
  CHECK(reply.ErrorCode() == "SignatureDoesNotMatch");
}

TEST_CASE("ListBuckets lists created buckets with their owner") {
  S3ApiFixture s3;
  REQUIRE(s3.Put("/beta").status == 200);
  REQUIRE(s3.Put("/alpha").status == 200);
  Reply reply = s3.Get("/");
  REQUIRE(reply.status == 200);
  pugi::xml_document doc;
  REQUIRE(doc.load_string(reply.body.c_str()));
  pugi::xml_node root = doc.child("ListAllMyBucketsResult");
  CHECK(std::string(root.child("Owner").child_value("DisplayName")) == kAccessKey);
  pugi::xml_node first = root.child("Buckets").child("Bucket");
  CHECK(std::string(first.child_value("Name")) == "alpha");
  CHECK(std::string(first.next_sibling("Bucket").child_value("Name")) == "beta");
  CHECK(ParseIso8601(first.child_value("CreationDate")).has_value());
}

TEST_CASE("Bucket creation validates names and location constraints") {
  S3ApiFixture s3;
  CHECK(s3.Put("/Bad_Name").ErrorCode() == "InvalidBucketName");
  CHECK(s3.Put("/192.168.1.1").ErrorCode() == "InvalidBucketName");
  std::string config =
      "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
      "<LocationConstraint>eu-west-1</LocationConstraint></CreateBucketConfiguration>";
  Reply wrong = s3.Put("/ok-bucket", config);
  CHECK(wrong.status == 400);
  CHECK(wrong.ErrorCode() == "IllegalLocationConstraintException");
  CHECK(s3.Put("/ok-bucket", "<CreateBucketConfiguration><Loc").ErrorCode() == "MalformedXML");
  CHECK(s3.Put("/ok-bucket", "<Other/>").ErrorCode() == "MalformedXML");
  CHECK(s3.Put("/ok-bucket", std::string(70 * 1024, ' ')).ErrorCode() == "MalformedXML");
  CHECK(s3.Head("/ok-bucket").status == 404);
  CHECK(s3.Put("/ok-bucket", "<CreateBucketConfiguration/>").status == 200);
  Reply head = s3.Head("/ok-bucket");
  CHECK(head.status == 200);
  CHECK(head.Header("x-amz-bucket-region") == "us-east-1");
  Reply location = s3.Get("/ok-bucket", {{"location", ""}});
  REQUIRE(location.status == 200);
  pugi::xml_document doc;
  REQUIRE(doc.load_string(location.body.c_str()));
  CHECK(std::string(doc.child_value("LocationConstraint")).empty());
}

TEST_CASE("Re-creating an owned bucket succeeds in us-east-1 and is a 409 elsewhere") {
  S3ApiFixture us_east;
  REQUIRE(us_east.Put("/mine").status == 200);
  CHECK(us_east.Put("/mine").status == 200);

  S3ApiFixture eu("eu-west-1");
  std::string config =
      "<CreateBucketConfiguration><LocationConstraint>eu-west-1</LocationConstraint>"
      "</CreateBucketConfiguration>";
  Reply first = eu.Put("/mine", config);
  INFO(first.body);
  REQUIRE(first.status == 200);
  Reply again = eu.Put("/mine", config);
  CHECK(again.status == 409);
  CHECK(again.ErrorCode() == "BucketAlreadyOwnedByYou");
  Reply location = eu.Get("/mine", {{"location", ""}});
  CHECK(location.body.find(">eu-west-1</LocationConstraint>") != std::string::npos);
}

TEST_CASE("A bucket is deleted only when empty") {
  S3ApiFixture s3;
  REQUIRE(s3.Put("/data").status == 200);
  REQUIRE(s3.Put("/data/k", "v").status == 200);
  Reply full = s3.Delete("/data");
  CHECK(full.status == 409);
  CHECK(full.ErrorCode() == "BucketNotEmpty");
  REQUIRE(s3.Delete("/data/k").status == 204);
  CHECK(s3.Delete("/data").status == 204);
  CHECK(s3.Get("/data").ErrorCode() == "NoSuchBucket");
  CHECK(s3.Put("/data/k", "v").ErrorCode() == "NoSuchBucket");
  CHECK(s3.Delete("/data/k").ErrorCode() == "NoSuchBucket");
}

TEST_CASE("Ranged GETs answer 206, and 416 with the object size past the end") {
  S3ApiFixture s3;
  REQUIRE(s3.Put("/data").status == 200);
  REQUIRE(s3.Put("/data/k", "0123456789").status == 200);
  REQUIRE(s3.Put("/data/empty", "").status == 200);

  Reply part = s3.Get("/data/k", {}, {{"range", "bytes=2-4"}});
  CHECK(part.status == 206);
  CHECK(part.body == "234");
  CHECK(part.Header("content-range") == "bytes 2-4/10");
  CHECK(s3.Get("/data/k", {}, {{"range", "bytes=-3"}}).body == "789");
  CHECK(s3.Get("/data/k", {}, {{"range", "bytes=0-1,4-5"}}).status == 200);

  Reply past = s3.Get("/data/k", {}, {{"range", "bytes=10-"}});
  CHECK(past.status == 416);
  CHECK(past.ErrorCode() == "InvalidRange");
  CHECK(past.Header("content-range") == "bytes */10");
  CHECK(s3.Get("/data/empty", {}, {{"range", "bytes=0-"}}).status == 416);
  Reply empty = s3.Get("/data/empty");
  CHECK(empty.status == 200);
  CHECK(empty.body.empty());
}

TEST_CASE("Conditional GETs answer 304 and 412") {
  S3ApiFixture s3;
  REQUIRE(s3.Put("/data").status == 200);
  Reply put = s3.Put("/data/k", "hello");
  REQUIRE(put.status == 200);
  const std::string etag = put.Header("etag");

  Reply not_modified = s3.Get("/data/k", {}, {{"if-none-match", etag}});
  CHECK(not_modified.status == 304);
  CHECK(not_modified.body.empty());
  CHECK(not_modified.Header("etag") == etag);
  CHECK_FALSE(not_modified.Header("last-modified").empty());

  Reply failed = s3.Get("/data/k", {}, {{"if-match", "\"other\""}});
  CHECK(failed.status == 412);
  CHECK(failed.ErrorCode() == "PreconditionFailed");
  CHECK(s3.Get("/data/k", {}, {{"if-match", etag}}).body == "hello");
  CHECK(s3.Head("/data/k", {{"if-match", "\"other\""}}).status == 412);
  CHECK(s3.Get("/data/k", {}, {{"if-modified-since", "Sun, 06 Nov 2094 08:49:37 GMT"}}).status ==
        304);
}

TEST_CASE("Response overrides replace the stored headers on GET") {
  S3ApiFixture s3;
  REQUIRE(s3.Put("/data").status == 200);
  REQUIRE(s3.Put("/data/k", "x", {{"content-type", "text/plain"}}).status == 200);
  Reply reply = s3.Get("/data/k", {{"response-content-type", "application/json"},
                                   {"response-content-disposition", "attachment"}});
  CHECK(reply.Header("content-type") == "application/json");
  CHECK(reply.Header("content-disposition") == "attachment");
}

TEST_CASE("A response override carrying CR LF is refused rather than split into headers") {
  S3ApiFixture s3;
  REQUIRE(s3.Put("/data").status == 200);
  REQUIRE(s3.Put("/data/k", "x").status == 200);
  Reply reply = s3.Get("/data/k", {{"response-content-type", "text/plain\r\nSet-Cookie: a=b"}});
  CHECK(reply.status == 400);
  CHECK(reply.ErrorCode() == "InvalidArgument");
  CHECK(reply.Header("set-cookie").empty());
}

TEST_CASE("Content-MD5 is checked: malformed is InvalidDigest, wrong is BadDigest") {
  S3ApiFixture s3;
  REQUIRE(s3.Put("/data").status == 200);
  CHECK(s3.Put("/data/k", "abc", {{"content-md5", "nope"}}).ErrorCode() == "InvalidDigest");
  CHECK(s3.Put("/data/k", "abc", {{"content-md5", storage::Base64Encode("short")}}).ErrorCode() ==
        "InvalidDigest");
  CHECK(s3.Put("/data/k", "abc", {{"content-md5", Md5Base64("abd")}}).ErrorCode() == "BadDigest");
  CHECK(s3.Get("/data/k").ErrorCode() == "NoSuchKey");
}

TEST_CASE("A declared x-amz-checksum is verified, stored and returned in checksum mode") {
  S3ApiFixture s3;
  REQUIRE(s3.Put("/data").status == 200);
  auto hasher = storage::NewChecksumHasher(storage::ChecksumAlgorithm::kCrc32);
  std::string body = "checksummed body";
  hasher->Update(std::as_bytes(std::span(body.data(), body.size())));
  std::string crc = storage::Base64Encode(hasher->Finish());

  CHECK(s3.Put("/data/k", body, {{"x-amz-checksum-crc32", "AAAAAA=="}}).ErrorCode() == "BadDigest");
  CHECK(s3.Put("/data/k", body, {{"x-amz-checksum-crc32", "!!"}}).ErrorCode() == "InvalidRequest");
  Reply put = s3.Put("/data/k", body, {{"x-amz-checksum-crc32", crc}});
  REQUIRE(put.status == 200);
  CHECK(put.Header("x-amz-checksum-crc32") == crc);

  CHECK(s3.Get("/data/k").Header("x-amz-checksum-crc32").empty());
  CHECK(
      s3.Get("/data/k", {}, {{"x-amz-checksum-mode", "ENABLED"}}).Header("x-amz-checksum-crc32") ==
      crc);
  CHECK(s3.Get("/data/k", {}, {{"x-amz-checksum-mode", "ENABLED"}, {"range", "bytes=0-1"}})
            .Header("x-amz-checksum-crc32")
            .empty());
}

TEST_CASE("A signed payload hash is verified") {
  S3ApiFixture s3;
  REQUIRE(s3.Put("/data").status == 200);
  RequestSpec spec;
  spec.method = http::verb::put;
  spec.path = "/data/k";
  spec.body = "signed body";
  spec.sign_payload = true;
  REQUIRE(s3.Send(spec).status == 200);
  CHECK(s3.Get("/data/k").body == "signed body");
}

TEST_CASE("PutObject refuses oversized keys and metadata, and uploads without a length") {
  S3ApiFixture s3;
  REQUIRE(s3.Put("/data").status == 200);
  CHECK(s3.Put("/data/" + std::string(1025, 'k'), "x").ErrorCode() == "KeyTooLongError");
  CHECK(s3.Put("/data/" + std::string(1024, 'k'), "x").status == 200);
  CHECK(s3.Put("/data/k", "x", {{"x-amz-meta-big", std::string(2100, 'm')}}).ErrorCode() ==
        "MetadataTooLarge");
  Reply huge = s3.Put("/data/k", "x", {{"content-length", "5368709121"}});
  CHECK(huge.ErrorCode() == "EntityTooLarge");
}

TEST_CASE("Invalid list parameters are InvalidArgument") {
  S3ApiFixture s3;
  REQUIRE(s3.Put("/data").status == 200);
  CHECK(s3.Get("/data", {{"max-keys", "-1"}}).ErrorCode() == "InvalidArgument");
  CHECK(s3.Get("/data", {{"encoding-type", "xml"}}).ErrorCode() == "InvalidArgument");
  CHECK(s3.Get("/data", {{"list-type", "2"}, {"continuation-token", "%%%"}}).ErrorCode() ==
        "InvalidArgument");
}

TEST_CASE("Listing pages continue with NextContinuationToken until the end") {
  S3ApiFixture s3;
  REQUIRE(s3.Put("/data").status == 200);
  for (std::string key : {"a", "b", "c", "d", "e"})
    REQUIRE(s3.Put("/data/" + key, key).status == 200);
  std::vector<std::string> keys;
  std::string token;
  for (int page = 0; page < 10; ++page) {
    Query query = {{"list-type", "2"}, {"max-keys", "2"}};
    if (!token.empty()) query.emplace_back("continuation-token", token);
    Reply reply = s3.Get("/data", query);
    REQUIRE(reply.status == 200);
    pugi::xml_document doc;
    REQUIRE(doc.load_string(reply.body.c_str()));
    pugi::xml_node root = doc.child("ListBucketResult");
    for (pugi::xml_node c : root.children("Contents")) keys.push_back(c.child_value("Key"));
    token = root.child_value("NextContinuationToken");
    if (std::string(root.child_value("IsTruncated")) != "true") break;
    REQUIRE_FALSE(token.empty());
  }
  CHECK(keys == std::vector<std::string>{"a", "b", "c", "d", "e"});
}

std::string Crc32Base64(std::string_view data) {
  auto hasher = storage::NewChecksumHasher(storage::ChecksumAlgorithm::kCrc32);
  hasher->Update(std::as_bytes(std::span(data.data(), data.size())));
  return storage::Base64Encode(hasher->Finish());
}

// What boto3 >= 1.36 sends by default: aws-chunked framing with a CRC32 trailer.
RequestSpec ChunkedTrailerPut(const std::string& path, const std::string& data,
                              const std::string& trailer_line) {
  RequestSpec spec;
  spec.method = http::verb::put;
  spec.path = path;
  spec.content_sha256 = "STREAMING-UNSIGNED-PAYLOAD-TRAILER";
  std::string half = data.substr(0, data.size() / 2);
  std::string rest = data.substr(data.size() / 2);
  auto hex = [](size_t n) {
    char buffer[32];
    std::snprintf(buffer, sizeof(buffer), "%zx", n);
    return std::string(buffer);
  };
  spec.body = hex(half.size()) + "\r\n" + half + "\r\n" + hex(rest.size()) + "\r\n" + rest +
              "\r\n0\r\n" + trailer_line + "\r\n\r\n";
  spec.headers = {{"content-encoding", "aws-chunked"},
                  {"x-amz-decoded-content-length", std::to_string(data.size())},
                  {"x-amz-trailer", "x-amz-checksum-crc32"},
                  {"x-amz-sdk-checksum-algorithm", "CRC32"},
                  {"content-type", "text/plain"}};
  return spec;
}

TEST_CASE("An aws-chunked upload with a trailing checksum is stored decoded and verified") {
  S3ApiFixture s3;
  REQUIRE(s3.Put("/data").status == 200);
  std::string data = "streamed with a trailing checksum, as boto3 sends it";
  std::string crc = Crc32Base64(data);
  Reply put = s3.Send(ChunkedTrailerPut("/data/k", data, "x-amz-checksum-crc32:" + crc));
  INFO(put.body);
  REQUIRE(put.status == 200);
  CHECK(put.Header("x-amz-checksum-crc32") == crc);

  Reply get = s3.Get("/data/k", {}, {{"x-amz-checksum-mode", "ENABLED"}});
  CHECK(get.body == data);                        // no chunk framing inside the object
  CHECK(get.Header("content-encoding").empty());  // aws-chunked is not a stored encoding
  CHECK(get.Header("content-type") == "text/plain");
  CHECK(get.Header("x-amz-checksum-crc32") == crc);
}

TEST_CASE("An aws-chunked upload whose trailing checksum does not match stores nothing") {
  S3ApiFixture s3;
  REQUIRE(s3.Put("/data").status == 200);
  std::string data = "streamed body";
  Reply put =
      s3.Send(ChunkedTrailerPut("/data/k", data, "x-amz-checksum-crc32:" + Crc32Base64("other")));
  CHECK(put.ErrorCode() == "BadDigest");
  CHECK(s3.Get("/data/k").ErrorCode() == "NoSuchKey");
}

TEST_CASE("An aws-chunked upload without x-amz-decoded-content-length is MissingContentLength") {
  S3ApiFixture s3;
  REQUIRE(s3.Put("/data").status == 200);
  RequestSpec spec =
      ChunkedTrailerPut("/data/k", "abc", "x-amz-checksum-crc32:" + Crc32Base64("abc"));
  std::erase_if(spec.headers,
                [](const auto& h) { return h.first == "x-amz-decoded-content-length"; });
  Reply put = s3.Send(spec);
  CHECK(put.status == 411);
  CHECK(put.ErrorCode() == "MissingContentLength");
}

TEST_CASE("A PUT with neither Content-Length nor chunked framing is MissingContentLength") {
  S3ApiFixture s3;
  REQUIRE(s3.Put("/data").status == 200);
  RequestSpec spec;
  spec.method = http::verb::put;
  spec.path = "/data/k";
  spec.omit_content_length = true;
  Reply put = s3.Send(spec);
  CHECK(put.status == 411);
  CHECK(put.ErrorCode() == "MissingContentLength");

  spec.headers = {{"transfer-encoding", "chunked"}};
  spec.body = "framing already removed by the server";
  CHECK(s3.Send(spec).status == 200);
  CHECK(s3.Get("/data/k").body == spec.body);
}

TEST_CASE("A malformed request target is InvalidURI") {
  S3ApiFixture s3;
  RequestSpec spec;
  spec.raw_target = "/data/%zz";
  Reply reply = s3.Send(spec);
  CHECK(reply.status == 400);
  CHECK(reply.ErrorCode() == "InvalidURI");
}

// --- issue 3: multipart, copy, batch delete, conditional writes --------------------------------

std::string XmlChild(const std::string& xml, const char* root, const char* child) {
  pugi::xml_document doc;
  if (!doc.load_string(xml.c_str())) return {};
  return doc.child(root).child_value(child);
}

TEST_CASE("A multipart upload completes into one object readable by part number") {
  S3ApiFixture s3;
  REQUIRE(s3.Put("/data").status == 200);
  RequestSpec create;
  create.method = http::verb::post;
  create.path = "/data/mp";
  create.query = {{"uploads", ""}};
  create.headers = {{"x-amz-meta-job", "7"}, {"Content-Type", "text/csv"}};
  Reply created = s3.Send(create);
  REQUIRE(created.status == 200);
  std::string upload_id = XmlChild(created.body, "InitiateMultipartUploadResult", "UploadId");
  REQUIRE_FALSE(upload_id.empty());

  RequestSpec part;
  part.method = http::verb::put;
  part.path = "/data/mp";
  part.query = {{"partNumber", "1"}, {"uploadId", upload_id}};
  part.body = "hello";
  Reply uploaded = s3.Send(part);
  REQUIRE(uploaded.status == 200);
  CHECK(uploaded.Header("etag") == "\"" + storage::HexEncode(storage::Md5("hello")) + "\"");

  RequestSpec complete;
  complete.method = http::verb::post;
  complete.path = "/data/mp";
  complete.query = {{"uploadId", upload_id}};
  complete.body = "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>" +
                  uploaded.Header("etag") + "</ETag></Part></CompleteMultipartUpload>";
  Reply completed = s3.Send(complete);
  REQUIRE(completed.status == 200);
  const std::string etag = "\"" + storage::HexEncode(storage::Md5(storage::Md5("hello"))) + "-1\"";
  CHECK(XmlChild(completed.body, "CompleteMultipartUploadResult", "ETag") == etag);

  Reply got = s3.Get("/data/mp", {{"partNumber", "1"}});
  CHECK(got.status == 206);
  CHECK(got.body == "hello");
  CHECK(got.Header("x-amz-mp-parts-count") == "1");
  CHECK(got.Header("etag") == etag);
  CHECK(got.Header("content-type") == "text/csv");
  CHECK(got.Header("x-amz-meta-job") == "7");
  Reply past = s3.Get("/data/mp", {{"partNumber", "2"}});
  CHECK(past.status == 416);
  CHECK(past.ErrorCode() == "InvalidPartNumber");
  CHECK(s3.Get("/data/mp", {{"partNumber", "0"}}).ErrorCode() == "InvalidArgument");
  // Completed: the upload is gone.
  CHECK(s3.Send(complete).ErrorCode() == "NoSuchUpload");
}

TEST_CASE("A part upload names an existing upload and a part number in 1..10000") {
  S3ApiFixture s3;
  REQUIRE(s3.Put("/data").status == 200);
  RequestSpec part;
  part.method = http::verb::put;
  part.path = "/data/k";
  part.body = "x";
  part.query = {{"partNumber", "1"}, {"uploadId", "nope"}};
  CHECK(s3.Send(part).ErrorCode() == "NoSuchUpload");
  part.query = {{"partNumber", "10001"}, {"uploadId", "nope"}};
  CHECK(s3.Send(part).ErrorCode() == "InvalidArgument");
}

TEST_CASE("CopyObject onto itself needs a change; REPLACE takes the request's metadata") {
  S3ApiFixture s3;
  REQUIRE(s3.Put("/data").status == 200);
  REQUIRE(s3.Put("/data/k", "bytes", {{"x-amz-meta-a", "1"}}).status == 200);
  Reply same = s3.Put("/data/k", "", {{"x-amz-copy-source", "data/k"}});
  CHECK(same.status == 400);
  CHECK(same.ErrorCode() == "InvalidRequest");
  Reply replaced = s3.Put("/data/k", "",
                          {{"x-amz-copy-source", "/data/k"},
                           {"x-amz-metadata-directive", "REPLACE"},
                           {"x-amz-meta-b", "2"}});
  REQUIRE(replaced.status == 200);
  CHECK(XmlChild(replaced.body, "CopyObjectResult", "ETag") ==
        "\"" + storage::HexEncode(storage::Md5("bytes")) + "\"");
  Reply head = s3.Head("/data/k");
  CHECK(head.Header("x-amz-meta-b") == "2");
  CHECK(head.Header("x-amz-meta-a").empty());
  CHECK(s3.Put("/data/c", "", {{"x-amz-copy-source", "data/missing"}}).ErrorCode() == "NoSuchKey");
  CHECK(s3.Put("/data/c", "",
               {{"x-amz-copy-source", "data/k"}, {"x-amz-copy-source-if-match", "\"other\""}})
            .ErrorCode() == "PreconditionFailed");
}

TEST_CASE("DeleteObjects deletes each key and reports absent keys as deleted") {
  S3ApiFixture s3;
  REQUIRE(s3.Put("/data").status == 200);
  REQUIRE(s3.Put("/data/a", "1").status == 200);
  RequestSpec del;
  del.method = http::verb::post;
  del.path = "/data";
  del.query = {{"delete", ""}};
  del.body = "<Delete><Object><Key>a</Key></Object><Object><Key>b</Key></Object></Delete>";
  Reply reply = s3.Send(del);
  REQUIRE(reply.status == 200);
  CHECK(reply.body.find("<Deleted><Key>a</Key></Deleted><Deleted><Key>b</Key></Deleted>") !=
        std::string::npos);
  CHECK(s3.Get("/data/a").status == 404);
  del.headers = {{"Content-MD5", Md5Base64("something else")}};
  CHECK(s3.Send(del).ErrorCode() == "BadDigest");
}

TEST_CASE("Conditional writes create only if absent and replace only the named ETag") {
  S3ApiFixture s3;
  REQUIRE(s3.Put("/data").status == 200);
  CHECK(s3.Put("/data/k", "v1", {{"If-None-Match", "*"}}).status == 200);
  CHECK(s3.Put("/data/k", "v2", {{"If-None-Match", "*"}}).ErrorCode() == "PreconditionFailed");
  CHECK(s3.Put("/data/k", "v2", {{"If-Match", "\"0000\""}}).ErrorCode() == "PreconditionFailed");
  const std::string etag = "\"" + storage::HexEncode(storage::Md5("v1")) + "\"";
  CHECK(s3.Put("/data/k", "v2", {{"If-Match", etag}}).status == 200);
  CHECK(s3.Get("/data/k").body == "v2");
  CHECK(s3.Put("/data/absent", "x", {{"If-Match", etag}}).ErrorCode() == "NoSuchKey");
}

}  // namespace
}  // namespace strata::api
