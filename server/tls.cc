#include "server/tls.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

namespace strata::server {

namespace ssl = boost::asio::ssl;

namespace {

// OpenSSL's error queue holds the precise reason ("no start line", "key values mismatch");
// asio's error_code message is often just "system lib".
std::string Reason(const boost::system::error_code& ec) {
  unsigned long e = ERR_get_error();
  std::string out = ec.message();
  if (e != 0) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof(buf));
    out = buf;
  }
  ERR_clear_error();
  return out;
}

}  // namespace

std::shared_ptr<ssl::context> MakeServerTlsContext(const std::string& cert_file,
                                                   const std::string& key_file,
                                                   std::string* error) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  boost::system::error_code ec;
  // No SSLv2/3, TLS 1.0/1.1; fresh ECDHE keys; no compression (CRIME); the server's cipher order.
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                       ssl::context::single_dh_use | ssl::context::no_compression,
                   ec);
  SSL_CTX* native = ctx->native_handle();
  if (ec || SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1 ||
      SSL_CTX_set_cipher_list(native, kTls12Ciphers) != 1) {
    if (error) *error = "cannot set up TLS: " + Reason(ec);
    return nullptr;
  }
  SSL_CTX_set_options(native, SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_RENEGOTIATION);
  ctx->use_certificate_chain_file(cert_file, ec);
  if (ec) {
    if (error) *error = "cannot load TLS certificate \"" + cert_file + "\": " + Reason(ec);
    return nullptr;
  }
  ctx->use_private_key_file(key_file, ssl::context::pem, ec);
  if (ec) {
    if (error) *error = "cannot load TLS key \"" + key_file + "\": " + Reason(ec);
    return nullptr;
  }
  if (SSL_CTX_check_private_key(native) != 1) {
    if (error) {
      *error = "TLS key \"" + key_file + "\" does not match certificate \"" + cert_file +
               "\": " + Reason({});
    }
    return nullptr;
  }
  return ctx;
}

}  // namespace strata::server
