// The HTTPS listener: TLS contexts from PEM files and a real handshake against the HTTP layer.
#include "server/tls.h"

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "server/http_server.h"

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using strata::server::HttpServer;
using strata::server::HttpServerOptions;
using strata::server::MakeServerTlsContext;

// A temp folder with a self-signed P-256 certificate for localhost / 127.0.0.1, made with
// OpenSSL's API (no CLI needed).
struct Pki {
  std::filesystem::path dir;
  bool ok = false;
  Pki() {
    dir =
        std::filesystem::temp_directory_path() / ("strata-tls-test-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    EVP_PKEY* key = EVP_EC_gen("P-256");
    X509* cert = X509_new();
    if (key == nullptr || cert == nullptr) return;
    X509_set_version(cert, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert), -300);
    X509_gmtime_adj(X509_getm_notAfter(cert), 86400);
    X509_set_pubkey(cert, key);
    X509_NAME* name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
    X509_set_issuer_name(cert, name);
    X509V3_CTX v3;
    X509V3_set_ctx_nodb(&v3);
    X509V3_set_ctx(&v3, cert, cert, nullptr, nullptr, 0);
    X509_EXTENSION* san =
        X509V3_EXT_conf_nid(nullptr, &v3, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1");
    X509_add_ext(cert, san, -1);
    X509_EXTENSION_free(san);
    X509_sign(cert, key, EVP_sha256());
    FILE* f = std::fopen(cert_path().c_str(), "w");
    FILE* k = std::fopen(key_path().c_str(), "w");
    ok = f != nullptr && k != nullptr && PEM_write_X509(f, cert) == 1 &&
         PEM_write_PrivateKey(k, key, nullptr, nullptr, 0, nullptr, nullptr) == 1;
    if (f) std::fclose(f);
    if (k) std::fclose(k);
    X509_free(cert);
    EVP_PKEY_free(key);
  }
  ~Pki() { std::filesystem::remove_all(dir); }
  std::string cert_path() const { return (dir / "cert.pem").string(); }
  std::string key_path() const { return (dir / "key.pem").string(); }
  std::string cert() const { return cert_path(); }
  std::string key() const { return key_path(); }
};

class OkHandler : public strata::server::RequestHandler {
 public:
  strata::api::Response Handle(const http::request_header<>&, strata::storage::ByteSource&,
                               const strata::api::RequestContext& ctx) override {
    strata::api::Response r;
    r.header.result(http::status::ok);
    r.body = ctx.secure ? "secure" : "plain";
    return r;
  }
  strata::api::Response Overloaded(const http::request_header<>&,
                                   const strata::api::RequestContext&) override {
    return {};
  }
};

}  // namespace

TEST_CASE("a TLS context loads a matching certificate and key") {
  Pki pki;
  REQUIRE(pki.ok);
  std::string error;
  auto ctx = MakeServerTlsContext(pki.cert(), pki.key(), &error);
  REQUIRE(ctx);
  CHECK(error.empty());
  CHECK(SSL_CTX_get_min_proto_version(ctx->native_handle()) == TLS1_2_VERSION);
}

TEST_CASE("a missing or non-PEM certificate or key fails with the file named") {
  Pki pki;
  REQUIRE(pki.ok);
  std::string error;
  CHECK_FALSE(MakeServerTlsContext(pki.dir.string() + "/nope.pem", pki.key(), &error));
  CHECK(error.find("nope.pem") != std::string::npos);
  std::ofstream(pki.dir / "junk.pem") << "not a pem file\n";
  error.clear();
  CHECK_FALSE(MakeServerTlsContext(pki.cert(), (pki.dir / "junk.pem").string(), &error));
  CHECK(error.find("junk.pem") != std::string::npos);
}

TEST_CASE("HTTP and HTTPS listeners serve together and requests know which they came by") {
  Pki pki;
  REQUIRE(pki.ok);
  std::string error;
  HttpServerOptions o;
  o.port = 0;
  o.tls_port = 0;
  o.tls_context = MakeServerTlsContext(pki.cert(), pki.key(), &error);
  REQUIRE(o.tls_context);
  std::vector<strata::server::RequestRecord> records;
  std::mutex mu;
  o.on_request = [&](const strata::server::RequestRecord& r) {
    std::lock_guard lock(mu);
    records.push_back(r);
  };
  OkHandler handler;
  strata::server::WorkerPool pool(2, 8);
  HttpServer server(o, handler, pool);
  REQUIRE_FALSE(server.Listen());
  REQUIRE(server.local_port() != 0);
  REQUIRE(server.tls_port() != 0);
  std::thread runner([&] { server.Run(false); });

  asio::io_context ioc;
  {
    ssl::context client(ssl::context::tls_client);
    client.load_verify_file(pki.cert());
    client.set_verify_mode(ssl::verify_peer);
    ssl::stream<asio::ip::tcp::socket> s(ioc, client);
    s.next_layer().connect({asio::ip::make_address("127.0.0.1"), server.tls_port()});
    s.handshake(ssl::stream_base::client);
    http::request<http::string_body> req(http::verb::get, "/x", 11);
    req.set(http::field::host, "127.0.0.1");
    http::write(s, req);
    beast::flat_buffer buf;
    http::response<http::string_body> res;
    http::read(s, buf, res);
    CHECK(res.result_int() == 200);
    CHECK(res.body() == "secure");
  }
  {
    asio::ip::tcp::socket s(ioc);
    s.connect({asio::ip::make_address("127.0.0.1"), server.local_port()});
    http::request<http::string_body> req(http::verb::get, "/y", 11);
    req.set(http::field::host, "127.0.0.1");
    http::write(s, req);
    beast::flat_buffer buf;
    http::response<http::string_body> res;
    http::read(s, buf, res);
    CHECK(res.body() == "plain");
  }
  {
    // TLS 1.1 only: refused in the handshake.
    ssl::context old(ssl::context::tls_client);
    SSL_CTX_set_security_level(old.native_handle(), 0);
    SSL_CTX_set_min_proto_version(old.native_handle(), TLS1_1_VERSION);
    SSL_CTX_set_max_proto_version(old.native_handle(), TLS1_1_VERSION);
    old.set_verify_mode(ssl::verify_none);
    ssl::stream<asio::ip::tcp::socket> s(ioc, old);
    s.next_layer().connect({asio::ip::make_address("127.0.0.1"), server.tls_port()});
    boost::system::error_code ec;
    s.handshake(ssl::stream_base::client, ec);
    CHECK(ec);
  }
  server.Stop();
  runner.join();
  pool.Shutdown();
  std::lock_guard lock(mu);
  REQUIRE(records.size() == 2);
  // Records are appended after each response is written, so their order may differ from the
  // order of the requests: find each by its target.
  const bool x_first = records[0].target == "/x";
  const auto& tls_record = records[x_first ? 0 : 1];
  const auto& plain_record = records[x_first ? 1 : 0];
  CHECK(tls_record.target == "/x");
  CHECK(tls_record.tls);
  CHECK(tls_record.status == 200);
  CHECK(tls_record.bytes_out == 6);
  CHECK_FALSE(plain_record.tls);
}
