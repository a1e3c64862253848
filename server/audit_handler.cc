#include "server/audit_handler.h"

#include <boost/beast/http/field.hpp>
#include <charconv>

#include "server/access_log.h"
#include "server/log.h"

namespace strata::server {
namespace {

// Counts the body bytes the handler actually read.
class CountingSource final : public storage::ByteSource {
 public:
  explicit CountingSource(storage::ByteSource& inner) : inner_(inner) {}
  storage::Result<size_t> Read(std::span<std::byte> out) override {
    auto r = inner_.Read(out);
    if (r) count_ += *r;
    return r;
  }
  uint64_t count() const { return count_; }

 private:
  storage::ByteSource& inner_;
  uint64_t count_ = 0;
};

uint64_t ResponseBodyBytes(const http::request_header<>& request, const api::Response& r) {
  if (request.method() == http::verb::head) return 0;
  if (!r.stream) return r.body.size();
  std::string_view cl = r.header[http::field::content_length];
  uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(cl.data(), cl.data() + cl.size(), v);
  return ec == std::errc() && ptr == cl.data() + cl.size() ? v : 0;
}

class AuditRequestHandler final : public RequestHandler {
 public:
  AuditRequestHandler(RequestHandler& inner, AuditLog& log, AuditHandlerOptions options)
      : inner_(inner), log_(log), options_(std::move(options)) {}

  api::Response Handle(const http::request_header<>& request, storage::ByteSource& body,
                       const api::RequestContext& context) override {
    const bool read = request.method() == http::verb::get || request.method() == http::verb::head;
    if (read && !options_.reads) return inner_.Handle(request, body, context);
    CountingSource counted(body);
    api::Response r = inner_.Handle(request, counted, context);

    AuditEvent e;
    e.time = std::chrono::system_clock::now();
    e.request_id = context.request_id;
    e.principal = ClaimedAccessKey(request);
    e.remote = context.remote_address;
    e.operation = r.operation;
    // The admin API and /metrics address no bucket (their paths would read as bucket "strata").
    if (options_.locate && !r.operation.starts_with("Admin") && r.operation != "Metrics") {
      AuditTarget t = options_.locate(request);
      e.bucket = std::move(t.bucket);
      e.key = std::move(t.key);
    }
    e.version_id = std::string(r.header["x-amz-version-id"]);
    e.status = r.header.result_int();
    e.bytes_in = counted.count();
    e.bytes_out = ResponseBodyBytes(request, r);
    auto seq = log_.Append(e);
    if (seq) return r;

    Log(LogLevel::kError,
        "request " + context.request_id +
            ": audit record not written, answering 500: " + seq.error().message());
    api::Response failed;
    failed.header.result(http::status::internal_server_error);
    failed.header.set(http::field::content_type, "application/xml");
    failed.operation = r.operation;
    if (request.method() != http::verb::head) {
      failed.body =
          "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>InternalError</Code>"
          "<Message>We encountered an internal error. Please try again.</Message><RequestId>" +
          context.request_id + "</RequestId></Error>";
    }
    return failed;
  }

  api::Response Overloaded(const http::request_header<>& request,
                           const api::RequestContext& context) override {
    return inner_.Overloaded(request, context);
  }

 private:
  RequestHandler& inner_;
  AuditLog& log_;
  const AuditHandlerOptions options_;
};

}  // namespace

std::unique_ptr<RequestHandler> NewAuditRequestHandler(RequestHandler& inner, AuditLog& log,
                                                       AuditHandlerOptions options) {
  return std::make_unique<AuditRequestHandler>(inner, log, std::move(options));
}

}  // namespace strata::server
