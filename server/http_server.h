// The HTTP/1.1 front of the server (Boost.Beast over Asio): accepts connections, reads request
// headers on I/O threads, runs each request on the worker pool through a RequestHandler, and
// streams bodies both ways in bounded buffers. See README.md for the threading model.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/system/error_code.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "server/request_handler.h"
#include "server/worker_pool.h"

namespace strata::server {

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 9000;  // 0: any free port (tests); see local_port()
  size_t io_threads = 2;
  size_t max_connections = 4096;      // beyond: accepted and closed at once
  uint32_t header_limit = 16 * 1024;  // bytes of request line + header fields
  size_t max_header_fields = 200;
  std::chrono::milliseconds header_timeout{30'000};  // first request's header
  std::chrono::milliseconds idle_timeout{60'000};    // keep-alive wait for the next request
  std::chrono::milliseconds body_timeout{60'000};    // no request-body progress for this long
  std::chrono::milliseconds write_timeout{60'000};   // no response-write progress for this long
  std::chrono::milliseconds shutdown_grace{30'000};  // in-flight requests' time to finish
  size_t stream_buffer = 256 * 1024;  // response streaming buffer (two per streaming response)
  size_t drain_limit = 64 * 1024;     // an unread request body up to this is drained, not closed
};

struct ServerState;

class HttpServer {
 public:
  // `handler` and `pool` are not owned. REQUIRES: the pool is shut down (its queue drained)
  // before the handler is destroyed; the server's own state is shared with its connections, so
  // the HttpServer itself may go first.
  HttpServer(HttpServerOptions options, RequestHandler& handler, WorkerPool& pool);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Resolves the address, binds and listens. Errors: address in use, address not available,
  // permission denied, unresolvable host.
  [[nodiscard]] boost::system::error_code Listen();
  // REQUIRES: Listen() succeeded. The bound port (useful with port 0).
  uint16_t local_port() const;

  // Runs the I/O threads (the calling thread is one of them) until the server has stopped:
  // after Stop(), or SIGTERM/SIGINT when `handle_signals`. Stopping closes the listener and idle
  // connections, lets in-flight requests finish for up to shutdown_grace, then closes the rest.
  // REQUIRES: Listen() succeeded; called once.
  void Run(bool handle_signals);

  // Begins the graceful shutdown. Thread-safe; idempotent.
  void Stop();

  // Whether GET /health/ready answers 200 (true after construction; false while stopping).
  void set_ready(bool ready);

 private:
  void DoAccept();
  void BeginShutdown();
  void PollShutdown(std::chrono::steady_clock::time_point deadline, bool forced);

  std::shared_ptr<ServerState> state_;
  boost::asio::io_context ioc_;
  boost::asio::ip::tcp::acceptor acceptor_;
};

}  // namespace strata::server
