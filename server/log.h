// Process-wide diagnostic logging and the line writers behind it and the access log.
// Diagnostics are JSON lines on stderr ({"time", "level", "msg"}), filtered by the level set with
// --log-level. Thread-safe: lines from concurrent threads never interleave.
#pragma once

#include <sys/uio.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <thread>

namespace strata::server {

// Ordered by verbosity: a logger at kInfo writes kError, kWarn and kInfo lines.
enum class LogLevel { kError = 0, kWarn = 1, kInfo = 2, kDebug = 3 };

// "error", "warn", "info", "debug" (also "warning"); nullopt for anything else.
std::optional<LogLevel> ParseLogLevel(std::string_view text);
std::string_view LogLevelName(LogLevel level);

// Appends whole lines to a FILE*. Thread-safe: lines never interleave, and every line is
// written in the order its call returned, whichever of the two calls wrote it.
class LineWriter {
 public:
  // Deferred lines are written at most this long after they were given...
  static constexpr std::chrono::milliseconds kDeferredFlush{50};
  // ...or as soon as this much is pending (by the flusher thread)...
  static constexpr size_t kDeferredBytes = 64 * 1024;
  // ...and a caller that finds this much pending (the flusher is behind: a slow pipe) writes
  // it itself, so memory stays bounded.
  static constexpr size_t kDeferredLimit = 1024 * 1024;

  // Writes to stderr (not owned).
  LineWriter();
  // Opens `path` for appending (created with mode 0640 if missing). nullptr and `*error` set
  // when it cannot be opened.
  static std::unique_ptr<LineWriter> OpenFile(const std::string& path, std::string* error);
  // Writes the deferred lines.
  ~LineWriter();
  LineWriter(const LineWriter&) = delete;
  LineWriter& operator=(const LineWriter&) = delete;

  // Writes `line` and a newline now (after any deferred lines). For diagnostics: a line
  // written before a crash is on disk. Write errors are ignored (logging must not fail a
  // request).
  void Write(std::string_view line);

  // Queues `line` and a newline; a flusher thread writes the queue in batches. For the
  // access log: one request's line used to be a system call under this writer's lock, which
  // every worker took (~3 us of a 4 KiB GET's ~25 us, and lock waits). A crash loses at most
  // the last kDeferredFlush of deferred lines.
  void WriteDeferred(std::string_view line);

  // Writes every deferred line now.
  void Flush();

 private:
  LineWriter(std::FILE* file, bool owned);
  void RunFlusher();
  // Writes `pieces` whole (retrying short writes). REQUIRES: write_mu_ held.
  void WriteAll(std::span<iovec> pieces);
  // Takes the deferred lines and writes them and then `extra`. REQUIRES: write_mu_ held.
  void WritePending(std::span<const iovec> extra);

  // Order: write_mu_ before mu_. Writes happen under write_mu_ only, so deferred lines are
  // appended (under mu_, briefly) while a batch is being written.
  std::mutex write_mu_;
  std::mutex mu_;
  std::condition_variable wake_;
  std::string pending_;  // GUARDED_BY(mu_): deferred lines, newline-terminated
  std::string spare_;    // GUARDED_BY(write_mu_): the last batch's buffer, reused
  bool stop_ = false;    // GUARDED_BY(mu_)
  std::FILE* file_;      // written under write_mu_
  bool owned_;
  std::thread flusher_;
};

// The one writer for stderr, shared by diagnostics and the access log so their lines never
// interleave.
LineWriter& StderrLineWriter();

// The process-wide diagnostic level (default kInfo). Thread-safe.
void SetLogLevel(LogLevel level);
LogLevel GetLogLevel();
inline bool LogEnabled(LogLevel level) { return level <= GetLogLevel(); }

// Writes {"time": "...", "level": "...", "msg": message} to stderr when `level` is enabled.
void Log(LogLevel level, std::string_view message);

// ISO 8601 UTC with milliseconds: "2026-05-01T12:34:56.789Z".
std::string IsoTime(std::chrono::system_clock::time_point t);

}  // namespace strata::server
