#include "tools/admin/admin_client.h"

#include <openssl/evp.h>
#include <openssl/ssl.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "api/sigv4_sign.h"

namespace strata::admin {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

// Lower-case hex SHA-256 of `data`, as x-amz-content-sha256 carries it.
std::string Sha256Hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < length; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 0xF]);
  }
  return out;
}

constexpr size_t kMaxResponseBody = 16 * 1024 * 1024;

template <class Stream>
std::optional<HttpResult> Exchange(Stream& stream, http::request<http::string_body>& req,
                                   std::string* error) {
  beast::error_code ec;
  http::write(stream, req, ec);
  if (ec) {
    *error = "sending the request failed: " + ec.message();
    return std::nullopt;
  }
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(kMaxResponseBody);
  // A HEAD answer announces a Content-Length it never sends.
  if (req.method() == http::verb::head) parser.skip(true);
  http::read(stream, buffer, parser, ec);
  if (ec) {
    *error = "reading the response failed: " + ec.message();
    return std::nullopt;
  }
  HttpResult r;
  r.status = parser.get().result_int();
  r.content_type = std::string(parser.get()[http::field::content_type]);
  r.body = std::move(parser.get().body());
  return r;
}

}  // namespace

std::optional<Endpoint> ParseEndpoint(std::string_view url) {
  Endpoint e;
  if (url.starts_with("https://")) {
    e.tls = true;
    url.remove_prefix(8);
  } else if (url.starts_with("http://")) {
    url.remove_prefix(7);
  } else {
    return std::nullopt;
  }
  while (url.ends_with("/")) url.remove_suffix(1);
  if (url.empty() || url.find('/') != std::string_view::npos) return std::nullopt;
  std::string_view host = url;
  std::string_view port;
  if (url.front() == '[') {
    size_t close = url.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = url.substr(1, close - 1);
    std::string_view rest = url.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return std::nullopt;
      port = rest.substr(1);
    }
  } else if (size_t colon = url.rfind(':'); colon != std::string_view::npos) {
    host = url.substr(0, colon);
    port = url.substr(colon + 1);
  }
  if (host.empty()) return std::nullopt;
  if (port.empty()) port = e.tls ? "443" : "80";
  for (char c : port) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  e.host = std::string(host);
  e.port = std::string(port);
  return e;
}

std::optional<HttpResult> AdminClient::Call(std::string_view method, const std::string& target,
                                            std::string* error) {
  // The admin API takes its parameters in the query: an empty body.
  return Send(HttpRequest{std::string(method), target, {}, {}}, error);
}

std::optional<HttpResult> AdminClient::Send(const HttpRequest& request, std::string* error) {
  const Endpoint& ep = options_.endpoint;
  http::request<http::string_body> req;
  req.method_string(request.method);
  req.target(request.target);
  req.version(11);
  const bool default_port = ep.port == (ep.tls ? "443" : "80");
  const std::string host_name =
      ep.host.find(':') != std::string::npos ? "[" + ep.host + "]" : ep.host;
  req.set(http::field::host, default_port ? host_name : host_name + ":" + ep.port);
  req.set(http::field::user_agent, "strata-admin");
  req.set(http::field::connection, "close");
  for (const auto& [name, value] : request.headers) req.set(name, value);
  req.body() = request.body;
  req.prepare_payload();
  api::SigningParams params;
  params.access_key = options_.access_key;
  params.secret_key = options_.secret_key;
  params.region = options_.region;
  params.now = std::chrono::system_clock::now();
  api::SignRequest(req.base(), params, Sha256Hex(request.body));

  asio::io_context ioc;
  beast::error_code ec;
  tcp::resolver resolver(ioc);
  auto results = resolver.resolve(ep.host, ep.port, ec);
  if (ec) {
    *error = "cannot resolve " + ep.host + ": " + ec.message();
    return std::nullopt;
  }
  beast::tcp_stream tcp_stream(ioc);
  tcp_stream.expires_after(options_.timeout);
  tcp_stream.connect(results, ec);
  if (ec) {
    *error = "cannot connect to " + host_name + ":" + ep.port + ": " + ec.message();
    return std::nullopt;
  }
  // Sync operations on tcp_stream do not honour expires_after; a socket timeout bounds them.
  struct timeval tv {};
  tv.tv_sec = static_cast<long>(options_.timeout.count());
  ::setsockopt(tcp_stream.socket().native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  ::setsockopt(tcp_stream.socket().native_handle(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));

  if (!ep.tls) return Exchange(tcp_stream, req, error);

  ssl::context ctx(ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
  if (options_.insecure) {
    ctx.set_verify_mode(ssl::verify_none);
  } else {
    ctx.set_verify_mode(ssl::verify_peer);
    if (!options_.ca_file.empty()) {
      ctx.load_verify_file(options_.ca_file, ec);
      if (ec) {
        *error = "cannot load CA file \"" + options_.ca_file + "\": " + ec.message();
        return std::nullopt;
      }
    } else {
      ctx.set_default_verify_paths(ec);
    }
    ctx.set_verify_callback(ssl::host_name_verification(ep.host));
  }
  beast::ssl_stream<beast::tcp_stream> stream(std::move(tcp_stream), ctx);
  if (!SSL_set_tlsext_host_name(stream.native_handle(), ep.host.c_str())) {
    *error = "cannot set TLS server name";
    return std::nullopt;
  }
  stream.handshake(ssl::stream_base::client, ec);
  if (ec) {
    *error = "TLS handshake with " + host_name + ":" + ep.port + " failed: " + ec.message();
    return std::nullopt;
  }
  auto result = Exchange(stream, req, error);
  stream.shutdown(ec);  // close_notify; the server may already have closed
  return result;
}

}  // namespace strata::admin
