#include "server/log.h"

#include <fcntl.h>
#include <sys/uio.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <nlohmann/json.hpp>

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

LineWriter::LineWriter() : file_(stderr), owned_(false) {}

LineWriter& StderrLineWriter() {
  static LineWriter* writer = new LineWriter();  // never destroyed: usable during exit
  return *writer;
}

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
  if (owned_) std::fclose(file_);
}

void LineWriter::Write(std::string_view line) {
  std::lock_guard lock(mu_);
  // One writev for the line and its newline: stderr is unbuffered, and fwrite + fputc there
  // were two system calls per access log line, under this lock.
  std::fflush(file_);  // nothing is normally buffered; keeps any stdio output in order
  char newline = '\n';
  iovec iov[2] = {{const_cast<char*>(line.data()), line.size()}, {&newline, 1}};
  const int fd = ::fileno(file_);
  size_t left = line.size() + 1;
  int first = 0;
  while (left > 0) {
    const ssize_t n = ::writev(fd, iov + first, 2 - first);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // errors are ignored (see the header)
    left -= static_cast<size_t>(n);
    // A short write (a full pipe, a signal): move past what went out.
    size_t done = static_cast<size_t>(n);
    while (first < 2 && done >= iov[first].iov_len) done -= iov[first++].iov_len;
    if (first < 2) {
      iov[first].iov_base = static_cast<char*>(iov[first].iov_base) + done;
      iov[first].iov_len -= done;
    }
  }
}

void SetLogLevel(LogLevel level) { g_level.store(static_cast<int>(level)); }

LogLevel GetLogLevel() { return static_cast<LogLevel>(g_level.load(std::memory_order_relaxed)); }

std::string IsoTime(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  auto ms = duration_cast<milliseconds>(t.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  if (ms % 1000 < 0) --secs;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(((ms % 1000) + 1000) % 1000));
  return buf;
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
