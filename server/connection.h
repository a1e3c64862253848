// One client connection: a keep-alive loop of HTTP/1.1 requests over a beast::tcp_stream.
// Internal to the HTTP layer (http_server.cc creates these).
//
// Threading: every socket operation runs on the connection's strand (an I/O thread). A request's
// handler runs on a worker; when it reads the request body or writes the response, the worker
// posts the operation to the strand and blocks until it completes (see README.md). At most one
// of {I/O thread, worker} drives the connection at any time, handing over through the strand and
// promises, so the parser and buffers need no lock.
#pragma once

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "server/http_server.h"
#include "server/http_util.h"
#include "server/request_handler.h"
#include "server/worker_pool.h"

namespace strata::server {

class Connection;

// What the server and its connections share. Outlives both (held by shared_ptr).
struct ServerState {
  ServerState(HttpServerOptions o, RequestHandler& h, WorkerPool& p)
      : options(std::move(o)), handler(h), pool(p) {}

  const HttpServerOptions options;
  RequestHandler& handler;
  WorkerPool& pool;
  RequestIdGenerator ids;
  std::atomic<bool> ready{true};
  std::atomic<bool> stopping{false};
  // Set once the I/O threads have exited: a worker waiting on the socket gives up.
  std::atomic<bool> io_stopped{false};

  std::mutex mu;
  std::unordered_map<Connection*, std::weak_ptr<Connection>> connections;  // GUARDED_BY(mu)

  size_t connection_count() {
    std::lock_guard lock(mu);
    return connections.size();
  }
  // Strong references to the live connections (for shutdown).
  std::vector<std::shared_ptr<Connection>> Snapshot();
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(boost::asio::ip::tcp::socket socket, std::shared_ptr<ServerState> state);
  ~Connection();

  // Registers with the server state and starts reading the first request.
  void Start();
  // Shutdown: closes the connection if it is waiting for a request header; a busy one closes
  // after its current response. Thread-safe.
  void CloseIfIdle();
  // Shutdown deadline: closes the socket whatever it is doing. Thread-safe.
  void ForceClose();

  // Worker side of the request body (ConnectionBody forwards here). Blocks the worker.
  storage::Result<size_t> ReadBody(std::span<std::byte> out);

 private:
  using Parser = boost::beast::http::request_parser<boost::beast::http::buffer_body>;

  // I/O thread (strand).
  void DoReadHeader();
  void OnReadHeader(boost::beast::error_code ec);
  void DoReadBody(std::span<std::byte> out,
                  std::shared_ptr<std::promise<storage::Result<size_t>>> p);
  void WriteAndFinish(std::shared_ptr<std::string> bytes, bool keep_alive);
  void Finish(bool keep_alive);
  void Close();

  // Worker thread.
  void Process();
  [[nodiscard]] boost::system::error_code WriteBlocking(
      std::vector<boost::asio::const_buffer> buffers);
  std::future<boost::system::error_code> StartWrite(std::vector<boost::asio::const_buffer> buffers);
  [[nodiscard]] boost::system::error_code Wait(std::future<boost::system::error_code>& f);
  bool DrainSmallRemainder();
  boost::system::error_code StreamBody(storage::ByteSource& source, uint64_t length,
                                       bool& complete);

  std::shared_ptr<ServerState> state_;
  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  std::optional<Parser> parser_;
  // Body reads time out through this timer rather than tcp_stream's expiry, which would close
  // the socket: a stalled upload still gets its 400 RequestTimeout answer.
  boost::asio::steady_timer body_timer_;
  uint64_t body_read_gen_ = 0;   // strand: which read the pending timer belongs to
  bool body_reading_ = false;    // strand
  bool body_timed_out_ = false;  // strand
  std::string remote_address_;
  bool first_request_ = true;        // strand
  bool waiting_for_header_ = false;  // strand
  bool closed_ = false;              // strand

  // Per request, worker side.
  std::string request_id_;
  bool expects_continue_ = false;
  bool continue_sent_ = false;
  boost::system::error_code body_error_;  // sticky: a body read failed; close after responding
};

}  // namespace strata::server
