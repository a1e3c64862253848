// The structured access log: one JSON line per answered request, on stderr or in a file
// (config "access_log"). Written at level info, so --log-level warn or error turns it off.
// Pure formatting functions plus a small thread-safe writer.
#pragma once

#include <boost/beast/http/message.hpp>
#include <memory>
#include <string>
#include <string_view>

#include "server/log.h"
#include "server/request_record.h"

namespace strata::server {

// The request target with the values of credential-bearing query parameters (X-Amz-Signature,
// X-Amz-Credential, X-Amz-Security-Token, and SigV2's Signature and AWSAccessKeyId; names
// compared case-insensitively) replaced by "REDACTED". Everything else is kept byte for byte.
std::string RedactTarget(std::string_view target);

// The access key a request claims: from "Authorization: AWS4-HMAC-SHA256 Credential=AK/...",
// "Authorization: AWS AK:sig", or a presigned X-Amz-Credential / AWSAccessKeyId query
// parameter; "" for anonymous or unparsable requests. At most 128 characters.
std::string ClaimedAccessKey(const boost::beast::http::request_header<>& request);

// One access-log line (JSON object, no newline): time, request_id, remote, method, path
// (redacted), operation, status, bytes_in, bytes_out, duration_ms, access_key, user_agent, tls.
// Invalid UTF-8 from the client is replaced, never thrown on.
std::string FormatAccessLogLine(const RequestRecord& record);

// Writes access-log lines, deferred (LineWriter::WriteDeferred: batched, at most
// LineWriter::kDeferredFlush late). Thread-safe.
class AccessLog {
 public:
  // `writer` may be null: stderr.
  explicit AccessLog(std::unique_ptr<LineWriter> writer = nullptr);
  // Writes the lines still deferred.
  ~AccessLog();
  AccessLog(const AccessLog&) = delete;
  AccessLog& operator=(const AccessLog&) = delete;
  // Queues the record's line when the log level includes info.
  void Record(const RequestRecord& record);

 private:
  std::unique_ptr<LineWriter> owned_;
  LineWriter* writer_;
};

}  // namespace strata::server
