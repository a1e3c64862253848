// The HTTP/1.1 front of the server (Boost.Beast over Asio): accepts connections, reads request
// headers on I/O threads, runs each request on the worker pool through a RequestHandler, and
// streams bodies both ways in bounded buffers. See README.md for the threading model.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/system/error_code.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "server/request_handler.h"
#include "server/request_record.h"
#include "server/worker_pool.h"

namespace strata::server {

struct HttpServerOptions {
  // Plain HTTP listener (unless serve_plain is false).
  bool serve_plain = true;
  std::string host = "127.0.0.1";
  uint16_t port = 9000;  // 0: any free port (tests); see local_port()
  // HTTPS listener, when tls_context is set (see tls.h). Connections of both listeners share
  // the I/O threads, limits and worker pool.
  std::shared_ptr<boost::asio::ssl::context> tls_context;
  std::string tls_host = "127.0.0.1";
  uint16_t tls_port = 9443;  // 0: any free port; see tls_port()
  std::chrono::milliseconds tls_handshake_timeout{10'000};
  // Called once per answered request (access log, metrics), on a worker or an I/O thread;
  // must be thread-safe and quick. May be empty.
  std::function<void(const RequestRecord&)> on_request;
  size_t io_threads = 2;
  size_t max_connections = 4096;  // beyond: accepted and closed at once
  // Beyond these limits the request gets 400 RequestHeaderSectionTooLarge (414 for the URI).
  uint32_t header_limit = 64 * 1024;      // bytes of request line + header fields
  uint32_t header_line_limit = 8 * 1024;  // bytes of one header field ("Name: value\r\n")
  size_t max_header_fields = 200;
  size_t max_uri = 8 * 1024;  // bytes of the request target
  // The whole header (however slowly it trickles in) within this; a partial one then gets 400
  // RequestTimeout, an idle connection is just closed.
  std::chrono::milliseconds header_timeout{30'000};  // first request's header
  std::chrono::milliseconds idle_timeout{60'000};    // keep-alive wait for the next request
  std::chrono::milliseconds body_timeout{60'000};    // no request-body progress for this long
  std::chrono::milliseconds write_timeout{60'000};   // no response-write progress for this long
  std::chrono::milliseconds shutdown_grace{30'000};  // in-flight requests' time to finish
  // Response streaming memory per request: plain HTTP sends from one buffer of this size, TLS
  // from two of half (filled and sent in turn). 256 KiB -> 1 MiB took 64 MiB GETs at 2 streams
  // from 4.45 to 4.72 GB/s on 2 cores (fewer fills and sends per object).
  size_t stream_buffer = 1024 * 1024;
  size_t drain_limit = 64 * 1024;  // an unread request body up to this is drained, not closed
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

  // Resolves the address(es), binds and listens (plain and/or TLS). Errors: address in use,
  // address not available, permission denied, unresolvable host; `*which` (if not null) is set
  // to the address that failed ("HOST:PORT").
  [[nodiscard]] boost::system::error_code Listen(std::string* which = nullptr);
  // REQUIRES: Listen() succeeded. The bound ports (useful with port 0); 0 if not listening.
  uint16_t local_port() const;
  uint16_t tls_port() const;

  // Open client connections (both listeners). Thread-safe.
  size_t connection_count() const;

  // True while a request is being served, or if one started or ended within `window`.
  // Background work that yields to clients (lifecycle transitions) asks this. Thread-safe.
  bool ForegroundBusy(std::chrono::nanoseconds window) const;

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
  void DoAccept(boost::asio::ip::tcp::acceptor& acceptor, bool tls);
  void BeginShutdown();
  void PollShutdown(std::chrono::steady_clock::time_point deadline, bool forced);

  // Stops every I/O context (the end of Run()).
  void StopAll();

  std::shared_ptr<ServerState> state_;
  // One io_context per I/O thread, each run by its one thread; connections are spread over
  // them round-robin. With several threads on one io_context, the thread that saw a socket
  // event handed its handler to another thread (a wake-up and two context switches per
  // event); here the thread that sees the event runs it. ioc_ also runs the acceptors and
  // signals.
  // Declared before ioc_ so they are destroyed after it: ioc_'s pending accept operations hold
  // sockets of the extra contexts (a new connection's context), which must outlive them.
  std::vector<std::unique_ptr<boost::asio::io_context>> extra_iocs_;
  boost::asio::io_context ioc_;
  size_t next_ioc_ = 0;  // acceptors' strands: the context for the next connection
  boost::asio::ip::tcp::acceptor acceptor_;      // plain HTTP
  boost::asio::ip::tcp::acceptor tls_acceptor_;  // HTTPS
};

}  // namespace strata::server
