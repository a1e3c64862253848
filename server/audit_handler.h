// The audit hook: a RequestHandler in front of the others (admin and S3) that appends one audit
// record per audited request after the handler ran and before the response is sent, and waits
// until the record is durable. Audited: every request that is not GET or HEAD (writes, S3 and
// admin), and GET/HEAD too when `reads` is set. Requests answered on the I/O thread (health
// checks, malformed requests, 503 overload) change nothing and are not audited.
//
// When the record cannot be written the client gets 500 InternalError instead of the handler's
// answer (the operation may have taken effect; no success is acknowledged without its record).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "server/audit_log.h"
#include "server/request_handler.h"

namespace strata::server {

struct AuditTarget {
  std::string bucket;
  std::string key;
};

struct AuditHandlerOptions {
  bool reads = false;
  // The bucket and key a request addresses (main.cc routes with api/); may be empty (then both
  // are recorded empty). Called on workers: thread-safe.
  std::function<AuditTarget(const http::request_header<>&)> locate;
};

// `inner` and `log` are not owned and must outlive the result. Thread-safe.
std::unique_ptr<RequestHandler> NewAuditRequestHandler(RequestHandler& inner, AuditLog& log,
                                                       AuditHandlerOptions options);

}  // namespace strata::server
