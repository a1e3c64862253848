#include "server/log.h"

#include <fcntl.h>
#include <sys/uio.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>

#include "erasure/thread_name.h"
#include "erasure/utc_time.h"

namespace strata::server {
namespace {

std::atomic<int> g_level{static_cast<int>(LogLevel::kInfo)};

}  // namespace

std::optional<LogLevel> ParseLogLevel(std::string_view text) {
  if (text == "error") return LogLevel::kError;
  if (text == "warn" || text == "warning") return LogLevel::kWarn;
  if (text == "info") return LogLevel::kInfo;
  if (text == "debug") return LogLevel::kDebug;
  return std::nullopt;
}

std::string_view LogLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kError:
      return "error";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kDebug:
      return "debug";
  }
  return "info";
}

LineWriter::LineWriter() : LineWriter(stderr, false) {}

// The flusher starts with the writer. Threads inherit their creator's priority (see
// erasure/background.cc): the stderr writer is created while the process loads (below), and
// file writers by main(), never by a lowered background thread.
LineWriter::LineWriter(std::FILE* file, bool owned)
    : file_(file), owned_(owned), flusher_([this] {
        erasure::NameThisThread("log-flush");
        RunFlusher();
      }) {}

LineWriter& StderrLineWriter() {
  static LineWriter* writer = new LineWriter();  // never destroyed: usable during exit
  return *writer;
}
namespace {
[[maybe_unused]] const LineWriter& stderr_writer_at_load = StderrLineWriter();
}  // namespace

std::unique_ptr<LineWriter> LineWriter::OpenFile(const std::string& path, std::string* error) {
  // O_APPEND: several processes (or logrotate's copytruncate) may share the file.
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (fd < 0) {
    if (error) *error = "cannot open \"" + path + "\": " + std::strerror(errno);
    return nullptr;
  }
  std::FILE* f = ::fdopen(fd, "a");
  if (f == nullptr) {
    if (error) *error = "cannot open \"" + path + "\": " + std::strerror(errno);
    ::close(fd);
    return nullptr;
  }
  return std::unique_ptr<LineWriter>(new LineWriter(f, true));
}

LineWriter::~LineWriter() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  wake_.notify_one();
  flusher_.join();  // it writes what is pending on its way out
  if (owned_) std::fclose(file_);
}

void LineWriter::RunFlusher() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    wake_.wait(lock, [this] { return stop_ || !pending_.empty(); });
    // Let a batch gather, unless it is big already.
    wake_.wait_for(lock, kDeferredFlush,
                   [this] { return stop_ || pending_.size() >= kDeferredBytes; });
    lock.unlock();
    Flush();
    lock.lock();
  }
  lock.unlock();
  Flush();
}

void LineWriter::WriteAll(std::span<iovec> pieces) {
  while (!pieces.empty()) {
    const ssize_t n = ::writev(::fileno(file_), pieces.data(), static_cast<int>(pieces.size()));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // errors are ignored (see the header)
    // A short write (a full pipe, a signal): move past what went out.
    size_t done = static_cast<size_t>(n);
    while (!pieces.empty() && done >= pieces.front().iov_len) {
      done -= pieces.front().iov_len;
      pieces = pieces.subspan(1);
    }
    if (!pieces.empty()) {
      pieces.front().iov_base = static_cast<char*>(pieces.front().iov_base) + done;
      pieces.front().iov_len -= done;
    }
  }
}

void LineWriter::WritePending(std::span<const iovec> extra) {
  {
    std::lock_guard lock(mu_);
    pending_.swap(spare_);  // spare_ was empty: the pending lines leave mu_ for write_mu_
  }
  std::fflush(file_);  // nothing is normally buffered; keeps any stdio output in order
  std::array<iovec, 3> iov;
  size_t n = 0;
  if (!spare_.empty()) iov[n++] = {spare_.data(), spare_.size()};
  for (const iovec& piece : extra) iov[n++] = piece;
  WriteAll(std::span(iov.data(), n));
  spare_.clear();
  // A burst may have grown the buffer far past a normal batch: give that memory back.
  if (spare_.capacity() > 2 * kDeferredBytes) spare_.shrink_to_fit();
}

void LineWriter::Write(std::string_view line) {
  // One writev for the deferred lines, this line and its newline: stderr is unbuffered, and
  // fwrite + fputc there were two system calls per line.
  std::lock_guard write_lock(write_mu_);
  char newline = '\n';
  const iovec extra[2] = {{const_cast<char*>(line.data()), line.size()}, {&newline, 1}};
  WritePending(extra);
}

void LineWriter::WriteDeferred(std::string_view line) {
  bool wake = false;
  bool over_limit = false;
  {
    std::lock_guard lock(mu_);
    const size_t before = pending_.size();
    pending_.append(line);
    pending_.push_back('\n');
    // The flusher waits for the first line, then for the batch to fill or its time to pass.
    wake = before == 0 || (before < kDeferredBytes && pending_.size() >= kDeferredBytes);
    over_limit = pending_.size() >= kDeferredLimit;
  }
  if (over_limit) {
    Flush();
  } else if (wake) {
    wake_.notify_one();
  }
}

void LineWriter::Flush() {
  std::lock_guard write_lock(write_mu_);
  WritePending({});
}

void SetLogLevel(LogLevel level) { g_level.store(static_cast<int>(level)); }

LogLevel GetLogLevel() { return static_cast<LogLevel>(g_level.load(std::memory_order_relaxed)); }

std::string IsoTime(std::chrono::system_clock::time_point t) {
  return erasure::FormatIso8601Millis(t);
}

void Log(LogLevel level, std::string_view message) {
  if (!LogEnabled(level)) return;
  nlohmann::ordered_json line = {{"time", IsoTime(std::chrono::system_clock::now())},
                                 {"level", LogLevelName(level)},
                                 {"msg", message}};
  // replace: a message quoting client input may hold invalid UTF-8.
  StderrLineWriter().Write(
      line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
}

}  // namespace strata::server
