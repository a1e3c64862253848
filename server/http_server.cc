#include "server/http_server.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <csignal>
#include <iostream>
#include <thread>

#include "erasure/thread_name.h"
#include "server/connection.h"
#include "server/log.h"

namespace strata::server {

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;

HttpServer::HttpServer(HttpServerOptions options, RequestHandler& handler, WorkerPool& pool)
    : state_(std::make_shared<ServerState>(std::move(options), handler, pool)),
      ioc_(1),
      acceptor_(asio::make_strand(ioc_)),
      tls_acceptor_(asio::make_strand(ioc_)) {
  for (size_t i = 1; i < state_->options.io_threads; ++i) {
    extra_iocs_.push_back(std::make_unique<asio::io_context>(1));
  }
}

HttpServer::~HttpServer() = default;

namespace {

error_code BindAndListen(asio::io_context& ioc, tcp::acceptor& acceptor, const std::string& host,
                         uint16_t port) {
  error_code ec;
  asio::ip::address address = asio::ip::make_address(host, ec);
  if (ec) {
    // A host name (e.g. "localhost"): take its first address.
    tcp::resolver resolver(ioc);
    auto results = resolver.resolve(host, std::to_string(port), ec);
    if (ec) return ec;
    if (results.empty()) return asio::error::host_not_found;
    address = results.begin()->endpoint().address();
  }
  tcp::endpoint endpoint(address, port);
  acceptor.open(endpoint.protocol(), ec);
  if (ec) return ec;
  acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (ec) return ec;
  acceptor.bind(endpoint, ec);
  if (ec) return ec;
  acceptor.listen(asio::socket_base::max_listen_connections, ec);
  return ec;
}

}  // namespace

error_code HttpServer::Listen(std::string* which) {
  const HttpServerOptions& o = state_->options;
  if (o.serve_plain) {
    if (error_code ec = BindAndListen(ioc_, acceptor_, o.host, o.port)) {
      if (which) *which = o.host + ":" + std::to_string(o.port);
      return ec;
    }
  }
  if (o.tls_context) {
    if (error_code ec = BindAndListen(ioc_, tls_acceptor_, o.tls_host, o.tls_port)) {
      if (which) *which = o.tls_host + ":" + std::to_string(o.tls_port);
      return ec;
    }
  }
  return {};
}

uint16_t HttpServer::local_port() const {
  error_code ec;
  if (!acceptor_.is_open()) return 0;
  return acceptor_.local_endpoint(ec).port();
}

uint16_t HttpServer::tls_port() const {
  error_code ec;
  if (!tls_acceptor_.is_open()) return 0;
  return tls_acceptor_.local_endpoint(ec).port();
}

size_t HttpServer::connection_count() const { return state_->connection_count(); }

bool HttpServer::ForegroundBusy(std::chrono::nanoseconds window) const {
  if (state_->requests_active.load(std::memory_order_relaxed) > 0) return true;
  const int64_t last = state_->last_request_ns.load(std::memory_order_relaxed);
  if (last == 0) return false;  // no request yet
  const auto since = std::chrono::steady_clock::now().time_since_epoch() -
                     std::chrono::steady_clock::duration(last);
  return since < window;
}

void HttpServer::set_ready(bool ready) { state_->ready.store(ready); }

void HttpServer::DoAccept(tcp::acceptor& acceptor, bool tls) {
  // Each connection gets its own strand: its handlers never run concurrently, even with several
  // I/O threads.
  // The acceptors share ioc_'s one thread, so next_ioc_ needs no lock.
  const size_t pick = next_ioc_++ % (1 + extra_iocs_.size());
  asio::io_context& ioc = pick == 0 ? ioc_ : *extra_iocs_[pick - 1];
  acceptor.async_accept(
      asio::make_strand(ioc), [this, &acceptor, tls](error_code ec, tcp::socket socket) {
        if (ec) {
          if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
          // EMFILE and friends: keep accepting (the next connection may fit).
          Log(LogLevel::kWarn, "accept failed: " + ec.message());
          return DoAccept(acceptor, tls);
        }
        if (state_->stopping.load()) return;
        // Responses are written whole or in large buffers; Nagle's algorithm would only hold
        // back the tail of a small response until the client's delayed ACK (~40 ms).
        error_code nodelay_ec;
        socket.set_option(tcp::no_delay(true), nodelay_ec);
        if (state_->connection_count() >= state_->options.max_connections) {
          error_code ignored;
          socket.close(ignored);  // over the limit: refuse by closing
        } else if (tls) {
          std::make_shared<Connection<TlsStream>>(std::move(socket), state_,
                                                  state_->options.tls_context.get())
              ->Start();
        } else {
          std::make_shared<Connection<PlainStream>>(std::move(socket), state_)->Start();
        }
        DoAccept(acceptor, tls);
      });
}

void HttpServer::Run(bool handle_signals) {
  std::optional<asio::signal_set> signals;
  if (handle_signals) {
    signals.emplace(ioc_, SIGINT, SIGTERM);
    signals->async_wait([this](error_code ec, int signal) {
      if (ec) return;
      Log(LogLevel::kInfo,
          std::string(signal == SIGINT ? "SIGINT" : "SIGTERM") + " received, shutting down");
      Stop();
    });
  }
  if (acceptor_.is_open())
    asio::post(acceptor_.get_executor(), [this] { DoAccept(acceptor_, false); });
  if (tls_acceptor_.is_open()) {
    asio::post(tls_acceptor_.get_executor(), [this] { DoAccept(tls_acceptor_, true); });
  }

  // The other contexts run until StopAll(), even while none of their connections is open.
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
  std::thread linger_watchdog([this] {
    erasure::NameThisThread("http-linger");
    state_->linger.RunWatchdog();
  });
  std::vector<std::thread> extra;
  for (auto& ioc : extra_iocs_) {
    guards.push_back(asio::make_work_guard(*ioc));
    extra.emplace_back([&ioc] {
      erasure::NameThisThread("http-io");  // ioc_ runs on the caller's (main) thread
      ioc->run();
    });
  }
  ioc_.run();
  StopAll();  // ioc_ ran out of work without Stop(): the others stop too
  for (std::thread& t : extra) t.join();
  // No handler runs any more: workers blocked on the socket must give up now, and no
  // connection lingers for its next request (a worker that answers one after this hands it
  // back to the stopped I/O thread, which drops it).
  state_->io_stopped.store(true);
  state_->linger.Close();
  linger_watchdog.join();
  signals.reset();
}

void HttpServer::StopAll() {
  ioc_.stop();
  for (auto& ioc : extra_iocs_) ioc->stop();
}

void HttpServer::Stop() {
  asio::post(acceptor_.get_executor(), [this] { BeginShutdown(); });
}

void HttpServer::BeginShutdown() {
  if (state_->stopping.exchange(true)) return;
  state_->ready.store(false);
  error_code ignored;
  acceptor_.close(ignored);
  // The TLS acceptor lives on its own strand.
  asio::post(tls_acceptor_.get_executor(), [this] {
    error_code ignored2;
    tls_acceptor_.close(ignored2);
  });
  for (auto& c : state_->Snapshot()) c->CloseIfIdle();
  PollShutdown(std::chrono::steady_clock::now() + state_->options.shutdown_grace, false);
}

void HttpServer::PollShutdown(std::chrono::steady_clock::time_point deadline, bool forced) {
  // Connections close themselves after their in-flight response; poll until none is left, or
  // close the stragglers at the deadline.
  if (state_->connection_count() == 0) return StopAll();
  if (!forced && std::chrono::steady_clock::now() >= deadline) {
    Log(LogLevel::kWarn, "shutdown grace period over, closing " +
                             std::to_string(state_->connection_count()) + " connection(s)");
    for (auto& c : state_->Snapshot()) c->ForceClose();
    forced = true;
    deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  } else if (forced && std::chrono::steady_clock::now() >= deadline) {
    return StopAll();  // a worker still inside a handler; Run()'s caller drains the pool
  }
  auto timer =
      std::make_shared<asio::steady_timer>(acceptor_.get_executor(), std::chrono::milliseconds(50));
  timer->async_wait(
      [this, timer, deadline, forced](error_code) { PollShutdown(deadline, forced); });
}

}  // namespace strata::server
