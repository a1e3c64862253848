// What the HTTP layer knows about one answered request: the input of the access log and the
// request metrics. A plain value.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace strata::server {

struct RequestRecord {
  std::chrono::system_clock::time_point time;  // when the request header had been read
  std::string request_id;                      // as sent in x-amz-request-id
  std::string remote;                          // client address
  std::string method;                          // "GET"; empty for an unparsable request
  std::string target;                          // raw request target, query included
  std::string operation;   // "PutObject", "Health", "Metrics", "Admin", ... ("" if unknown)
  std::string access_key;  // the access key the request claims (not proof of identity)
  std::string user_agent;
  unsigned status = 0;
  uint64_t bytes_in = 0;                 // request body bytes received (after HTTP framing)
  uint64_t bytes_out = 0;                // response body bytes sent
  std::chrono::nanoseconds duration{0};  // header read -> response written
  bool tls = false;
};

}  // namespace strata::server
