// One client connection: a keep-alive loop of HTTP/1.1 requests over a plain beast::tcp_stream
// or a TLS beast::ssl_stream. One template serves both (instantiated for the two in
// connection.cc): the streams differ only in the handshake and the close. Internal to the HTTP
// layer (http_server.cc creates these).
//
// Threading: the header read runs on the connection's strand (an I/O thread); on a plain
// stream the worker that answered a request takes the next header itself if it is already
// there, and otherwise puts the connection in the server's LingerSet for about 2 ms, where
// whichever worker is idle takes it when the next request comes (TakeNextRequest,
// ServeFollowing). A request's handler runs on a worker, which then drives the
// socket itself: body bytes already in the read
// buffer are parsed on the worker, and on a plain stream the worker does the body's recv and the
// response's sendmsg itself, non-blocking, waiting in poll() when the socket is not ready (the
// descriptor is used under socket_mu_, which Close() also takes). Only a TLS stream posts its
// body reads and response writes to the strand and blocks the worker until they complete (see
// README.md): each such hand-off costs two context switches and a timer, which dominated small
// requests and large transfers alike. At most one of {I/O thread, worker} drives the connection
// at any time, handing over through the strand, so the parser and buffers need no lock.
#pragma once

#include <algorithm>
#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <chrono>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "server/http_server.h"
#include "server/http_util.h"
#include "server/linger_set.h"
#include "server/request_handler.h"
#include "server/request_record.h"
#include "server/worker_pool.h"

namespace strata::server {

using PlainStream = boost::beast::tcp_stream;
using TlsStream = boost::beast::ssl_stream<boost::beast::tcp_stream>;

// What the server's shutdown sees of a connection, whatever its stream.
class ConnectionBase {
 public:
  virtual ~ConnectionBase() = default;
  // Shutdown: closes the connection if it is waiting for a request header; a busy one closes
  // after its current response. Thread-safe.
  virtual void CloseIfIdle() = 0;
  // Shutdown deadline: closes the socket whatever it is doing. Thread-safe.
  virtual void ForceClose() = 0;
};

// The linger set's waiters: twice the cores, enough that a request arriving while every core
// is busy finds a worker on the set once one is free, and few enough that the idle ones do not
// take turns being woken for every request (4 KiB GET c16 on 2 cores: 2 waiters left requests
// unserved past their linger, 8 spent ~15 % more CPU per GET than 4).
inline LingerSet::Options LingerOptions() {
  return LingerSet::Options{
      .linger = std::chrono::microseconds(2000),
      .max_waiters = std::max<size_t>(2, 2 * std::thread::hardware_concurrency())};
}

// What the server and its connections share. Outlives both (held by shared_ptr).
struct ServerState {
  ServerState(HttpServerOptions o, RequestHandler& h, WorkerPool& p)
      : options(std::move(o)), handler(h), pool(p), linger(LingerOptions()) {}

  const HttpServerOptions options;
  RequestHandler& handler;
  WorkerPool& pool;
  RequestIdGenerator ids;
  std::atomic<bool> ready{true};
  std::atomic<bool> stopping{false};
  // Set once the I/O threads have exited: a worker waiting on the socket gives up.
  std::atomic<bool> io_stopped{false};
  // Plain keep-alive connections waiting a moment for their next request, taken by whichever
  // worker is idle. HttpServer::Run runs its watchdog and closes it.
  LingerSet linger;
  // Worker, after its task: serves lingering connections while there are some and no request
  // waits for a worker. `waited`: the worker's last request mostly waited (LingerSet::Serve).
  void ServeLingering(bool waited) {
    linger.Serve([this] { return stopping.load() || pool.queued() > 0; }, waited);
  }

  std::mutex mu;
  std::unordered_map<ConnectionBase*, std::weak_ptr<ConnectionBase>> connections;  // GUARDED_BY(mu)

  size_t connection_count() {
    std::lock_guard lock(mu);
    return connections.size();
  }
  // Strong references to the live connections (for shutdown).
  std::vector<std::shared_ptr<ConnectionBase>> Snapshot();
  // Reports an answered request to options.on_request, if set.
  void Report(const RequestRecord& record) {
    if (options.on_request) options.on_request(record);
  }

  // Foreground activity (HttpServer::ForegroundBusy): requests being served, and the last
  // moment one started or ended (steady clock, ns). Relaxed: a hint for background pacing.
  std::atomic<uint32_t> requests_active{0};
  std::atomic<int64_t> last_request_ns{0};
  void MarkRequest(std::chrono::steady_clock::time_point at) {
    last_request_ns.store(at.time_since_epoch().count(), std::memory_order_relaxed);
  }
};

// Stream is PlainStream or TlsStream.
template <class Stream>
class Connection final : public ConnectionBase,
                         public LingerSet::Member,
                         public std::enable_shared_from_this<Connection<Stream>> {
 public:
  // PlainStream: Connection(socket, state). TlsStream: Connection(socket, state, &ssl_context).
  Connection(boost::asio::ip::tcp::socket socket, std::shared_ptr<ServerState> state,
             boost::asio::ssl::context* tls_context = nullptr);
  ~Connection() override;

  // Registers with the server state, performs the TLS handshake (TlsStream), and starts reading
  // the first request.
  void Start();
  void CloseIfIdle() override;
  void ForceClose() override;
  // LingerSet::Member (plain streams only; a TLS connection never lingers in the set).
  bool Resume() override;
  void Expire() override;

  // Worker side of the request body (ConnectionBody forwards here). Blocks the worker.
  storage::Result<size_t> ReadBody(std::span<std::byte> out);

 private:
  using Parser = boost::beast::http::request_parser<boost::beast::http::buffer_body>;

  using std::enable_shared_from_this<Connection<Stream>>::shared_from_this;

  // I/O thread (strand).
  void DoHandshake();
  void DoReadHeader();
  void OnReadHeader(boost::beast::error_code ec);
  // Reads body bytes into out[filled..] until at least kBodyFillTarget bytes (or all of out)
  // are filled or the body ends, then completes p with the total filled.
  void DoReadBody(std::span<std::byte> out, size_t filled,
                  std::shared_ptr<std::promise<storage::Result<size_t>>> p);
  void WriteAndFinish(std::shared_ptr<std::string> bytes, bool keep_alive);
  void Finish(bool keep_alive);
  // graceful: TLS sends close_notify first (bounded by a short timeout); otherwise, or for a
  // plain stream, the socket is shut down and closed at once.
  void Close(bool graceful = false);
  // A request answered on the I/O thread (health, overload, malformed): report it.
  void ReportIoAnswer(unsigned status, std::string operation, uint64_t bytes_out);

  // I/O thread or worker (whichever drives the connection).
  enum class HeaderShape { kOrdinary, kTooManyFields, kLongLine, kLongUri, kHealthCheck };
  // What a complete header needs besides the handler (limits on its shape, health checks).
  HeaderShape CheckHeaderShape() const;
  // Starts the per-request state (id, timers for the log, Expect) for a complete header.
  void BeginRequest();

  // Worker thread.
  // Serves the request whose header parser_ holds, then, on a plain stream, the connection's
  // next ones (ServeFollowing); a TLS stream goes back to its I/O thread. Returns whether the
  // last request served waited (last_request_waited_).
  bool Process();
  // Plain stream only: serves the connection's next requests while they are already here, then
  // puts it in the linger set (nothing came yet) or hands it back to the I/O thread. `again`:
  // the last response allows another request; `waited`: it took longer than kWaitedRequest.
  // Returns `waited` for the last request served.
  bool ServeFollowing(bool again, bool waited);
  // Runs the handler and writes its response. True: the connection may serve another request.
  bool ServeRequest();
  enum class NextRequest {
    kReady,     // a complete header is in parser_, taken on this worker
    kLinger,    // nothing has come yet: the connection may wait in the linger set
    kHandBack,  // part of a header came, or the server is stopping: the I/O thread goes on
    kIoThread,  // the header is malformed (header_ec): the I/O thread answers it
    kEnd,       // the client closed the connection, or it failed
  };
  // Plain stream only: reads the next request header on the worker, without waiting
  // (non-blocking recv). Leaves unparsed bytes in buffer_ for the I/O thread.
  NextRequest TakeNextRequest(boost::system::error_code& header_ec);
  // Plain stream only: the socket's descriptor for the worker's recv/sendmsg/poll (held or
  // registered). REQUIRES: socket_mu_ held.
  int SocketFd();
  // Registers a descriptor TakeNextRequest took out of the reactor again (or closes it if the
  // connection was closed meanwhile). Before any hand-over to the I/O thread.
  void ReturnSocket();
  [[nodiscard]] boost::system::error_code WriteBlocking(
      std::vector<boost::asio::const_buffer> buffers);
  // Plain stream only: sends as much of `buffers` as the socket takes now (MSG_DONTWAIT) and
  // removes it from `buffers`. An error only for a broken connection (not for EAGAIN).
  boost::system::error_code TrySendNow(std::vector<boost::asio::const_buffer>& buffers);
  // Plain stream only: waits on the worker until the socket is ready for `events` (POLLIN or
  // POLLOUT). beast::error::timeout after `timeout` without readiness; operation_aborted once
  // the connection is closed (Close() shuts the socket down, which wakes the wait).
  boost::system::error_code WaitSocket(short events, std::chrono::milliseconds timeout);
  // Parses body bytes already in buffer_ (and, on a plain stream, what non-blocking recvs bring
  // without waiting) into out. nullopt: nothing could be delivered without waiting.
  std::optional<storage::Result<size_t>> TryReadBodyNow(std::span<std::byte> out);
  std::future<boost::system::error_code> StartWrite(std::vector<boost::asio::const_buffer> buffers);
  [[nodiscard]] boost::system::error_code Wait(std::future<boost::system::error_code>& f);
  bool DrainSmallRemainder();
  // Sends `head` and then `length` bytes of `source` (UINT64_MAX: until it ends).
  boost::system::error_code StreamBody(storage::ByteSource& source, std::string_view head,
                                       uint64_t length, bool& complete);

  std::shared_ptr<ServerState> state_;
  Stream stream_;
  boost::beast::flat_buffer buffer_;
  std::optional<Parser> parser_;
  // Body reads time out through this timer rather than tcp_stream's expiry, which would close
  // the socket: a stalled upload still gets its 400 RequestTimeout answer.
  boost::asio::steady_timer body_timer_;
  uint64_t body_read_gen_ = 0;     // strand: which read the pending timer belongs to
  bool body_reading_ = false;      // strand
  bool body_timed_out_ = false;    // strand
  bool header_timed_out_ = false;  // strand: the header read was cut by its timeout
  std::string remote_address_;
  bool first_request_ = true;        // strand
  bool waiting_for_header_ = false;  // strand
  bool closed_ = false;              // strand
  // Guards the socket's descriptor between Close() (strand) and the worker's direct
  // non-blocking recv/send.
  std::mutex socket_mu_;
  bool socket_closed_ = false;  // GUARDED_BY(socket_mu_)
  // GUARDED_BY(socket_mu_): the descriptor while the workers hold it out of the I/O thread's
  // reactor (TakeNextRequest to ReturnSocket); -1 otherwise.
  int worker_fd_ = -1;
  // Whoever drives the connection: worker_fd_ may be registered (disarmed) with the linger
  // set's epoll; ReturnSocket() removes it.
  bool in_linger_epoll_ = false;
  boost::asio::ip::tcp protocol_ = boost::asio::ip::tcp::v4();  // for ReturnSocket's assign

  // Per request, worker side.
  std::string request_id_;
  bool expects_continue_ = false;
  // The last request took longer than kWaitedRequest (set by ServeRequest).
  bool last_request_waited_ = false;
  bool continue_sent_ = false;
  boost::system::error_code body_error_;  // sticky: a body read failed; close after responding
  // For the access log and metrics.
  RequestRecord record_;
  std::chrono::steady_clock::time_point started_;
  uint64_t bytes_in_ = 0;   // worker (or strand before the hand-off)
  uint64_t bytes_out_ = 0;  // worker
};

}  // namespace strata::server
