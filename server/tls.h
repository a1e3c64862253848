// The server's TLS settings: an OpenSSL context for HTTPS (boost::asio::ssl) with TLS 1.2 as the
// minimum and forward-secret AEAD ciphers only.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <string>

namespace strata::server {

// TLS 1.2 cipher suites offered (TLS 1.3 suites are OpenSSL's defaults, all AEAD): ECDHE key
// exchange with AES-GCM or ChaCha20-Poly1305.
inline constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

// Builds a server context from a PEM certificate chain file (leaf first) and a PEM private key
// file. nullptr with `*error` naming the file and OpenSSL's reason when a file is unreadable,
// not PEM, or the key does not match the certificate. The context is immutable afterwards and
// may be shared by every connection.
std::shared_ptr<boost::asio::ssl::context> MakeServerTlsContext(const std::string& cert_file,
                                                                const std::string& key_file,
                                                                std::string* error);

}  // namespace strata::server
