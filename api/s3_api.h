// The S3 protocol front: routes a parsed HTTP request to an operation, authenticates it, runs it
// against the ObjectStore and renders the response. Knows HTTP (Beast message types) and S3;
// knows nothing of sockets, drives or LevelDB.
#pragma once

#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/status.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "api/identity.h"
#include "storage/object_store.h"
#include "storage/stream.h"

namespace strata::api {

namespace http = boost::beast::http;

struct Credentials {
  std::string access_key;
  std::string secret_key;
};

struct ApiConfig {
  std::string region = "us-east-1";
  // Hosts "<bucket>.<domain>" address a bucket virtual-hosted style; any other host is path style.
  std::vector<std::string> virtual_host_domains = {"localhost"};
  Credentials root;
  // Users and their keys and policies (issue 7); null: only the root can sign. Not owned.
  IdentityProvider* identities = nullptr;
  // SSE-C (issue 7): customer keys over plain HTTP are refused (InvalidRequest), as AWS does,
  // unless this is false (a test rig, or TLS terminated by a trusted proxy in front).
  bool sse_customer_keys_need_tls = true;
  // The clock SigV4 checks skew and expiry against; tests replace it.
  std::function<std::chrono::system_clock::time_point()> clock = [] {
    return std::chrono::system_clock::now();
  };
};

struct RequestContext {
  std::string request_id;  // also sent as x-amz-request-id
  std::string remote_address;
  bool secure = false;
};

struct Response {
  // Status and headers. When `stream` is set, Content-Length is set by api/ and the server
  // streams exactly that many bytes from it. Otherwise the server sends `body` and sets
  // Content-Length itself (HEAD responses keep the headers api/ set and send no body).
  http::response_header<> header;
  std::string body;
  std::unique_ptr<storage::ByteSource> stream;
  // The S3 operation that answered ("PutObject", see OperationName in router.h), for metrics
  // and the access log; "" when the request could not be routed.
  std::string operation;
};

class S3Api {
 public:
  S3Api(storage::ObjectStore& store, ApiConfig config);
  ~S3Api();

  // Thread-safe; runs on a worker thread and may block. `body` yields the request body with HTTP
  // framing removed. Handlers read the body only after the request is authenticated, so the
  // server answers "Expect: 100-continue" on the first Read(). A handler may return without
  // draining the body (errors); the server then closes the connection after the response.
  Response Handle(const http::request_header<>& request, storage::ByteSource& body,
                  const RequestContext& context);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace strata::api
