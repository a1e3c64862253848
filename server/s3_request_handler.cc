// Adapts api::S3Api to the server's RequestHandler. This file is the only one in server/ that
// needs api/'s compiled code (the S3Api and the error table), so the HTTP layer's unit tests link
// without it (see CMakeLists.txt).
#include <boost/beast/http/field.hpp>

#include "api/s3_api.h"
#include "api/s3_errors.h"
#include "server/request_handler.h"

namespace strata::server {
namespace {

class S3RequestHandler final : public RequestHandler {
 public:
  explicit S3RequestHandler(api::S3Api& api) : api_(api) {}

  api::Response Handle(const http::request_header<>& request, storage::ByteSource& body,
                       const api::RequestContext& context) override {
    return api_.Handle(request, body, context);
  }

  api::Response Overloaded(const http::request_header<>& request,
                           const api::RequestContext& context) override {
    const api::S3ErrorInfo& info = api::GetS3ErrorInfo(api::S3Errc::kSlowDown);
    api::Response r;
    r.header.result(info.http_status);
    r.header.set(http::field::content_type, "application/xml");
    r.header.set(http::field::retry_after, "1");
    std::string_view target = request.target();
    r.body = api::RenderErrorXml(api::S3Errc::kSlowDown, target.substr(0, target.find('?')),
                                 context.request_id);
    return r;
  }

 private:
  api::S3Api& api_;
};

}  // namespace

std::unique_ptr<RequestHandler> NewS3RequestHandler(api::S3Api& api) {
  return std::make_unique<S3RequestHandler>(api);
}

}  // namespace strata::server
