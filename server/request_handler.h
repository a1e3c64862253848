// What the HTTP layer runs for each request: the seam between server/ (sockets, threads) and the
// S3 protocol. Production wraps api::S3Api (s3_request_handler.cc); server tests use fakes, so
// the HTTP layer is tested without the storage stack.
#pragma once

#include <boost/beast/http/message.hpp>
#include <memory>

#include "api/s3_api.h"
#include "storage/stream.h"

namespace strata::api {
class S3Api;
}

namespace strata::server {

namespace http = boost::beast::http;

class RequestHandler {
 public:
  virtual ~RequestHandler() = default;

  // Runs on a worker thread and may block. Same contract as api::S3Api::Handle: `body` yields
  // the request body with HTTP framing removed; the handler may return without draining it.
  // Thread-safe.
  virtual api::Response Handle(const http::request_header<>& request, storage::ByteSource& body,
                               const api::RequestContext& context) = 0;

  // Runs on an I/O thread and must not block: the answer when every worker is busy and the
  // queue is full (S3: 503 SlowDown). Thread-safe.
  virtual api::Response Overloaded(const http::request_header<>& request,
                                   const api::RequestContext& context) = 0;
};

// The production handler over `api` (not owned; must outlive the result).
std::unique_ptr<RequestHandler> NewS3RequestHandler(api::S3Api& api);

}  // namespace strata::server
