// A small synchronous HTTP(S) client for the admin API and the S3 API: one SigV4-signed request
// per call (Boost.Beast over a fresh connection), root credentials. Not thread-safe.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace strata::admin {

struct Endpoint {
  bool tls = false;
  std::string host;  // name or address, without brackets
  std::string port;
};

// "http://HOST[:PORT]" or "https://HOST[:PORT]" (IPv6 as [::1]); a trailing "/" is allowed.
// nullopt for anything else.
std::optional<Endpoint> ParseEndpoint(std::string_view url);

struct ClientOptions {
  Endpoint endpoint;
  std::string access_key;
  std::string secret_key;
  std::string region = "us-east-1";
  std::string ca_file;    // https: trust this PEM file instead of the system store
  bool insecure = false;  // https: do not verify the certificate (testing only)
  std::chrono::seconds timeout{30};
};

struct HttpResult {
  unsigned status = 0;
  std::string content_type;
  std::string body;
};

// One request with a body (S3 calls: CreateBucket, PutBucketLifecycleConfiguration, ...).
struct HttpRequest {
  std::string method;
  std::string target;  // origin form, e.g. "/bucket?lifecycle"
  std::vector<std::pair<std::string, std::string>> headers;  // signed with the request
  std::string body;  // its SHA-256 is signed as x-amz-content-sha256
};

class AdminClient {
 public:
  explicit AdminClient(ClientOptions options) : options_(std::move(options)) {}

  // Sends `method` `target` (origin form, e.g. "/strata/admin/v1/info") with an empty body.
  // Returns the response, or nullopt with *error describing the connection, TLS or protocol
  // failure.
  std::optional<HttpResult> Call(std::string_view method, const std::string& target,
                                 std::string* error);
  // The same for any request (the S3 API included): signed as the root, one connection each.
  std::optional<HttpResult> Send(const HttpRequest& request, std::string* error);

 private:
  ClientOptions options_;
};

}  // namespace strata::admin
