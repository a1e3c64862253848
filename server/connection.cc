#include "server/connection.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <array>
#include <boost/asio/buffer.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffer_traits.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <charconv>
#include <exception>
#include <iostream>
#include <type_traits>
#include <utility>

#include "server/access_log.h"
#include "server/log.h"

namespace strata::server {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using boost::system::error_code;

// The body the handler pulls: each Read() is a blocking hand-off to the connection's strand.
template <class C>
class ConnectionBody final : public storage::ByteSource {
 public:
  explicit ConnectionBody(C& c) : c_(c) {}
  storage::Result<size_t> Read(std::span<std::byte> out) override { return c_.ReadBody(out); }

 private:
  C& c_;
};

// Serializes a response header ("HTTP/1.1 200 OK\r\n...\r\n\r\n").
std::string HeaderBytes(const http::response_header<>& h) {
  // The fields' own serializer (what operator<< prints), copied straight into the string: the
  // ostringstream operator<< needs was ~4 % of a 4 KiB GET's CPU.
  http::fields::writer writer(h, h.version(), h.result_int());
  const auto buffers = writer.get();
  std::string out(boost::beast::buffer_bytes(buffers), '\0');
  boost::asio::buffer_copy(boost::asio::buffer(out), buffers);
  return out;
}

// HTTP/1.1 keeps a connection alive unless told "Connection: close".
void SetKeepAlive(http::response_header<>& h, bool keep_alive) {
  h.erase(http::field::connection);
  if (!keep_alive) h.set(http::field::connection, "close");
}

std::string PlainResponse(http::status status, std::string_view body, bool keep_alive,
                          const std::string& request_id) {
  http::response_header<> h;
  h.version(11);
  h.result(status);
  h.set(http::field::server, "Strata");
  h.set(http::field::date, HttpDate(std::chrono::system_clock::now()));
  h.set("x-amz-request-id", request_id);
  h.set(http::field::content_type, "text/plain");
  h.set(http::field::content_length, std::to_string(body.size()));
  SetKeepAlive(h, keep_alive);
  return HeaderBytes(h) + std::string(body);
}

// An S3 error document for the answers the HTTP layer gives itself (limits, malformed
// requests, timeouts). The code and message are ours (no markup); the request id is generated.
std::string ErrorResponse(http::status status, std::string_view code, std::string_view message,
                          const std::string& request_id) {
  std::string body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" +
                     std::string(code) + "</Code><Message>" + std::string(message) +
                     "</Message><RequestId>" + request_id + "</RequestId></Error>";
  http::response_header<> h;
  h.version(11);
  h.result(status);
  h.set(http::field::server, "Strata");
  h.set(http::field::date, HttpDate(std::chrono::system_clock::now()));
  h.set("x-amz-request-id", request_id);
  h.set(http::field::content_type, "application/xml");
  h.set(http::field::content_length, std::to_string(body.size()));
  SetKeepAlive(h, false);
  return HeaderBytes(h) + body;
}

// Body-read failures as the layers above understand them: a stall is the system's timed_out
// (api/ maps it to S3 RequestTimeout); anything else (disconnect, malformed chunking) is passed
// up unchanged.
error_code MapReadError(const error_code& ec) {
  if (ec == beast::error::timeout) return make_error_code(boost::system::errc::timed_out);
  return ec;
}

// The TCP layer under either stream: timeouts, socket options, close.
beast::tcp_stream& Tcp(PlainStream& s) { return s; }
beast::tcp_stream& Tcp(TlsStream& s) { return beast::get_lowest_layer(s); }
template <class S>
asio::ip::tcp::socket& Socket(S& s) {
  return Tcp(s).socket();
}

template <class S>
S MakeStream(asio::ip::tcp::socket socket, asio::ssl::context* tls_context) {
  if constexpr (std::is_same_v<S, TlsStream>) {
    return S(std::move(socket), *tls_context);
  } else {
    (void)tls_context;
    return S(std::move(socket));
  }
}

// Read-buffer room before each header read (see DoReadHeader).
constexpr size_t kHeaderReadBytes = 8 * 1024;
// Each worker Read() that has to wait costs a round trip to the I/O thread; filling a sizeable
// part of the worker's buffer per trip keeps large uploads from being paced by thread hand-offs.
constexpr size_t kBodyFillTarget = 256 * 1024;
// Beast reads the socket into buffer_ at most 64 KiB at a time, but only as much as buffer_'s
// spare capacity allows. Reserved while a body streams, released after the request so idle
// keep-alive connections stay small.
constexpr size_t kBodyReadBufferBytes = 64 * 1024;
// A worker's own recv (plain streams) takes up to this much at once, into buffer_, from which
// the parser copies it into the caller's span. 256 KiB recvs cost 64 MiB PUTs a fifth of their
// rate against 64 KiB ones (idle A/B, 2 streams: 520 vs 694 MB/s): the second copy of a piece
// that still sits in the L2 cache is cheap. The buffer is released after the request like
// the one above.
constexpr size_t kWorkerRecvBytes = 64 * 1024;
// Non-blocking recvs per TryReadBodyNow: ReadBody loops (and polls) up to kBodyFillTarget.
constexpr int kWorkerRecvsPerRead = 1;
// A worker waiting on the socket wakes this often to notice a closed connection or a server
// whose I/O threads have stopped.
constexpr std::chrono::milliseconds kWaitSlice{250};

// A request that took longer than this (header to response sent) most likely waited rather than
// computed: on disk, in a group commit, for a slow client. Its worker may wait on the linger set
// beyond the set's bound (LingerSet::Options::max_waiters). 4 KiB GETs take 20-50 us of a
// worker here, 4 KiB PUTs at 16 connections 1-2 ms.
constexpr std::chrono::microseconds kWaitedRequest{500};

// Statuses that never carry a body or a Content-Length (RFC 9110 8.6).
bool BodylessStatus(unsigned status) {
  return (status >= 100 && status < 200) || status == 204 || status == 304;
}

}  // namespace

std::vector<std::shared_ptr<ConnectionBase>> ServerState::Snapshot() {
  std::vector<std::shared_ptr<ConnectionBase>> out;
  std::lock_guard lock(mu);
  for (auto& [ptr, weak] : connections) {
    if (auto c = weak.lock()) out.push_back(std::move(c));
  }
  return out;
}

template <class Stream>
Connection<Stream>::Connection(asio::ip::tcp::socket socket, std::shared_ptr<ServerState> state,
                               asio::ssl::context* tls_context)
    : state_(std::move(state)),
      stream_(MakeStream<Stream>(std::move(socket), tls_context)),
      body_timer_(stream_.get_executor()) {
  error_code ec;
  auto ep = Socket(stream_).remote_endpoint(ec);
  if (!ec) {
    remote_address_ = ep.address().to_string();
    protocol_ = ep.protocol();
  }
}

template <class Stream>
Connection<Stream>::~Connection() {
  if (worker_fd_ >= 0) ::close(worker_fd_);  // Process() returns it; only if that was skipped
  std::lock_guard lock(state_->mu);
  state_->connections.erase(this);
}

template <class Stream>
void Connection<Stream>::Start() {
  {
    std::lock_guard lock(state_->mu);
    state_->connections.emplace(this, this->weak_from_this());
  }
  asio::post(stream_.get_executor(), [self = shared_from_this()] {
    if constexpr (std::is_same_v<Stream, TlsStream>) {
      self->DoHandshake();
    } else {
      self->DoReadHeader();
    }
  });
}

template <class Stream>
void Connection<Stream>::DoHandshake() {
  if constexpr (std::is_same_v<Stream, TlsStream>) {
    if (closed_) return;
    Tcp(stream_).expires_after(state_->options.tls_handshake_timeout);
    stream_.async_handshake(
        asio::ssl::stream_base::server, [self = shared_from_this()](error_code ec) {
          if (ec) {
            // Wrong protocol version, untrusted client, port scan: routine.
            if (LogEnabled(LogLevel::kDebug)) {
              Log(LogLevel::kDebug,
                  "TLS handshake with " + self->remote_address_ + " failed: " + ec.message());
            }
            return self->Close();
          }
          self->DoReadHeader();
        });
  }
}

template <class Stream>
void Connection<Stream>::CloseIfIdle() {
  asio::post(stream_.get_executor(), [self = shared_from_this()] {
    if (self->waiting_for_header_) self->Close();
  });
}

template <class Stream>
void Connection<Stream>::ForceClose() {
  asio::post(stream_.get_executor(), [self = shared_from_this()] { self->Close(); });
}

template <class Stream>
void Connection<Stream>::Close(bool graceful) {
  if (closed_) return;
  closed_ = true;
  if constexpr (std::is_same_v<Stream, TlsStream>) {
    if (graceful) {
      // close_notify tells the client the response was complete; do not wait long for its reply.
      Tcp(stream_).expires_after(std::chrono::seconds(2));
      stream_.async_shutdown([self = shared_from_this()](error_code) {
        std::lock_guard lock(self->socket_mu_);
        self->socket_closed_ = true;
        error_code ignored;
        Socket(self->stream_).shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
        Tcp(self->stream_).close();
      });
      return;
    }
  } else {
    (void)graceful;
  }
  std::lock_guard lock(socket_mu_);  // not while the worker uses the descriptor directly
  socket_closed_ = true;
  // Held by a worker (AwaitNextRequest): wake its waits; it closes the descriptor.
  if (worker_fd_ >= 0) ::shutdown(worker_fd_, SHUT_RDWR);
  error_code ignored;
  Socket(stream_).shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  Tcp(stream_).close();
}

template <class Stream>
void Connection<Stream>::ReportIoAnswer(unsigned status, std::string operation,
                                        uint64_t bytes_out) {
  if (!state_->options.on_request) return;
  RequestRecord r;
  r.time = std::chrono::system_clock::now();
  r.request_id = request_id_;
  r.remote = remote_address_;
  r.tls = std::is_same_v<Stream, TlsStream>;
  if (parser_ && parser_->is_header_done()) {
    const auto& req = parser_->get();
    r.method = std::string(req.method_string());
    r.target = std::string(req.target());
    r.user_agent = std::string(req[http::field::user_agent]);
    r.access_key = ClaimedAccessKey(req);
    r.time = record_.time;
    r.duration = std::chrono::steady_clock::now() - started_;
  }
  r.operation = std::move(operation);
  r.status = status;
  r.bytes_out = bytes_out;
  state_->Report(r);
}

// ---- I/O thread: reading a request header -------------------------------------------------

template <class Stream>
void Connection<Stream>::DoReadHeader() {
  if (closed_) return;
  if (state_->stopping.load()) return Close();
  // A fresh parser per request: header limit, no body limit (bodies stream; api/ bounds sizes).
  parser_.emplace();
  parser_->header_limit(state_->options.header_limit);
  parser_->body_limit(boost::none);
  // Beast reads at most the buffer's spare capacity (at least 512 bytes): room for a typical
  // header and a small body means one recv per small request, and a body the worker can parse
  // without a hand-off.
  if (buffer_.capacity() - buffer_.size() < kHeaderReadBytes) {
    buffer_.reserve(buffer_.size() + kHeaderReadBytes);
  }
  waiting_for_header_ = true;
  // The whole header must arrive within the timeout, however slowly it trickles in (slowloris).
  // A timer rather than tcp_stream's expiry, which would close the socket: a client that sent
  // part of a header still gets its 400 RequestTimeout.
  Tcp(stream_).expires_never();
  header_timed_out_ = false;
  const uint64_t gen = ++body_read_gen_;
  body_reading_ = true;
  body_timer_.expires_after(first_request_ ? state_->options.header_timeout
                                           : state_->options.idle_timeout);
  body_timer_.async_wait([self = shared_from_this(), gen](error_code ec) {
    if (ec || gen != self->body_read_gen_ || !self->body_reading_) return;
    self->header_timed_out_ = true;
    error_code ignored;
    Socket(self->stream_).cancel(ignored);
  });
  http::async_read_header(
      stream_, buffer_, *parser_,
      [self = shared_from_this()](error_code ec, size_t) { self->OnReadHeader(ec); });
}

template <class Stream>
void Connection<Stream>::OnReadHeader(error_code ec) {
  waiting_for_header_ = false;
  body_reading_ = false;
  body_timer_.cancel();
  first_request_ = false;
  if (ec && header_timed_out_) {
    // Part of a header came, too slowly: say so (plain HTTP only: a TLS stream whose read was
    // cancelled mid-record cannot be written safely). An idle keep-alive just closes.
    const bool partial = parser_->got_some() || buffer_.size() > 0;
    if (partial && !closed_ && std::is_same_v<Stream, PlainStream>) {
      request_id_ = state_->ids.Next();
      std::string bytes =
          ErrorResponse(http::status::bad_request, "RequestTimeout",
                        "Your socket connection to the server was not read from or written to "
                        "within the timeout period.",
                        request_id_);
      ReportIoAnswer(400, "", bytes.size() - bytes.find("\r\n\r\n") - 4);
      return WriteAndFinish(std::make_shared<std::string>(std::move(bytes)), false);
    }
    return Close();
  }
  if (ec) {
    // Malformed requests get a 400 before the close; timeouts and disconnects just close.
    if (ec.category() == error_code(http::error::end_of_stream).category() &&
        ec != http::error::end_of_stream && ec != http::error::partial_message && !closed_) {
      request_id_ = state_->ids.Next();
      std::string bytes =
          ec == http::error::header_limit
              ? ErrorResponse(http::status::bad_request, "RequestHeaderSectionTooLarge",
                              "Your request header section exceeds the maximum allowed size.",
                              request_id_)
              : ErrorResponse(http::status::bad_request, "BadRequest",
                              "The request is not valid HTTP/1.1: " + ec.message() + ".",
                              request_id_);
      ReportIoAnswer(400, "", bytes.size() - bytes.find("\r\n\r\n") - 4);
      return WriteAndFinish(std::make_shared<std::string>(std::move(bytes)), false);
    }
    return Close();
  }
  Tcp(stream_).expires_never();  // the worker sets a timeout before each of its socket operations
  const auto& req = parser_->get();
  BeginRequest();

  // Limits on the header's shape (its total size is the parser's header_limit).
  const HeaderShape shape = CheckHeaderShape();
  if (shape == HeaderShape::kTooManyFields || shape == HeaderShape::kLongLine) {
    std::string bytes = ErrorResponse(
        http::status::bad_request, "RequestHeaderSectionTooLarge",
        shape == HeaderShape::kLongLine ? "A request header field exceeds the maximum allowed size."
                                        : "Your request has more header fields than allowed.",
        request_id_);
    ReportIoAnswer(400, "", bytes.size() - bytes.find("\r\n\r\n") - 4);
    return WriteAndFinish(std::make_shared<std::string>(std::move(bytes)), false);
  }
  if (shape == HeaderShape::kLongUri) {
    std::string bytes =
        ErrorResponse(http::status::uri_too_long, "RequestURITooLong",
                      "The request URI exceeds the maximum allowed length.", request_id_);
    ReportIoAnswer(414, "", bytes.size() - bytes.find("\r\n\r\n") - 4);
    return WriteAndFinish(std::make_shared<std::string>(std::move(bytes)), false);
  }

  // Health checks answer here, without auth or a worker, so they work when the pool is full.
  if (shape == HeaderShape::kHealthCheck) {
    std::string_view target = req.target();
    std::string_view path = target.substr(0, target.find('?'));
    bool ok = path == "/health/live" || state_->ready.load();
    bool keep_alive = req.keep_alive() && parser_->is_done() && !state_->stopping.load();
    std::string_view text = ok ? "ok\n" : "not ready\n";
    std::string bytes = PlainResponse(ok ? http::status::ok : http::status::service_unavailable,
                                      text, keep_alive, request_id_);
    const bool head = req.method() == http::verb::head;
    if (head) bytes.resize(bytes.find("\r\n\r\n") + 4);
    ReportIoAnswer(ok ? 200 : 503, "Health", head ? 0 : text.size());
    return WriteAndFinish(std::make_shared<std::string>(std::move(bytes)), keep_alive);
  }

  if (!state_->pool.Submit([self = shared_from_this()] {
        const bool waited = self->Process();
        // An idle worker now: it may take a lingering connection.
        self->state_->ServeLingering(waited);
      })) {
    api::RequestContext ctx{request_id_, remote_address_, std::is_same_v<Stream, TlsStream>};
    api::Response r;
    try {
      r = state_->handler.Overloaded(req, ctx);
    } catch (const std::exception&) {
      r.header.result(http::status::service_unavailable);
    }
    r.header.version(11);
    r.header.set(http::field::server, "Strata");
    r.header.set(http::field::date, HttpDate(std::chrono::system_clock::now()));
    r.header.set("x-amz-request-id", request_id_);
    r.header.set(http::field::content_length, std::to_string(r.body.size()));
    // The body was not read: close rather than parse it as the next request.
    SetKeepAlive(r.header, false);
    ReportIoAnswer(r.header.result_int(), r.operation.empty() ? "Overloaded" : r.operation,
                   r.body.size());
    return WriteAndFinish(std::make_shared<std::string>(HeaderBytes(r.header) + r.body), false);
  }
}

template <class Stream>
void Connection<Stream>::BeginRequest() {
  const auto& req = parser_->get();
  request_id_ = state_->ids.Next();
  record_ = RequestRecord{};
  record_.time = std::chrono::system_clock::now();
  started_ = std::chrono::steady_clock::now();
  bytes_in_ = 0;
  bytes_out_ = 0;
  expects_continue_ = beast::iequals(req[http::field::expect], "100-continue");
  continue_sent_ = false;
  body_error_ = {};
}

template <class Stream>
typename Connection<Stream>::HeaderShape Connection<Stream>::CheckHeaderShape() const {
  const auto& req = parser_->get();
  size_t fields = 0;
  bool long_line = false;
  for (auto it = req.begin(); it != req.end(); ++it) {
    ++fields;
    // "Name: value\r\n"
    if (it->name_string().size() + it->value().size() + 4 > state_->options.header_line_limit) {
      long_line = true;
    }
  }
  if (long_line) return HeaderShape::kLongLine;
  if (fields > state_->options.max_header_fields) return HeaderShape::kTooManyFields;
  if (req.target().size() > state_->options.max_uri) return HeaderShape::kLongUri;
  std::string_view target = req.target();
  std::string_view path = target.substr(0, target.find('?'));
  if ((req.method() == http::verb::get || req.method() == http::verb::head) &&
      (path == "/health/live" || path == "/health/ready")) {
    return HeaderShape::kHealthCheck;
  }
  return HeaderShape::kOrdinary;
}

template <class Stream>
void Connection<Stream>::WriteAndFinish(std::shared_ptr<std::string> bytes, bool keep_alive) {
  Tcp(stream_).expires_after(state_->options.write_timeout);
  asio::async_write(stream_, asio::buffer(*bytes),
                    [self = shared_from_this(), bytes, keep_alive](error_code ec, size_t) {
                      self->Finish(keep_alive && !ec);
                    });
}

template <class Stream>
void Connection<Stream>::Finish(bool keep_alive) {
  // Give back a body read buffer (kept: any pipelined bytes already received); the header
  // buffer stays, so idle connections cost about kHeaderReadBytes each.
  if (buffer_.capacity() > 2 * kHeaderReadBytes) buffer_.shrink_to_fit();
  if (keep_alive && !state_->stopping.load()) return DoReadHeader();
  Close(/*graceful=*/true);
}

// ---- Worker: the request body -------------------------------------------------------------

template <class Stream>
storage::Result<size_t> Connection<Stream>::ReadBody(std::span<std::byte> out) {
  if (body_error_) return body_error_;
  if (out.empty()) return size_t{0};
  if (expects_continue_ && !continue_sent_) {
    // The handler reads the body only once the request is authenticated: now the client may
    // send it.
    continue_sent_ = true;
    static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
    if (error_code ec = WriteBlocking({asio::buffer(kContinue.data(), kContinue.size())})) {
      body_error_ = ec;
      return ec;
    }
  }
  std::optional<storage::Result<size_t>> now;
  if constexpr (std::is_same_v<Stream, PlainStream>) {
    // Plain streams: the worker waits for the next bytes itself and reads them (no hand-off),
    // until the fill target as the strand's read does: handing the caller whatever trickled in
    // first (tens of KiB) cost a 64 MiB PUT a fifth of its rate in extra wake-ups and calls.
    const size_t target = std::min(out.size(), kBodyFillTarget);
    size_t filled = 0;
    while (!now) {
      std::optional<storage::Result<size_t>> got = TryReadBodyNow(out.subspan(filled));
      if (got && !*got) {
        // An error: bytes already delivered go first, the error on the next Read().
        if (filled > 0) body_error_ = got->error();
        now.emplace(filled > 0 ? storage::Result<size_t>(filled) : *got);
      } else if (got) {
        filled += **got;
        if (**got == 0 || filled >= target || parser_->is_done() || body_error_) {
          now.emplace(filled);
        }
      }
      if (now) break;
      if (error_code ec = WaitSocket(POLLIN, state_->options.body_timeout)) {
        if (filled > 0) body_error_ = MapReadError(ec);
        now.emplace(filled > 0 ? storage::Result<size_t>(filled)
                               : storage::Result<size_t>(MapReadError(ec)));
      }
    }
  } else {
    now = TryReadBodyNow(out);
  }
  if (!now) {
    auto p = std::make_shared<std::promise<storage::Result<size_t>>>();
    auto f = p->get_future();
    asio::post(stream_.get_executor(),
               [self = shared_from_this(), out, p] { self->DoReadBody(out, 0, p); });
    while (f.wait_for(std::chrono::milliseconds(250)) != std::future_status::ready) {
      if (state_->io_stopped.load()) {
        body_error_ = asio::error::operation_aborted;
        return body_error_;
      }
    }
    now.emplace(f.get());
  }
  storage::Result<size_t> r = std::move(*now);
  if (!r) {
    body_error_ = r.error();
  } else {
    bytes_in_ += *r;
  }
  return r;
}

template <class Stream>
std::optional<storage::Result<size_t>> Connection<Stream>::TryReadBodyNow(
    std::span<std::byte> out) {
  // The worker owns the parser and buffer_ here: no strand operation is in flight.
  if (parser_->is_done()) return storage::Result<size_t>(size_t{0});
  auto& body = parser_->get().body();
  body.data = out.data();
  body.size = out.size();
  body.more = true;
  error_code ec;
  int recvs = 0;
  for (;;) {
    // Parse what is buffered. The parser stops after each structured element (a chunk
    // header, say), so go on while it makes progress.
    while (buffer_.size() > 0 && body.size > 0 && !parser_->is_done()) {
      const size_t used = parser_->put(buffer_.data(), ec);
      buffer_.consume(used);
      if (ec == http::error::need_buffer || ec == http::error::need_more) ec = {};
      if (ec || used == 0) break;
    }
    if (ec || body.size == 0 || parser_->is_done()) break;
    // Plain streams: non-blocking recvs on the worker, parsing after each. Nothing there yet
    // ends the attempt; the end of the stream before the body's end is a malformed request,
    // as Beast's own read reports it. TLS streams leave all socket reads to the strand.
    if constexpr (!std::is_same_v<Stream, PlainStream>) break;
    if (recvs++ == kWorkerRecvsPerRead) break;
    // Enough for the rest of the body (and some chunk framing), within the room in `out`.
    const auto remaining = parser_->content_length_remaining();
    const uint64_t wanted = std::min<uint64_t>(remaining ? *remaining : UINT64_MAX, body.size);
    const size_t want =
        static_cast<size_t>(std::clamp<uint64_t>(wanted + 1024, 4096, kWorkerRecvBytes));
    std::lock_guard lock(socket_mu_);
    if (socket_closed_) {
      ec = asio::error::operation_aborted;
      break;
    }
    auto space = buffer_.prepare(want);
    const ssize_t got = ::recv(SocketFd(), space.data(), space.size(), MSG_DONTWAIT);
    if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) break;
    if (got < 0) {
      ec = error_code(errno, boost::system::system_category());
      break;
    }
    if (got == 0) {
      ec = http::error::partial_message;
      break;
    }
    buffer_.commit(static_cast<size_t>(got));
  }
  const size_t total = out.size() - body.size;
  body.data = nullptr;  // never leave the parser pointing into the worker's buffer
  body.size = 0;
  if (ec) {
    // A malformed body (bad chunking): as DoReadBody, bytes first, the error on the next Read.
    if (total > 0) {
      body_error_ = ec;
      return storage::Result<size_t>(total);
    }
    return storage::Result<size_t>(ec);
  }
  if (total > 0 || parser_->is_done()) return storage::Result<size_t>(total);
  return std::nullopt;
}

template <class Stream>
void Connection<Stream>::DoReadBody(std::span<std::byte> out, size_t filled,
                                    std::shared_ptr<std::promise<storage::Result<size_t>>> p) {
  if (closed_) return p->set_value(error_code(asio::error::operation_aborted));
  if (parser_->is_done()) return p->set_value(filled);
  if (buffer_.capacity() - buffer_.size() < kBodyReadBufferBytes) {
    buffer_.reserve(buffer_.size() + kBodyReadBufferBytes);
  }
  auto& body = parser_->get().body();
  body.data = out.data() + filled;
  body.size = out.size() - filled;
  body.more = true;
  Tcp(stream_).expires_never();
  body_reading_ = true;
  body_timed_out_ = false;
  const uint64_t gen = ++body_read_gen_;
  body_timer_.expires_after(state_->options.body_timeout);
  body_timer_.async_wait([self = shared_from_this(), gen](error_code ec) {
    if (ec || gen != self->body_read_gen_ || !self->body_reading_) return;
    self->body_timed_out_ = true;
    error_code ignored;
    Socket(self->stream_).cancel(ignored);  // completes the read with operation_aborted
  });
  http::async_read_some(
      stream_, buffer_, *parser_,
      [self = shared_from_this(), out, filled, p](error_code ec, size_t) {
        self->body_reading_ = false;
        self->body_timer_.cancel();
        auto& body = self->parser_->get().body();
        const size_t total = out.size() - body.size;
        body.data = nullptr;  // never leave the parser pointing into the worker's buffer
        body.size = 0;
        if (ec == http::error::need_buffer) ec = {};
        if (ec && self->body_timed_out_) ec = make_error_code(boost::system::errc::timed_out);
        if (ec) {
          // Bytes already delivered in this call are returned; the error surfaces on the next
          // Read() (the worker is blocked on p until set_value, so this write is ordered).
          if (total > 0) {
            self->body_error_ = MapReadError(ec);
            return p->set_value(total);
          }
          return p->set_value(MapReadError(ec));
        }
        // Chunk headers and such can be consumed without yielding body bytes: read on. Small
        // reads continue too, until the fill target, the end of `out`, or the end of the body.
        if (!self->parser_->is_done() && total < std::min(out.size(), kBodyFillTarget)) {
          return self->DoReadBody(out, total, p);
        }
        p->set_value(total);
      });
}

// ---- Worker: running the request and writing the response ---------------------------------

template <class Stream>
std::future<error_code> Connection<Stream>::StartWrite(std::vector<asio::const_buffer> buffers) {
  auto p = std::make_shared<std::promise<error_code>>();
  auto f = p->get_future();
  asio::post(stream_.get_executor(), [self = shared_from_this(), buffers = std::move(buffers), p] {
    if (self->closed_) return p->set_value(asio::error::operation_aborted);
    Tcp(self->stream_).expires_after(self->state_->options.write_timeout);
    asio::async_write(self->stream_, buffers, [self, p](error_code ec, size_t) {
      Tcp(self->stream_).expires_never();
      p->set_value(ec);
    });
  });
  return f;
}

template <class Stream>
error_code Connection<Stream>::Wait(std::future<error_code>& f) {
  while (f.wait_for(std::chrono::milliseconds(250)) != std::future_status::ready) {
    // The I/O threads are gone: nobody will complete the operation (and none will touch the
    // buffers any more).
    if (state_->io_stopped.load()) return asio::error::operation_aborted;
  }
  return f.get();
}

template <class Stream>
error_code Connection<Stream>::TrySendNow(std::vector<asio::const_buffer>& buffers) {
  std::array<iovec, 8> iov;
  std::lock_guard lock(socket_mu_);
  if (socket_closed_) return asio::error::operation_aborted;
  while (!buffers.empty()) {
    size_t n = 0;
    for (; n < buffers.size() && n < iov.size(); ++n) {
      iov[n].iov_base = const_cast<void*>(buffers[n].data());
      iov[n].iov_len = buffers[n].size();
    }
    msghdr msg{};
    msg.msg_iov = iov.data();
    msg.msg_iovlen = n;
    const ssize_t sent = ::sendmsg(SocketFd(), &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (sent < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return {};
      return error_code(errno, boost::system::system_category());
    }
    // Drop what went out; a partly sent buffer keeps its tail.
    size_t left = static_cast<size_t>(sent);
    size_t done = 0;
    while (done < buffers.size() && left >= buffers[done].size()) left -= buffers[done++].size();
    buffers.erase(buffers.begin(), buffers.begin() + static_cast<ptrdiff_t>(done));
    if (left > 0) buffers.front() += left;
    if (sent == 0) return {};
  }
  return {};
}

template <class Stream>
error_code Connection<Stream>::WaitSocket(short events, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int fd = -1;
    {
      std::lock_guard lock(socket_mu_);
      if (socket_closed_) return asio::error::operation_aborted;
      fd = SocketFd();
    }
    // Past this point Close() may close the descriptor (and the number be reused) while poll
    // waits on it: the wait is cut to slices, and every recv/send re-checks socket_closed_
    // under the lock, so a stale descriptor costs at most one spurious wake-up.
    if (state_->io_stopped.load()) return asio::error::operation_aborted;
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return beast::error::timeout;
    const auto slice = std::min<std::chrono::milliseconds>(
        std::chrono::ceil<std::chrono::milliseconds>(deadline - now), kWaitSlice);
    pollfd p{.fd = fd, .events = events, .revents = 0};
    const int n = ::poll(&p, 1, static_cast<int>(slice.count()));
    // Ready, or an error or hang-up that the next recv/send reports.
    if (n > 0) return {};
    if (n < 0 && errno != EINTR) return error_code(errno, boost::system::system_category());
  }
}

template <class Stream>
error_code Connection<Stream>::WriteBlocking(std::vector<asio::const_buffer> buffers) {
  if constexpr (std::is_same_v<Stream, PlainStream>) {
    // Sent from the worker: most responses fit the socket's send buffer at once; a larger one
    // waits in poll() until the client has read some (no progress for write_timeout: closed).
    for (;;) {
      if (error_code ec = TrySendNow(buffers)) return ec;
      if (buffers.empty()) return {};
      if (error_code ec = WaitSocket(POLLOUT, state_->options.write_timeout)) return ec;
    }
  } else {
    auto f = StartWrite(std::move(buffers));
    return Wait(f);
  }
}

template <class Stream>
bool Connection<Stream>::DrainSmallRemainder() {
  // Without "100 Continue" the client may never send the body: do not wait for it.
  if (expects_continue_ && !continue_sent_) return false;
  auto remaining = parser_->content_length_remaining();
  if (!remaining || *remaining > state_->options.drain_limit) return false;
  std::array<std::byte, 8192> sink;
  for (;;) {
    auto r = ReadBody(sink);
    if (!r) return false;
    if (*r == 0) return true;
  }
}

template <class Stream>
error_code Connection<Stream>::StreamBody(storage::ByteSource& source, std::string_view head,
                                          uint64_t length, bool& complete) {
  // TLS: two buffers of stream_buffer / 2, the worker fills one from storage while the I/O
  // thread sends the other. Plain: one of stream_buffer, the worker sends it itself. Memory
  // stays at most stream_buffer whatever the object size.
  // Sized to the body when it is smaller, allocated uninitialized, the second one only when
  // the body needs it: zeroing two full buffers was 9% of a 4 KiB GET's CPU.
  const size_t per_buffer = std::is_same_v<Stream, PlainStream>
                                ? state_->options.stream_buffer
                                : std::max<size_t>(state_->options.stream_buffer / 2, 4096);
  const size_t cap =
      static_cast<size_t>(std::min<uint64_t>(per_buffer, std::max<uint64_t>(length, 1)));
  std::unique_ptr<std::byte[]> bufs[2];
  auto fill = [&](std::unique_ptr<std::byte[]>& buf, size_t& n) -> error_code {
    n = 0;
    size_t want = static_cast<size_t>(std::min<uint64_t>(cap, length));
    if (want > 0 && !buf) buf = std::make_unique_for_overwrite<std::byte[]>(cap);
    while (n < want) {
      auto r = source.Read(std::span(buf.get() + n, want - n));
      if (!r) return r.error();
      if (*r == 0) break;
      n += *r;
    }
    return {};
  };
  complete = false;
  size_t n = 0;
  // The first buffer is filled before the header is sent, so that a small body goes out with
  // its header in one send (one packet, no hand-off); a failure there still sends the header
  // (the client then sees a short body, as for a failure later on).
  if (error_code read_ec = fill(bufs[0], n)) {
    if (error_code ec = WriteBlocking({asio::buffer(head)})) return ec;
    return read_ec;
  }
  int cur = 0;
  bool with_head = true;
  while (n > 0 || with_head) {
    length -= n;
    std::vector<asio::const_buffer> out;
    if (with_head) out.push_back(asio::buffer(head));
    if (n > 0) out.push_back(asio::buffer(bufs[cur].get(), n));
    with_head = false;
    bytes_out_ += n;
    if (length == 0 || n == 0) {
      // Nothing more to read: no fill to overlap with this write.
      if (error_code ec = WriteBlocking(std::move(out))) return ec;
      break;
    }
    if constexpr (std::is_same_v<Stream, PlainStream>) {
      // The worker sends, then reads on into the same buffer: the kernel's socket buffer is
      // the overlap (the client drains it while the next piece is read), and a hand-off to the
      // I/O thread per piece cost more than it saved.
      if (error_code ec = WriteBlocking(std::move(out))) return ec;
      if (error_code read_ec = fill(bufs[cur], n)) return read_ec;
      continue;
    }
    auto pending = StartWrite(std::move(out));
    size_t next = 0;
    error_code read_ec = fill(bufs[1 - cur], next);
    if (error_code ec = Wait(pending)) return ec;
    if (read_ec) return read_ec;
    n = next;
    cur = 1 - cur;
  }
  complete = length == 0;
  return {};
}

template <class Stream>
bool Connection<Stream>::Process() {
  const bool again = ServeRequest();
  if constexpr (std::is_same_v<Stream, PlainStream>) {
    return ServeFollowing(again, last_request_waited_);
  } else {
    asio::post(stream_.get_executor(), [self = shared_from_this(), again] { self->Finish(again); });
    return last_request_waited_;
  }
}

template <class Stream>
bool Connection<Stream>::ServeFollowing(bool again, bool waited) {
  if constexpr (std::is_same_v<Stream, PlainStream>) {
    while (again) {
      error_code header_ec;
      const NextRequest next = TakeNextRequest(header_ec);
      if (next == NextRequest::kLinger) {
        // Set first: once added, another worker may take the connection at once.
        in_linger_epoll_ = true;
        int fd = -1;
        {
          std::lock_guard lock(socket_mu_);
          fd = worker_fd_;
        }
        if (fd >= 0 && state_->linger.Add(shared_from_this(), fd)) return waited;
        break;  // the set is closed (stopping): the I/O thread waits for the next request
      }
      if (next == NextRequest::kHandBack) break;
      if (next == NextRequest::kEnd) {
        again = false;
        break;
      }
      if (next == NextRequest::kIoThread || CheckHeaderShape() != HeaderShape::kOrdinary) {
        // Malformed, over a limit, or a health check: the I/O thread's answer (the same as
        // when it reads the header itself).
        ReturnSocket();
        asio::post(stream_.get_executor(),
                   [self = shared_from_this(), header_ec] { self->OnReadHeader(header_ec); });
        return waited;
      }
      BeginRequest();
      again = ServeRequest();
      waited = last_request_waited_;
    }
    ReturnSocket();
    asio::post(stream_.get_executor(), [self = shared_from_this(), again] { self->Finish(again); });
  } else {
    (void)again;
  }
  return waited;
}

template <class Stream>
bool Connection<Stream>::Resume() {
  // A worker took the connection out of the linger set: its next request (or its end) came.
  return ServeFollowing(true, false);
}

template <class Stream>
void Connection<Stream>::Expire() {
  // Nothing came within the linger: the I/O thread waits for the next request, as after any
  // response. The set has removed the descriptor from its epoll.
  in_linger_epoll_ = false;
  ReturnSocket();
  asio::post(stream_.get_executor(), [self = shared_from_this()] { self->Finish(true); });
}

template <class Stream>
int Connection<Stream>::SocketFd() {
  return worker_fd_ >= 0 ? worker_fd_ : Socket(stream_).native_handle();
}

template <class Stream>
void Connection<Stream>::ReturnSocket() {
  std::lock_guard lock(socket_mu_);
  if (worker_fd_ < 0) return;
  const int fd = std::exchange(worker_fd_, -1);
  if (std::exchange(in_linger_epoll_, false)) state_->linger.Forget(fd);
  if (!socket_closed_) {
    error_code ec;
    Socket(stream_).assign(protocol_, fd, ec);  // registers it with the reactor again
    if (!ec) return;
    Log(LogLevel::kWarn, "connection from " + remote_address_ +
                             ": cannot hand the socket back to its I/O thread: " + ec.message());
    socket_closed_ = true;  // the I/O thread's next read fails and closes the connection
  }
  ::shutdown(fd, SHUT_RDWR);
  ::close(fd);
}

template <class Stream>
typename Connection<Stream>::NextRequest Connection<Stream>::TakeNextRequest(
    error_code& header_ec) {
  if (state_->stopping.load()) return NextRequest::kHandBack;
  {
    // Out of the I/O thread's reactor while the workers hold the connection: otherwise every
    // request's arrival also wakes the I/O thread, for nothing (epoll reports the bytes), which
    // was a fifth of the server's CPU in a 4 KiB GET loop. Kept out across the requests the
    // workers serve and while it lingers; ReturnSocket() registers it again.
    std::lock_guard lock(socket_mu_);
    if (socket_closed_) return NextRequest::kEnd;
    if (worker_fd_ < 0) {
      error_code ec;
      const int fd = Socket(stream_).release(ec);
      if (ec) return NextRequest::kHandBack;
      worker_fd_ = fd;
    }
  }
  // As Finish() and DoReadHeader() on the I/O thread.
  if (buffer_.capacity() > 2 * kHeaderReadBytes) buffer_.shrink_to_fit();
  parser_.emplace();
  parser_->header_limit(state_->options.header_limit);
  parser_->body_limit(boost::none);
  for (;;) {
    if (buffer_.size() > 0) {
      // Beast consumes nothing of a header until all of it is there (and checks header_limit
      // on what is buffered), so handing back at any point leaves the bytes for the I/O
      // thread's read.
      error_code ec;
      buffer_.consume(parser_->put(buffer_.data(), ec));
      if (ec && ec != http::error::need_more) {
        header_ec = ec;
        return NextRequest::kIoThread;
      }
      if (parser_->is_header_done()) return NextRequest::kReady;
    }
    if (buffer_.capacity() - buffer_.size() < kHeaderReadBytes) {
      buffer_.reserve(buffer_.size() + kHeaderReadBytes);
    }
    ssize_t got = 0;
    {
      std::lock_guard lock(socket_mu_);
      if (socket_closed_) return NextRequest::kEnd;
      auto space = buffer_.prepare(buffer_.capacity() - buffer_.size());
      got = ::recv(worker_fd_, space.data(), space.size(), MSG_DONTWAIT);
      if (got > 0) buffer_.commit(static_cast<size_t>(got));
    }
    if (got > 0) continue;
    if (got == 0) return NextRequest::kEnd;  // the client closed the connection
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return NextRequest::kEnd;
    // Part of a header: the I/O thread reads the rest, under the header timeout.
    return buffer_.size() > 0 ? NextRequest::kHandBack : NextRequest::kLinger;
  }
}

namespace {

// Counts a request as foreground activity while its handler and response run.
class ActiveRequest {
 public:
  ActiveRequest(ServerState& state, std::chrono::steady_clock::time_point started) : state_(state) {
    state_.requests_active.fetch_add(1, std::memory_order_relaxed);
    state_.MarkRequest(started);
  }
  ~ActiveRequest() {
    state_.MarkRequest(std::chrono::steady_clock::now());
    state_.requests_active.fetch_sub(1, std::memory_order_relaxed);
  }
  ActiveRequest(const ActiveRequest&) = delete;
  ActiveRequest& operator=(const ActiveRequest&) = delete;

 private:
  ServerState& state_;
};

}  // namespace

template <class Stream>
bool Connection<Stream>::ServeRequest() {
  const ActiveRequest active(*state_, started_);
  const auto& req = parser_->get();
  const bool is_head = req.method() == http::verb::head;
  api::RequestContext ctx{request_id_, remote_address_, std::is_same_v<Stream, TlsStream>};
  ConnectionBody<Connection<Stream>> body(*this);
  api::Response r;
  try {
    r = state_->handler.Handle(req, body, ctx);
  } catch (const std::exception& e) {
    // The layers below promise not to throw; if one does, the client gets a 500 and we go on.
    Log(LogLevel::kError, "request " + request_id_ + " failed: " + e.what());
    r = api::Response{};
    r.header.result(http::status::internal_server_error);
    body_error_ = asio::error::operation_aborted;  // close after the response
  }

  bool keep_alive = req.keep_alive() && !state_->stopping.load() && !body_error_;
  if (keep_alive && !parser_->is_done() && !DrainSmallRemainder()) keep_alive = false;
  if (body_error_) keep_alive = false;

  http::response_header<>& h = r.header;
  h.version(11);
  h.set(http::field::date, HttpDate(std::chrono::system_clock::now()));
  h.set(http::field::server, "Strata");
  h.set("x-amz-request-id", request_id_);
  h.set("x-amz-id-2", state_->ids.HostId(request_id_));

  error_code ec;
  bool complete = true;
  if (r.stream && !is_head && !BodylessStatus(h.result_int())) {
    std::optional<uint64_t> length;
    std::string_view cl = h[http::field::content_length];
    uint64_t v = 0;
    if (auto [ptr, e] = std::from_chars(cl.data(), cl.data() + cl.size(), v);
        !cl.empty() && e == std::errc() && ptr == cl.data() + cl.size()) {
      length = v;
    }
    // Without a length api/ broke its contract; delimit the body by closing the connection.
    if (!length) keep_alive = false;
    SetKeepAlive(h, keep_alive);
    std::string head = HeaderBytes(h);
    ec = StreamBody(*r.stream, head, length.value_or(UINT64_MAX), complete);
    if (!length) complete = true;  // end of stream is the end of the body
    if (ec && ec != asio::error::operation_aborted) {
      Log(LogLevel::kWarn,
          "request " + request_id_ + ": response stream failed after the header: " + ec.message());
    }
  } else {
    if (!BodylessStatus(h.result_int())) {
      if (!is_head) {
        h.set(http::field::content_length, std::to_string(r.body.size()));
      } else if (h.find(http::field::content_length) == h.end()) {
        h.set(http::field::content_length, "0");
      }
    } else {
      h.erase(http::field::content_length);
    }
    SetKeepAlive(h, keep_alive);
    std::string head = HeaderBytes(h);
    std::vector<asio::const_buffer> buffers = {asio::buffer(head)};
    const bool send_body = !is_head && !r.body.empty() && !BodylessStatus(h.result_int());
    if (send_body) buffers.push_back(asio::buffer(r.body));
    ec = WriteBlocking(std::move(buffers));
    if (!ec && send_body) bytes_out_ += r.body.size();
  }
  r.stream.reset();  // release storage readers on the worker, not the I/O thread

  const auto took = std::chrono::steady_clock::now() - started_;
  last_request_waited_ = took > kWaitedRequest;
  if (state_->options.on_request) {
    record_.request_id = request_id_;
    record_.remote = remote_address_;
    record_.method = std::string(req.method_string());
    record_.target = std::string(req.target());
    record_.operation = std::move(r.operation);
    record_.access_key = ClaimedAccessKey(req);
    record_.user_agent = std::string(req[http::field::user_agent]);
    record_.status = h.result_int();
    record_.bytes_in = bytes_in_;
    record_.bytes_out = bytes_out_;
    record_.duration = took;
    record_.tls = std::is_same_v<Stream, TlsStream>;
    state_->Report(record_);
  }

  // A failed or short response leaves the client to notice the short body: close.
  return keep_alive && !ec && complete;
}

template class Connection<PlainStream>;
template class Connection<TlsStream>;

}  // namespace strata::server
