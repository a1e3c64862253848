// The HTTP layer against a fake RequestHandler over real loopback sockets: body streaming both
// ways, 100-continue, chunked bodies, keep-alive, overload, timeouts and graceful shutdown.
#include "server/http_server.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <catch2/catch.hpp>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using asio::ip::tcp;
using strata::api::RequestContext;
using strata::api::Response;
using strata::server::HttpServer;
using strata::server::HttpServerOptions;
using strata::server::RequestHandler;
using strata::server::WorkerPool;

// Yields `size` bytes of a pattern, optionally failing after `fail_after` bytes.
class PatternSource : public strata::storage::ByteSource {
 public:
  PatternSource(uint64_t size, uint64_t fail_after = UINT64_MAX)
      : size_(size), fail_after_(fail_after) {}
  strata::storage::Result<size_t> Read(std::span<std::byte> out) override {
    if (pos_ >= fail_after_)
      return boost::system::error_code(EIO, boost::system::system_category());
    size_t n =
        static_cast<size_t>(std::min<uint64_t>({out.size(), size_ - pos_, fail_after_ - pos_}));
    for (size_t i = 0; i < n; ++i) out[i] = static_cast<std::byte>((pos_ + i) % 251);
    pos_ += n;
    return n;
  }

 private:
  uint64_t size_;
  uint64_t fail_after_;
  uint64_t pos_ = 0;
};

std::string Pattern(uint64_t size) {
  std::string s(size, '\0');
  for (uint64_t i = 0; i < size; ++i) s[i] = static_cast<char>(i % 251);
  return s;
}

// Routes on the target:
//   /echo          reads the whole body, answers it back (and its read error, if any)
//   /stream/N      streams N pattern bytes (Content-Length N)
//   /broken/N      announces N bytes, fails halfway
//   /ignore        answers 200 without reading the body
//   /block         waits until released (for overload and shutdown tests)
class FakeHandler : public RequestHandler {
 public:
  Response Handle(const http::request_header<>& req, strata::storage::ByteSource& body,
                  const RequestContext& ctx) override {
    Response r;
    r.header.result(http::status::ok);
    r.header.set("x-test-request-id", ctx.request_id);
    std::string target(req.target());
    if (target == "/echo") {
      std::string got;
      std::array<std::byte, 1000> buf;  // small, so long bodies take many reads
      for (;;) {
        auto n = body.Read(buf);
        if (!n) {
          r.header.set("x-read-error", n.error().message());
          r.header.set("x-read-timed-out",
                       n.error() == boost::system::errc::timed_out ? "yes" : "no");
          break;
        }
        if (*n == 0) break;
        got.append(reinterpret_cast<const char*>(buf.data()), *n);
      }
      r.body = std::move(got);
    } else if (target.starts_with("/stream/")) {
      uint64_t n = std::stoull(target.substr(8));
      r.header.set(http::field::content_length, std::to_string(n));
      r.stream = std::make_unique<PatternSource>(n);
    } else if (target.starts_with("/broken/")) {
      uint64_t n = std::stoull(target.substr(8));
      r.header.set(http::field::content_length, std::to_string(n));
      r.stream = std::make_unique<PatternSource>(n, n / 2);
    } else if (target == "/ignore") {
      r.body = "ignored";
    } else if (target == "/block") {
      std::unique_lock lock(mu);
      ++blocked;
      cv.notify_all();
      cv.wait(lock, [this] { return released; });
      r.body = "released";
    } else if (target == "/head") {
      r.header.set(http::field::content_length, "1234");
    } else {
      r.header.result(http::status::not_found);
    }
    return r;
  }

  Response Overloaded(const http::request_header<>&, const RequestContext&) override {
    Response r;
    r.header.result(http::status::service_unavailable);
    r.body = "SlowDown";
    return r;
  }

  void Release() {
    std::lock_guard lock(mu);
    released = true;
    cv.notify_all();
  }
  void WaitBlocked(int n) {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return blocked >= n; });
  }

  std::mutex mu;
  std::condition_variable cv;
  int blocked = 0;
  bool released = false;
};

// A running server on a free loopback port.
class TestServer {
 public:
  explicit TestServer(HttpServerOptions options = {}, size_t workers = 4, size_t queue = 16)
      : pool_(workers, queue) {
    options.host = "127.0.0.1";
    options.port = 0;
    options.io_threads = 2;
    server_ = std::make_unique<HttpServer>(options, handler, pool_);
    REQUIRE_FALSE(server_->Listen());
    port = server_->local_port();
    thread_ = std::thread([this] { server_->Run(false); });
  }
  ~TestServer() {
    handler.Release();
    server_->Stop();
    thread_.join();
    pool_.Shutdown();
  }
  void Stop() { server_->Stop(); }
  HttpServer& server() { return *server_; }

  FakeHandler handler;
  uint16_t port = 0;

 private:
  WorkerPool pool_;
  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
};

// A blocking client connection.
class Client {
 public:
  explicit Client(uint16_t port) : socket_(ioc_) {
    socket_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  }
  void Send(std::string_view bytes) { asio::write(socket_, asio::buffer(bytes)); }
  http::response<http::string_body> Receive(bool head = false) {
    http::response_parser<http::string_body> p;
    p.body_limit(64 << 20);
    p.skip(head);
    http::read(socket_, buffer_, p);
    return p.release();
  }
  // Reads until EOF; returns what arrived and whether the peer closed.
  std::string ReadToEof() {
    std::string out(static_cast<const char*>(buffer_.data().data()), buffer_.size());
    buffer_.consume(buffer_.size());
    boost::system::error_code ec;
    std::array<char, 65536> buf;
    for (;;) {
      size_t n = socket_.read_some(asio::buffer(buf), ec);
      out.append(buf.data(), n);
      if (ec) break;
    }
    return out;
  }
  bool ClosedByPeer() {
    boost::system::error_code ec;
    std::array<char, 16> buf;
    socket_.read_some(asio::buffer(buf), ec);
    return ec == asio::error::eof || ec == asio::error::connection_reset;
  }
  // Reads an interim response ("HTTP/1.1 100 Continue\r\n\r\n") byte by byte, so nothing of
  // the final response is consumed.
  std::string ReadInterim() {
    std::string s;
    char ch;
    while (!s.ends_with("\r\n\r\n")) {
      asio::read(socket_, asio::buffer(&ch, 1));
      s.push_back(ch);
    }
    return s;
  }

 private:
  asio::io_context ioc_;
  tcp::socket socket_;
  beast::flat_buffer buffer_;
};

std::string Put(std::string_view target, std::string_view body) {
  return "PUT " + std::string(target) +
         " HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
         std::string(body);
}

}  // namespace

TEST_CASE("health endpoints answer 200 without a worker or credentials") {
  TestServer s;
  Client c(s.port);
  c.Send("GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n");
  auto r = c.Receive();
  CHECK(r.result_int() == 200);
  c.Send("GET /health/ready HTTP/1.1\r\nHost: x\r\n\r\n");
  auto ready = c.Receive();
  CHECK(ready.result_int() == 200);
  CHECK(ready[http::field::server] == "Strata");
  CHECK(ready["x-amz-request-id"].size() == 16);
}

TEST_CASE("a request body with Content-Length reaches the handler whole, across many reads") {
  TestServer s;
  Client c(s.port);
  std::string body = Pattern(300'000);
  c.Send(Put("/echo", body));
  auto r = c.Receive();
  CHECK(r.result_int() == 200);
  CHECK(r.body().size() == body.size());
  CHECK(r.body() == body);
  CHECK(r[http::field::date].ends_with(" GMT"));
  CHECK(r["x-amz-request-id"] == r["x-test-request-id"]);
  CHECK(r["x-amz-id-2"].size() >= 32);
}

TEST_CASE("a chunked request body is decoded before the handler sees it") {
  TestServer s;
  Client c(s.port);
  c.Send(
      "PUT /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n1;ext=1\r\n \r\n5\r\nworld\r\n0\r\n\r\n");
  auto r = c.Receive();
  CHECK(r.body() == "hello world");
}

TEST_CASE("a request without a body reads as empty") {
  TestServer s;
  Client c(s.port);
  c.Send("GET /echo HTTP/1.1\r\nHost: x\r\n\r\n");
  auto r = c.Receive();
  CHECK(r.result_int() == 200);
  CHECK(r.body().empty());
  CHECK(r[http::field::content_length] == "0");
}

TEST_CASE("Expect 100-continue is answered when the handler first reads the body") {
  TestServer s;
  Client c(s.port);
  c.Send("PUT /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
  CHECK(c.ReadInterim() == "HTTP/1.1 100 Continue\r\n\r\n");
  c.Send("abcde");
  auto r = c.Receive();
  CHECK(r.result_int() == 200);
  CHECK(r.body() == "abcde");
}

TEST_CASE(
    "a handler that ignores Expect 100-continue gets its answer out and the connection "
    "closes") {
  TestServer s;
  Client c(s.port);
  c.Send(
      "PUT /ignore HTTP/1.1\r\nHost: x\r\nContent-Length: 5000000\r\nExpect: 100-continue\r\n\r\n");
  auto r = c.Receive();
  CHECK(r.result_int() == 200);
  CHECK(r[http::field::connection] == "close");
  CHECK(c.ClosedByPeer());
}

TEST_CASE("an unread large body closes the connection after the response") {
  TestServer s;
  Client c(s.port);
  c.Send("PUT /ignore HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n\r\n" +
         std::string(100'000, 'x'));
  auto r = c.Receive();
  CHECK(r.body() == "ignored");
  CHECK(r[http::field::connection] == "close");
}

TEST_CASE("an unread small body is drained and the connection stays open") {
  TestServer s;
  Client c(s.port);
  c.Send(Put("/ignore", std::string(1000, 'x')));
  auto r = c.Receive();
  CHECK(r.body() == "ignored");
  CHECK(r[http::field::connection] != "close");
  c.Send(Put("/echo", "second"));
  CHECK(c.Receive().body() == "second");
}

TEST_CASE("keep-alive serves many requests on one connection, including pipelined ones") {
  TestServer s;
  Client c(s.port);
  c.Send(Put("/echo", "one") + Put("/echo", "two") + Put("/echo", "three"));
  CHECK(c.Receive().body() == "one");
  CHECK(c.Receive().body() == "two");
  CHECK(c.Receive().body() == "three");
  c.Send(Put("/echo", "four"));
  CHECK(c.Receive().body() == "four");
}

TEST_CASE("a keep-alive connection's next request is served whether it comes at once or later") {
  TestServer s;
  Client c(s.port);
  // At once: the worker that answered the first takes it; 50 ms later (past the worker's
  // wait) the I/O thread reads it.
  for (int i = 0; i < 20; ++i) {
    c.Send(Put("/echo", "quick " + std::to_string(i)));
    CHECK(c.Receive().body() == "quick " + std::to_string(i));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  c.Send(Put("/echo", "late"));
  CHECK(c.Receive().body() == "late");
  c.Send(Put("/echo", "after late"));
  CHECK(c.Receive().body() == "after late");
}

TEST_CASE("a header split by a pause on a keep-alive connection is read whole") {
  TestServer s;
  Client c(s.port);
  c.Send(Put("/echo", "first"));
  CHECK(c.Receive().body() == "first");
  // The first half while the worker may be waiting for it, the rest after its wait.
  const std::string next = Put("/echo", "second");
  c.Send(next.substr(0, 12));
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  c.Send(next.substr(12));
  CHECK(c.Receive().body() == "second");
}

TEST_CASE("a malformed, oversized or health request after a good one gets the usual answer") {
  TestServer s;
  {
    Client c(s.port);
    c.Send(Put("/echo", "ok"));
    CHECK(c.Receive().body() == "ok");
    c.Send("GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n");
    auto health = c.Receive();
    CHECK(health.result_int() == 200);
    CHECK(health.body() == "ok\n");
    c.Send(Put("/echo", "still open"));
    CHECK(c.Receive().body() == "still open");
    c.Send("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20'000, 'a') + "\r\n\r\n");
    auto big = c.Receive();
    CHECK(big.result_int() == 400);
    CHECK(big.body().find("<Code>RequestHeaderSectionTooLarge</Code>") != std::string::npos);
  }
  {
    Client c(s.port);
    c.Send(Put("/echo", "ok"));
    CHECK(c.Receive().body() == "ok");
    c.Send("GARBAGE\r\n\r\n");
    CHECK(c.Receive().result_int() == 400);
    CHECK(c.ClosedByPeer());
  }
}

TEST_CASE("a streamed response delivers exactly Content-Length bytes and keeps the connection") {
  TestServer s;
  Client c(s.port);
  const uint64_t size = 3 * 1024 * 1024 + 17;  // several stream buffers, uneven end
  c.Send("GET /stream/" + std::to_string(size) + " HTTP/1.1\r\nHost: x\r\n\r\n");
  auto r = c.Receive();
  CHECK(r.result_int() == 200);
  CHECK(r[http::field::content_length] == std::to_string(size));
  CHECK(r.body() == Pattern(size));
  c.Send("GET /stream/0 HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(c.Receive().body().empty());
}

TEST_CASE("a response stream that fails midway closes the connection with a short body") {
  TestServer s;
  Client c(s.port);
  c.Send("GET /broken/1000000 HTTP/1.1\r\nHost: x\r\n\r\n");
  std::string all = c.ReadToEof();  // returns: the server closed, it did not hang
  size_t header_end = all.find("\r\n\r\n");
  REQUIRE(header_end != std::string::npos);
  CHECK(all.find("Content-Length: 1000000") != std::string::npos);
  CHECK(all.size() - header_end - 4 < 1000000);
}

TEST_CASE("HEAD keeps the handler's Content-Length and sends no body") {
  TestServer s;
  Client c(s.port);
  c.Send("HEAD /head HTTP/1.1\r\nHost: x\r\n\r\n");
  auto r = c.Receive(/*head=*/true);
  CHECK(r.result_int() == 200);
  CHECK(r[http::field::content_length] == "1234");
  c.Send(Put("/echo", "after head"));  // the connection is still in sync
  CHECK(c.Receive().body() == "after head");
}

TEST_CASE("a request body that stalls makes the handler's read fail with a timeout") {
  HttpServerOptions o;
  o.body_timeout = std::chrono::milliseconds(300);
  TestServer s(o);
  Client c(s.port);
  c.Send("PUT /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly-some");
  auto r = c.Receive();
  CHECK(r["x-read-timed-out"] == "yes");
  CHECK(r[http::field::connection] == "close");
}

TEST_CASE("a malformed request gets 400 and the connection closes") {
  TestServer s;
  Client c(s.port);
  c.Send("GARBAGE\r\n\r\n");
  auto r = c.Receive();
  CHECK(r.result_int() == 400);
  CHECK(c.ClosedByPeer());
}

TEST_CASE("an oversized header field gets 400 RequestHeaderSectionTooLarge") {
  TestServer s;
  Client c(s.port);
  c.Send("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20'000, 'a') + "\r\n\r\n");
  auto r = c.Receive();
  CHECK(r.result_int() == 400);
  CHECK(r.body().find("<Code>RequestHeaderSectionTooLarge</Code>") != std::string::npos);
}

TEST_CASE("a header section over the total limit gets 400 and a long URI gets 414") {
  TestServer s;
  Client c(s.port);
  std::string many;
  for (int i = 0; i < 20; ++i)
    many += "X-F" + std::to_string(i) + ": " + std::string(4000, 'b') + "\r\n";
  c.Send("GET / HTTP/1.1\r\nHost: x\r\n" + many + "\r\n");
  CHECK(c.Receive().result_int() == 400);
  Client u(s.port);
  u.Send("GET /b/" + std::string(9000, 'k') + " HTTP/1.1\r\nHost: x\r\n\r\n");
  auto r = u.Receive();
  CHECK(r.result_int() == 414);
  CHECK(r.body().find("<Code>RequestURITooLong</Code>") != std::string::npos);
}

TEST_CASE("a header that trickles in slower than the header timeout is cut with 400") {
  HttpServerOptions o;
  o.header_timeout = std::chrono::milliseconds(400);
  TestServer s(o);
  Client c(s.port);
  c.Send("GET / HTTP/1.1\r\nHost: x\r\n");
  auto started = std::chrono::steady_clock::now();
  auto r = c.Receive();
  CHECK(r.result_int() == 400);
  CHECK(r.body().find("<Code>RequestTimeout</Code>") != std::string::npos);
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(5));
}

TEST_CASE("when every worker is busy and the queue is full the server answers 503") {
  TestServer s({}, /*workers=*/1, /*queue=*/0);
  Client busy(s.port);
  busy.Send("GET /block HTTP/1.1\r\nHost: x\r\n\r\n");
  s.handler.WaitBlocked(1);
  Client c(s.port);
  c.Send("GET /echo HTTP/1.1\r\nHost: x\r\n\r\n");
  auto r = c.Receive();
  CHECK(r.result_int() == 503);
  CHECK(r.body() == "SlowDown");
  s.handler.Release();
  CHECK(busy.Receive().body() == "released");
}

TEST_CASE("stopping lets an in-flight request finish and closes idle connections") {
  auto s = std::make_unique<TestServer>();
  Client idle(s->port);
  idle.Send(Put("/echo", "x"));
  CHECK(idle.Receive().body() == "x");
  Client busy(s->port);
  busy.Send("GET /block HTTP/1.1\r\nHost: x\r\n\r\n");
  s->handler.WaitBlocked(1);
  s->Stop();
  CHECK(idle.ClosedByPeer());
  s->handler.Release();
  auto r = busy.Receive();
  CHECK(r.body() == "released");
  CHECK(r[http::field::connection] == "close");
  s.reset();  // Run() returns; the destructor joins
}

TEST_CASE("stopping right after a response closes the connection a worker still holds") {
  auto s = std::make_unique<TestServer>();
  for (int i = 0; i < 5; ++i) {
    Client c(s->port);
    c.Send(Put("/echo", "x"));
    CHECK(c.Receive().body() == "x");
    if (i == 4) {
      // Within the worker's wait for the next request (its socket out of the reactor).
      s->Stop();
      CHECK(c.ClosedByPeer());
    }
  }
  s.reset();
}

TEST_CASE("a body that arrives partly with its header and partly later reaches the handler whole") {
  // The first bytes are parsed on the worker from the header read's buffer; the rest arrives
  // after the worker found the socket empty and handed the read to the I/O thread.
  TestServer s;
  Client c(s.port);
  const std::string body = Pattern(20'000);
  std::string request = Put("/echo", body);
  const size_t cut = request.size() - 15'000;
  c.Send(request.substr(0, cut));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  c.Send(request.substr(cut));
  auto r = c.Receive();
  CHECK(r.result_int() == 200);
  CHECK(r.body() == body);
}

TEST_CASE("a chunked body cut inside a chunk header is decoded across the pause") {
  TestServer s;
  Client c(s.port);
  c.Send("PUT /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6");
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  c.Send("\r\n world\r\n0\r\n\r\n");
  CHECK(c.Receive().body() == "hello world");
}

TEST_CASE("streamed responses of one byte, one buffer and one buffer plus one arrive whole") {
  // The first buffer goes out together with the header; sizes around the buffer's end.
  TestServer s;
  Client c(s.port);
  for (uint64_t size :
       {uint64_t{1}, uint64_t{4096}, uint64_t{256 * 1024}, uint64_t{256 * 1024 + 1}}) {
    c.Send("GET /stream/" + std::to_string(size) + " HTTP/1.1\r\nHost: x\r\n\r\n");
    auto r = c.Receive();
    CHECK(r.result_int() == 200);
    CHECK(r.body() == Pattern(size));
  }
}

TEST_CASE("connections spread over the I/O threads are all served at once") {
  TestServer s;
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < 5; ++i) clients.push_back(std::make_unique<Client>(s.port));
  for (int round = 0; round < 3; ++round) {
    for (size_t i = 0; i < clients.size(); ++i) {
      clients[i]->Send(Put("/echo", "c" + std::to_string(i) + "r" + std::to_string(round)));
    }
    for (size_t i = 0; i < clients.size(); ++i) {
      CHECK(clients[i]->Receive().body() == "c" + std::to_string(i) + "r" + std::to_string(round));
    }
  }
}

TEST_CASE("the server is busy while a request runs and for a window after it, then idle") {
  using namespace std::chrono_literals;
  TestServer s;
  HttpServer& server = s.server();
  CHECK_FALSE(server.ForegroundBusy(1h));  // no request yet
  Client c(s.port);
  c.Send("GET /block HTTP/1.1\r\nHost: x\r\n\r\n");
  s.handler.WaitBlocked(1);
  std::this_thread::sleep_for(30ms);
  CHECK(server.ForegroundBusy(1ms));  // in flight, however long ago it started
  s.handler.Release();
  CHECK(c.Receive().body() == "released");
  CHECK(server.ForegroundBusy(1h));
  // Idle once the request has ended and the window has passed.
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (server.ForegroundBusy(20ms) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(5ms);
  }
  CHECK_FALSE(server.ForegroundBusy(20ms));
  CHECK(server.ForegroundBusy(1h));  // the request's end is still within an hour
}
