#include "api/sse_headers.h"

#include <catch2/catch.hpp>
#include <string>
#include <utility>
#include <vector>

#include "storage/checksum.h"

namespace strata::api {
namespace {

namespace http = boost::beast::http;
using Headers = std::vector<std::pair<std::string, std::string>>;

const std::string kKey(32, 'k');

http::request_header<> Request(const Headers& headers) {
  http::request_header<> request;
  request.method(http::verb::put);
  request.target("/b/k");
  for (const auto& [name, value] : headers) request.insert(name, value);
  return request;
}

std::string B64(std::string_view raw) { return storage::Base64Encode(raw); }

Headers CustomerHeaders(std::string_view prefix, const std::string& key = kKey) {
  std::string p(prefix);
  return {
      {p + "algorithm", "AES256"}, {p + "key", B64(key)}, {p + "key-MD5", B64(storage::Md5(key))}};
}

struct Parsed {
  Result<SseHeaders> result;
  std::string message;
};

Parsed Write(const Headers& headers) {
  std::string message;
  auto request = Request(headers);
  auto result = ParseSseWriteHeaders(request, &message);
  return {std::move(result), std::move(message)};
}

S3Errc Code(const Parsed& p) { return p.result ? S3Errc::kOk : ToS3Error(p.result.error()); }

TEST_CASE("A write without encryption headers asks for no encryption") {
  Parsed p = Write({{"content-type", "text/plain"}});
  REQUIRE(p.result.has_value());
  CHECK(p.result->mode == storage::SseMode::kNone);
  CHECK(p.result->customer_key.empty());
}

TEST_CASE("x-amz-server-side-encryption AES256 asks for SSE-S3") {
  Parsed p = Write({{"x-amz-server-side-encryption", "AES256"}});
  REQUIRE(p.result.has_value());
  CHECK(p.result->mode == storage::SseMode::kS3);
  CHECK(p.result->ToRequest().mode == storage::SseMode::kS3);
}

TEST_CASE("KMS encryption methods are not implemented") {
  for (const char* method : {"aws:kms", "aws:kms:dsse"}) {
    Parsed p = Write({{"x-amz-server-side-encryption", method}});
    CHECK(Code(p) == S3Errc::kNotImplemented);
    CHECK(GetS3ErrorInfo(S3Errc::kNotImplemented).http_status == 501);
  }
}

TEST_CASE("An unknown encryption method is InvalidArgument with AWS's message") {
  for (const char* method : {"AES128", "aes256", "", "AES256 AES256"}) {
    Parsed p = Write({{"x-amz-server-side-encryption", method}});
    CHECK(Code(p) == S3Errc::kInvalidArgument);
    CHECK(p.message == "The encryption method specified is not supported");
  }
}

TEST_CASE("A KMS key id without aws:kms is InvalidArgument") {
  Parsed p = Write({{"x-amz-server-side-encryption", "AES256"},
                    {"x-amz-server-side-encryption-aws-kms-key-id", "arn:aws:kms:key/1"}});
  CHECK(Code(p) == S3Errc::kInvalidArgument);
  Parsed alone = Write({{"x-amz-server-side-encryption-context", "e30="}});
  CHECK(Code(alone) == S3Errc::kInvalidArgument);
}

TEST_CASE("A full set of SSE-C headers yields the raw key and its MD5") {
  Parsed p = Write(CustomerHeaders(kSseCustomerPrefix));
  REQUIRE(p.result.has_value());
  CHECK(p.result->mode == storage::SseMode::kCustomer);
  CHECK(p.result->customer_key == kKey);
  CHECK(p.result->customer_key_md5 == B64(storage::Md5(kKey)));
  CHECK(p.result->ToRequest().customer_key == kKey);
}

TEST_CASE("SSE-C header names match whatever their case") {
  Parsed p = Write({{"X-Amz-Server-Side-Encryption-Customer-Algorithm", "AES256"},
                    {"X-AMZ-SERVER-SIDE-ENCRYPTION-CUSTOMER-KEY", B64(kKey)},
                    {"x-amz-server-side-encryption-customer-key-md5", B64(storage::Md5(kKey))}});
  REQUIRE(p.result.has_value());
  CHECK(p.result->mode == storage::SseMode::kCustomer);
}

TEST_CASE("SSE-S3 and SSE-C together are InvalidArgument") {
  Headers h = CustomerHeaders(kSseCustomerPrefix);
  h.emplace_back("x-amz-server-side-encryption", "AES256");
  Parsed p = Write(h);
  CHECK(Code(p) == S3Errc::kInvalidArgument);
  CHECK(p.message.find("incompatible") != std::string::npos);
}

TEST_CASE("An SSE-C algorithm other than AES256 is InvalidEncryptionAlgorithmError") {
  Headers h = CustomerHeaders(kSseCustomerPrefix);
  h[0].second = "AES128";
  Parsed p = Write(h);
  CHECK(Code(p) == S3Errc::kInvalidEncryptionAlgorithmError);
  CHECK(GetS3ErrorInfo(S3Errc::kInvalidEncryptionAlgorithmError).code ==
        "InvalidEncryptionAlgorithmError");
  CHECK(GetS3ErrorInfo(S3Errc::kInvalidEncryptionAlgorithmError).http_status == 400);
}

TEST_CASE("Each partial set of SSE-C headers is InvalidArgument naming what is missing") {
  const Headers full = CustomerHeaders(kSseCustomerPrefix);
  struct Case {
    size_t drop;
    std::string_view says;
  };
  for (Case c : {Case{0, "encryption algorithm"}, Case{1, "secret key"}, Case{2, "MD5"}}) {
    Headers h;
    for (size_t i = 0; i < full.size(); ++i) {
      if (i != c.drop) h.push_back(full[i]);
    }
    Parsed p = Write(h);
    CHECK(Code(p) == S3Errc::kInvalidArgument);
    CHECK(p.message.find(c.says) != std::string::npos);
  }
  // One header alone is as partial as two.
  Parsed only_key = Write({full[1]});
  CHECK(Code(only_key) == S3Errc::kInvalidArgument);
}

TEST_CASE("A key that is not base64 of 32 bytes is invalid for the algorithm") {
  for (std::string key : {B64(std::string(31, 'k')), B64(std::string(33, 'k')),
                          std::string("not base64!"), std::string(10000, 'A'), std::string()}) {
    Parsed p = Write({{"x-amz-server-side-encryption-customer-algorithm", "AES256"},
                      {"x-amz-server-side-encryption-customer-key", key},
                      {"x-amz-server-side-encryption-customer-key-MD5", B64(storage::Md5(key))}});
    CHECK(Code(p) == S3Errc::kInvalidArgument);
    CHECK(p.message == "The secret key was invalid for the specified algorithm.");
  }
}

TEST_CASE("A key MD5 that is not the key's is InvalidArgument with AWS's message") {
  for (std::string md5 : {B64(storage::Md5("other")), std::string("garbage"), std::string()}) {
    Parsed p = Write({{"x-amz-server-side-encryption-customer-algorithm", "AES256"},
                      {"x-amz-server-side-encryption-customer-key", B64(kKey)},
                      {"x-amz-server-side-encryption-customer-key-MD5", md5}});
    CHECK(Code(p) == S3Errc::kInvalidArgument);
    CHECK(p.message ==
          "The calculated MD5 hash of the key did not match the hash that was provided.");
  }
}

TEST_CASE("Copy-source SSE-C headers are read under their own prefix only") {
  auto request = Request(CustomerHeaders(kCopySourceSseCustomerPrefix, std::string(32, 's')));
  std::string message;
  auto source = ParseSseCustomerHeaders(request, kCopySourceSseCustomerPrefix, &message);
  REQUIRE(source.has_value());
  CHECK(source->mode == storage::SseMode::kCustomer);
  CHECK(source->customer_key == std::string(32, 's'));
  // The destination's prefix sees nothing, and a write asks for no encryption.
  auto destination = ParseSseCustomerHeaders(request, kSseCustomerPrefix, &message);
  REQUIRE(destination.has_value());
  CHECK(destination->mode == storage::SseMode::kNone);
  CHECK(HasSseCustomerHeader(request, kCopySourceSseCustomerPrefix));
  CHECK_FALSE(HasSseCustomerHeader(request, kSseCustomerPrefix));
  auto write = ParseSseWriteHeaders(request, &message);
  REQUIRE(write.has_value());
  CHECK(write->mode == storage::SseMode::kNone);
}

TEST_CASE("Responses name SSE-S3 as AES256 and echo an SSE-C key's MD5, never the key") {
  http::response_header<> s3;
  SetSseResponseHeaders(s3, storage::SseMode::kS3, "ignored");
  CHECK(s3["x-amz-server-side-encryption"] == "AES256");
  CHECK(s3.find("x-amz-server-side-encryption-customer-algorithm") == s3.end());

  http::response_header<> customer;
  SetSseResponseHeaders(customer, storage::SseMode::kCustomer, "bWQ1");
  CHECK(customer["x-amz-server-side-encryption-customer-algorithm"] == "AES256");
  CHECK(customer["x-amz-server-side-encryption-customer-key-MD5"] == "bWQ1");
  CHECK(customer.find("x-amz-server-side-encryption") == customer.end());

  http::response_header<> none;
  SetSseResponseHeaders(none, storage::SseMode::kNone, "");
  CHECK(none.begin() == none.end());
}

}  // namespace
}  // namespace strata::api
