// The audit log's live segment runs ahead of its records in written zeros: readers take them as
// the end, closing (clean or by rotation) cuts them off durably, a reopen after a crash cuts
// them and any torn line and continues the chain, and zeros with records after them are still
// corruption.
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "server/audit_log.h"
#include "server/audit_verify.h"
#include "tests/server/audit_fixture_fake.h"

namespace fs = std::filesystem;
using namespace strata::server;
using namespace std::chrono_literals;

namespace {

using ZeroTestDir = testing::AuditTempDir;

AuditEvent ZeroTestEvent(int i) { return testing::SampleAuditEvent("key-" + std::to_string(i)); }

std::unique_ptr<AuditLog> OpenZeroTestLog(const std::string& dir, uint64_t segment_bytes,
                                          bool sync = true) {
  std::string detail;
  auto log = AuditLog::Open(
      {.dir = dir, .segment_bytes = segment_bytes, .deployment = "test", .sync = sync}, &detail);
  INFO(detail);
  REQUIRE(log);
  return std::move(*log);
}

std::string Slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void Spit(const fs::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

// The bytes before the first zero (the records of a live segment).
std::string Records(const std::string& bytes) { return bytes.substr(0, bytes.find('\0')); }

size_t CountLines(const std::string& s) { return std::count(s.begin(), s.end(), '\n'); }

}  // namespace

TEST_CASE("a live segment has written zeros beyond its records and a clean close cuts them") {
  ZeroTestDir d;
  const fs::path seg = d.path / AuditSegmentName(1);
  {
    auto log = OpenZeroTestLog(d.str(), 64 << 20);
    for (int i = 1; i <= 5; ++i) REQUIRE(log->Append(ZeroTestEvent(i)));
    // The filler tops the zeros up to at least half a MiB ahead, off the appenders' path.
    std::string bytes = Slurp(seg);
    for (int i = 0; i < 500 && bytes.size() < Records(bytes).size() + (512 << 10); ++i) {
      std::this_thread::sleep_for(10ms);
      bytes = Slurp(seg);
    }
    const std::string records = Records(bytes);
    CHECK(CountLines(records) == 5);
    CHECK(records.back() == '\n');
    CHECK(bytes.size() >= records.size() + (512 << 10));
    CHECK(bytes.find_first_not_of('\0', records.size()) == std::string::npos);
    // Readers take the zeros as the end.
    const AuditVerifyReport report = VerifyAuditLog(d.str());
    INFO(report.problem);
    CHECK(report.intact);
    CHECK(report.records == 5);
    std::string error;
    CHECK(TailAuditLog(d.str(), 10, &error).size() == 5);
  }
  const std::string closed = Slurp(seg);
  CHECK(closed.find('\0') == std::string::npos);
  CHECK(CountLines(closed) == 5);
  CHECK(closed.back() == '\n');
  CHECK(fs::file_size(seg) == closed.size());
  CHECK(VerifyAuditLog(d.str()).intact);
}

TEST_CASE("the segment handed to the rotation listener is cut to its records") {
  ZeroTestDir d;
  auto log = OpenZeroTestLog(d.str(), 16 << 10);
  std::vector<std::string> closed, problems;
  log->SetRotationListener([&](const std::string& path) {
    closed.push_back(path);
    const std::string bytes = Slurp(path);
    if (bytes.find('\0') != std::string::npos) problems.push_back(path + " has zeros");
    if (bytes.empty() || bytes.back() != '\n') problems.push_back(path + " does not end a line");
    if (fs::file_size(path) != bytes.size()) problems.push_back(path + " size");
  });
  int n = 0;
  while (closed.size() < 3) REQUIRE(log->Append(ZeroTestEvent(++n)));
  log->SetRotationListener({});
  CHECK(problems.empty());
  for (const auto& p : problems) WARN(p);
  std::string error;
  const auto segments = ListAuditSegments(d.str(), &error);
  REQUIRE(segments.size() == 4);
  for (size_t i = 0; i < 3; ++i) CHECK(segments[i] == closed[i]);
  // The live one still runs ahead in zeros.
  const std::string live = Slurp(segments[3]);
  CHECK(live.size() > Records(live).size());
  const AuditVerifyReport report = VerifyAuditLog(d.str());
  INFO(report.problem);
  CHECK(report.intact);
  CHECK(report.records == uint64_t(n));
}

TEST_CASE("a reopen after a crash cuts the zero tail and a torn line and continues the chain") {
  ZeroTestDir live, crashed;
  auto log = OpenZeroTestLog(live.str(), 64 << 20);
  for (int i = 1; i <= 10; ++i) REQUIRE(log->Append(ZeroTestEvent(i)));
  // The folder as a crash leaves it: copied while the log is open.
  fs::copy(live.path, crashed.path,
           fs::copy_options::recursive | fs::copy_options::overwrite_existing);
  const fs::path seg = crashed.path / AuditSegmentName(1);
  std::string bytes = Slurp(seg);
  const std::string records = Records(bytes);
  REQUIRE(CountLines(records) == 10);
  REQUIRE(bytes.size() > records.size());

  SECTION("zeros only") {
    // The verifier takes the live segment's zero tail as its end.
    CHECK(VerifyAuditLog(crashed.str()).intact);
  }
  SECTION("a torn line before the zeros") {
    const std::string torn = "{\"seq\":11,\"time\":\"torn";
    bytes.replace(records.size(), torn.size(), torn);
    Spit(seg, bytes);
    // The verifier skips a torn last line in the live segment.
    CHECK(VerifyAuditLog(crashed.str()).intact);
  }
  SECTION("a torn write: the end of an unsynced record after a zero page") {
    const std::string stray = "\"bytes_out\":0,\"prev\":\"ab\",\"hash\":\"cd\"}\n";
    bytes.replace(records.size() + 4096, stray.size(), stray);
    Spit(seg, bytes);
    // Before the reopen, the verifier reports zeros with bytes after them.
    const AuditVerifyReport before = VerifyAuditLog(crashed.str());
    CHECK_FALSE(before.intact);
    CHECK(before.problem.find("zero bytes in the middle") != std::string::npos);
  }
  const std::string hash = log->last_hash();
  {
    auto reopened = OpenZeroTestLog(crashed.str(), 64 << 20);
    CHECK(reopened->last_seq() == 10);
    CHECK(reopened->last_hash() == hash);
    REQUIRE(reopened->Append(ZeroTestEvent(11)).value() == 11);
  }
  const std::string after = Slurp(seg);
  CHECK(after.find('\0') == std::string::npos);
  CHECK(CountLines(after) == 11);
  CHECK(after.substr(0, records.size()) == records);
  const AuditVerifyReport report = VerifyAuditLog(crashed.str());
  INFO(report.problem);
  CHECK(report.intact);
  CHECK(report.records == 11);
}

TEST_CASE("a segment of nothing but zeros (a crash right after a rotation) is removed") {
  ZeroTestDir d;
  std::string hash;
  {
    auto log = OpenZeroTestLog(d.str(), 64 << 20);
    for (int i = 1; i <= 3; ++i) REQUIRE(log->Append(ZeroTestEvent(i)));
    hash = log->last_hash();
  }
  Spit(d.path / AuditSegmentName(4), std::string(64 << 10, '\0'));
  CHECK(VerifyAuditLog(d.str()).intact);  // the newest segment: zeros are its end
  auto log = OpenZeroTestLog(d.str(), 64 << 20);
  CHECK(log->last_seq() == 3);
  CHECK(log->last_hash() == hash);
  CHECK_FALSE(fs::exists(d.path / AuditSegmentName(4)));
  REQUIRE(log->Append(ZeroTestEvent(4)).value() == 4);
  CHECK(VerifyAuditLog(d.str()).records == 4);
}

TEST_CASE("verify reports zeros followed by records, and zeros at the end of a closed segment") {
  ZeroTestDir d;
  {
    auto log = OpenZeroTestLog(d.str(), 2048);
    for (int i = 1; i <= 24; ++i) REQUIRE(log->Append(ZeroTestEvent(i)));
  }
  std::string error;
  const auto segments = ListAuditSegments(d.str(), &error);
  REQUIRE(segments.size() >= 3);
  const std::string first = Slurp(segments[0]);
  REQUIRE(CountLines(first) >= 3);
  const size_t second_line = first.find('\n') + 1;

  SECTION("zeros between records, in a closed segment and in the live one") {
    for (const std::string& path : {segments[0], segments.back()}) {
      const std::string original = Slurp(path);
      const size_t at = original.find('\n') + 1;
      Spit(path, original.substr(0, at) + std::string(100, '\0') + original.substr(at));
      const AuditVerifyReport r = VerifyAuditLog(d.str());
      CHECK_FALSE(r.intact);
      CHECK(r.file == path);
      CHECK(r.line == 2);
      CHECK(r.problem.find("zero bytes in the middle") != std::string::npos);
      Spit(path, original);
    }
  }
  SECTION("zeros inside a record") {
    std::string edited = first;
    edited.replace(second_line + 10, 20, std::string(20, '\0'));
    Spit(segments[0], edited);
    const AuditVerifyReport r = VerifyAuditLog(d.str());
    CHECK_FALSE(r.intact);
    CHECK(r.line == 2);
  }
  SECTION("a zero tail on a closed segment") {
    Spit(segments[0], first + std::string(4096, '\0'));
    const AuditVerifyReport r = VerifyAuditLog(d.str());
    CHECK_FALSE(r.intact);
    CHECK(r.file == segments[0]);
    CHECK(r.problem.find("not the newest") != std::string::npos);
  }
  SECTION("a zero tail on the live segment, in any pieces") {
    Spit(segments.back(), Slurp(segments.back()) + std::string(5000, '\0'));
    CHECK(VerifyAuditLog(d.str()).intact);
    const std::string genesis = Slurp(d.path / "GENESIS");
    for (size_t piece : {size_t{1}, size_t{333}, size_t{1} << 20}) {
      AuditChainVerifier v(genesis.substr(0, genesis.find('\n')));
      for (size_t i = 0; i < segments.size(); ++i) {
        const std::string bytes = Slurp(segments[i]);
        v.BeginSegment(fs::path(segments[i]).filename().string(), segments[i]);
        for (size_t at = 0; at < bytes.size(); at += piece) v.Feed(bytes.substr(at, piece));
        v.EndSegment(i + 1 == segments.size());
      }
      INFO(v.report().problem);
      CHECK(v.report().intact);
      CHECK(v.report().records == 24);
    }
  }
}

TEST_CASE("verify and tail of a live log while it is appended to find no zeros in the middle") {
  ZeroTestDir d;
  auto log = OpenZeroTestLog(d.str(), 64 << 20, /*sync=*/false);
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (int i = 1; !stop; ++i) {
      if (!log->Append(ZeroTestEvent(i))) break;
    }
  });
  int checks = 0;
  std::vector<std::string> problems;
  const auto deadline = std::chrono::steady_clock::now() + 1500ms;
  while (std::chrono::steady_clock::now() < deadline) {
    const AuditVerifyReport r = VerifyAuditLog(d.str());
    if (!r.intact) problems.push_back(r.problem + " at line " + std::to_string(r.line));
    std::string error;
    for (const std::string& line : TailAuditLog(d.str(), 3, &error)) {
      if (!ParseAuditLink(line)) problems.push_back("tail: " + line);
    }
    ++checks;
  }
  stop = true;
  writer.join();
  CHECK(problems.empty());
  for (const auto& p : problems) WARN(p);
  CHECK(checks > 0);
  CHECK(log->last_seq() > 1000);
}

TEST_CASE("a failed write is cut off and later appends and a reopen continue a clean chain") {
  ZeroTestDir d;
  // Writes past 8 KiB fail (EFBIG, the signal ignored): the first zeros stop there, and so does
  // the record that crosses it.
  struct rlimit old_limit;
  REQUIRE(::getrlimit(RLIMIT_FSIZE, &old_limit) == 0);
  auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  struct rlimit limit = old_limit;
  limit.rlim_cur = 8192;
  REQUIRE(::setrlimit(RLIMIT_FSIZE, &limit) == 0);
  auto log = OpenZeroTestLog(d.str(), 64 << 20);
  int n = 0;
  boost::system::error_code failure;
  while (!failure && n < 100) {
    auto r = log->Append(ZeroTestEvent(n + 1));
    if (r) {
      ++n;
    } else {
      failure = r.error();
    }
  }
  CHECK_FALSE(log->Append(ZeroTestEvent(n + 1)));  // still no room; not sticky
  REQUIRE(::setrlimit(RLIMIT_FSIZE, &old_limit) == 0);
  std::signal(SIGXFSZ, old_handler);
  REQUIRE(failure);
  REQUIRE(n > 10);
  const fs::path seg = d.path / AuditSegmentName(1);
  const std::string bytes = Slurp(seg);
  CHECK(bytes.size() == 8192);
  CHECK(CountLines(Records(bytes)) == size_t(n));
  CHECK(bytes.find_first_not_of('\0', Records(bytes).size()) == std::string::npos);
  CHECK(VerifyAuditLog(d.str()).records == uint64_t(n));

  REQUIRE(log->Append(ZeroTestEvent(n + 1)).value() == uint64_t(n + 1));
  log.reset();
  const std::string closed = Slurp(seg);
  CHECK(closed.find('\0') == std::string::npos);
  CHECK(CountLines(closed) == size_t(n + 1));
  auto reopened = OpenZeroTestLog(d.str(), 64 << 20);
  CHECK(reopened->last_seq() == uint64_t(n + 1));
  REQUIRE(reopened->Append(ZeroTestEvent(n + 2)));
  const AuditVerifyReport report = VerifyAuditLog(d.str());
  INFO(report.problem);
  CHECK(report.intact);
  CHECK(report.records == uint64_t(n + 2));
}
