// Process-wide diagnostic logging and the line writers behind it and the access log.
// Diagnostics are JSON lines on stderr ({"time", "level", "msg"}), filtered by the level set with
// --log-level. Thread-safe: lines from concurrent threads never interleave.
#pragma once

#include <chrono>
#include <cstdio>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace strata::server {

// Ordered by verbosity: a logger at kInfo writes kError, kWarn and kInfo lines.
enum class LogLevel { kError = 0, kWarn = 1, kInfo = 2, kDebug = 3 };

// "error", "warn", "info", "debug" (also "warning"); nullopt for anything else.
std::optional<LogLevel> ParseLogLevel(std::string_view text);
std::string_view LogLevelName(LogLevel level);

// Appends whole lines to a FILE*, one lock per line, flushed after each. Thread-safe.
class LineWriter {
 public:
  // Writes to stderr (not owned).
  LineWriter();
  // Opens `path` for appending (created with mode 0640 if missing). nullptr and `*error` set
  // when it cannot be opened.
  static std::unique_ptr<LineWriter> OpenFile(const std::string& path, std::string* error);
  ~LineWriter();
  LineWriter(const LineWriter&) = delete;
  LineWriter& operator=(const LineWriter&) = delete;

  // Writes `line` and a newline. Write errors are ignored (logging must not fail a request).
  void Write(std::string_view line);

 private:
  LineWriter(std::FILE* file, bool owned) : file_(file), owned_(owned) {}
  std::mutex mu_;
  std::FILE* file_;  // GUARDED_BY(mu_) for writes
  bool owned_;
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
