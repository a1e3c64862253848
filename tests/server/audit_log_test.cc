// The audit log: the hash chain, rotation, continuing after a restart, group commit under
// concurrent appends, the verifier's findings, and the audit hook in front of a handler.
#include "server/audit_log.h"

#include <unistd.h>

#include <array>
#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "server/audit_handler.h"
#include "server/audit_verify.h"
#include "tests/server/audit_fixture_fake.h"

namespace fs = std::filesystem;
using namespace strata::server;
namespace api = strata::api;
namespace storage = strata::storage;

namespace {

using TempDir = testing::AuditTempDir;

AuditEvent Event(std::string key, unsigned status = 200) {
  return testing::SampleAuditEvent(std::move(key), status);
}

std::unique_ptr<AuditLog> OpenLog(const std::string& dir, uint64_t segment_bytes = 64 << 20) {
  AuditLogOptions o;
  o.dir = dir;
  o.segment_bytes = segment_bytes;
  o.deployment = "test";
  std::string detail;
  auto log = AuditLog::Open(o, &detail);
  INFO(detail);
  REQUIRE(log);
  return std::move(*log);
}

// The record lines of a segment: a live one's records end at its first zero byte (it runs
// ahead of them in zeros).
std::vector<std::string> ReadLines(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::istringstream records(bytes.substr(0, bytes.find('\0')));
  std::vector<std::string> lines;
  for (std::string l; std::getline(records, l);) lines.push_back(l);
  return lines;
}

void WriteLines(const fs::path& file, const std::vector<std::string>& lines) {
  std::ofstream out(file, std::ios::trunc);
  for (const auto& l : lines) out << l << "\n";
}

}  // namespace

TEST_CASE("each record's prev is the hash of the record before it, starting at the genesis") {
  TempDir d;
  auto log = OpenLog(d.str());
  for (int i = 1; i <= 3; ++i)
    REQUIRE(log->Append(Event("k" + std::to_string(i))).value() == uint64_t(i));
  auto lines = ReadLines(d.path / AuditSegmentName(1));
  REQUIRE(lines.size() == 3);
  std::string genesis;
  std::getline(std::ifstream(d.path / "GENESIS"), genesis);
  CHECK(genesis.find("deployment test") != std::string::npos);
  std::string prev = Sha256Hex(genesis);
  for (size_t i = 0; i < lines.size(); ++i) {
    auto j = nlohmann::json::parse(lines[i]);
    CHECK(j["seq"] == i + 1);
    CHECK(j["prev"] == prev);
    CHECK(j["principal"] == "AKIDEXAMPLE");
    CHECK(j["key"] == "k" + std::to_string(i + 1));
    auto link = ParseAuditLink(lines[i]);
    REQUIRE(link);
    CHECK(link->computed == link->hash);
    prev = link->hash;
  }
  CHECK(log->last_hash() == prev);
  auto report = VerifyAuditLog(d.str());
  CHECK(report.intact);
  CHECK(report.records == 3);
  CHECK(report.last_hash == prev);
}

TEST_CASE("an anonymous request and a key with invalid UTF-8 still make a valid record") {
  TempDir d;
  auto log = OpenLog(d.str());
  AuditEvent e = Event(std::string("bad\xff\xfe\0key", 9));
  e.principal.clear();
  REQUIRE(log->Append(e));
  auto lines = ReadLines(d.path / AuditSegmentName(1));
  REQUIRE(lines.size() == 1);
  auto j = nlohmann::json::parse(lines[0]);
  CHECK(j["principal"] == "anonymous");
  CHECK(VerifyAuditLog(d.str()).intact);
}

TEST_CASE("segments rotate by size and the chain continues across them") {
  TempDir d;
  auto log = OpenLog(d.str(), /*segment_bytes=*/1024);
  for (int i = 0; i < 40; ++i) REQUIRE(log->Append(Event("key-" + std::to_string(i))));
  std::string error;
  auto segments = ListAuditSegments(d.str(), &error);
  CHECK(segments.size() > 3);
  for (const auto& s : segments) {
    size_t bytes = 0;
    for (const auto& line : ReadLines(s)) bytes += line.size() + 1;
    CHECK(bytes < 1024 + 1024);
  }
  auto report = VerifyAuditLog(d.str());
  CHECK(report.intact);
  CHECK(report.records == 40);
  CHECK(report.segments == segments.size());
}

TEST_CASE("a reopened log continues the chain and cuts a torn last line") {
  TempDir d;
  std::string hash;
  {
    auto log = OpenLog(d.str(), 2048);
    for (int i = 0; i < 20; ++i) REQUIRE(log->Append(Event("a" + std::to_string(i))));
    hash = log->last_hash();
  }
  std::string error;
  auto segments = ListAuditSegments(d.str(), &error);
  { std::ofstream(segments.back(), std::ios::app) << "{\"seq\":21,\"time\":\"torn"; }
  auto log = OpenLog(d.str(), 2048);
  CHECK(log->last_seq() == 20);
  CHECK(log->last_hash() == hash);
  REQUIRE(log->Append(Event("after-restart")).value() == 21);
  auto report = VerifyAuditLog(d.str());
  INFO(report.problem);
  CHECK(report.intact);
  CHECK(report.records == 21);
}

TEST_CASE("concurrent appends are all recorded, in seq order, sharing fdatasync calls") {
  TempDir d;
  auto log = OpenLog(d.str(), 16 * 1024);
  constexpr int kThreads = 8, kEach = 50;
  std::vector<std::thread> threads;
  std::vector<std::vector<uint64_t>> seqs(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        auto r = log->Append(Event("t" + std::to_string(t) + "-" + std::to_string(i)));
        if (r) seqs[t].push_back(*r);
      }
    });
  }
  for (auto& th : threads) th.join();
  std::set<uint64_t> all;
  for (auto& v : seqs) all.insert(v.begin(), v.end());
  CHECK(all.size() == kThreads * kEach);
  CHECK(*all.begin() == 1);
  CHECK(*all.rbegin() == kThreads * kEach);
  auto report = VerifyAuditLog(d.str());
  CHECK(report.intact);
  CHECK(report.records == kThreads * kEach);
  // Group commit: fewer syncs than records (each sync covers every record written before it).
  CHECK(log->sync_count() < uint64_t{kThreads * kEach});
}

TEST_CASE("verify finds an edited record at its line") {
  TempDir d;
  {
    auto log = OpenLog(d.str());
    for (int i = 0; i < 5; ++i) REQUIRE(log->Append(Event("k" + std::to_string(i))));
  }
  fs::path seg = d.path / AuditSegmentName(1);
  auto lines = ReadLines(seg);
  auto pos = lines[2].find("\"status\":200");
  REQUIRE(pos != std::string::npos);
  lines[2].replace(pos, 12, "\"status\":403");
  WriteLines(seg, lines);
  auto report = VerifyAuditLog(d.str());
  CHECK_FALSE(report.intact);
  CHECK(report.line == 3);
  CHECK(report.file == seg.string());
  CHECK(report.problem.find("edited") != std::string::npos);
  CHECK(report.records == 2);
}

TEST_CASE("verify finds a removed record and a reordered pair at the first wrong line") {
  TempDir d;
  {
    auto log = OpenLog(d.str());
    for (int i = 0; i < 6; ++i) REQUIRE(log->Append(Event("k" + std::to_string(i))));
  }
  fs::path seg = d.path / AuditSegmentName(1);
  const auto original = ReadLines(seg);

  auto removed = original;
  removed.erase(removed.begin() + 3);
  WriteLines(seg, removed);
  auto report = VerifyAuditLog(d.str());
  CHECK_FALSE(report.intact);
  CHECK(report.line == 4);
  CHECK(report.problem.find("missing") != std::string::npos);

  auto swapped = original;
  std::swap(swapped[1], swapped[2]);
  WriteLines(seg, swapped);
  report = VerifyAuditLog(d.str());
  CHECK_FALSE(report.intact);
  CHECK(report.line == 2);
  CHECK(report.problem.find("reordered") != std::string::npos);

  // A record rewritten with a consistent hash but a forged prev is a broken link.
  auto forged = original;
  auto link = ParseAuditLink(forged[4]);
  REQUIRE(link);
  AuditEvent e = Event("forged");
  forged[4] = FormatAuditLine(e, 5, std::string(64, 'a'));
  WriteLines(seg, forged);
  report = VerifyAuditLog(d.str());
  CHECK_FALSE(report.intact);
  CHECK(report.line == 5);
  CHECK(report.problem.find("broken link") != std::string::npos);

  WriteLines(seg, original);
  CHECK(VerifyAuditLog(d.str()).intact);
}

TEST_CASE("verify reports a missing first segment and garbage lines") {
  TempDir d;
  {
    auto log = OpenLog(d.str(), 512);
    for (int i = 0; i < 10; ++i) REQUIRE(log->Append(Event("k" + std::to_string(i))));
  }
  std::string error;
  auto segments = ListAuditSegments(d.str(), &error);
  REQUIRE(segments.size() >= 2);
  std::vector<std::string> saved = ReadLines(segments[1]);
  WriteLines(segments[1], {"not json at all"});
  auto report = VerifyAuditLog(d.str());
  CHECK_FALSE(report.intact);
  CHECK(report.file == segments[1]);
  CHECK(report.line == 1);
  WriteLines(segments[1], saved);
  fs::remove(segments[0]);
  report = VerifyAuditLog(d.str());
  CHECK_FALSE(report.intact);
  CHECK(report.problem.find("missing") != std::string::npos);
}

TEST_CASE("ParseAuditLink refuses malformed lines without throwing") {
  for (std::string line :
       {std::string(), std::string("{}"), std::string(200, '{'),
        std::string("{\"seq\":-1,\"prev\":\"x\",\"hash\":\"") + std::string(64, 'a') + "\"}",
        std::string("[1,2,3") + ",\"hash\":\"" + std::string(64, 'a') + "\"}"}) {
    CHECK_FALSE(ParseAuditLink(line));
  }
}

TEST_CASE("tail returns the last records across segments, oldest first") {
  TempDir d;
  auto log = OpenLog(d.str(), 700);
  for (int i = 1; i <= 12; ++i) REQUIRE(log->Append(Event("k" + std::to_string(i))));
  std::string error;
  auto lines = TailAuditLog(d.str(), 5, &error);
  REQUIRE(lines.size() == 5);
  for (int i = 0; i < 5; ++i) CHECK(ParseAuditLink(lines[i])->seq == uint64_t(8 + i));
}

namespace {

// A handler that answers a fixed response and reads the body.
struct FakeHandler final : RequestHandler {
  api::Response Handle(const http::request_header<>& request, storage::ByteSource& body,
                       const api::RequestContext&) override {
    std::array<std::byte, 64> buf;
    while (true) {
      auto r = body.Read(buf);
      if (!r || *r == 0) break;
    }
    api::Response r;
    r.header.result(http::status::ok);
    r.header.set("x-amz-version-id", "v123");
    r.body = request.method() == http::verb::get ? "hello" : "";
    r.operation = request.method() == http::verb::get ? "GetObject" : "PutObject";
    return r;
  }
  api::Response Overloaded(const http::request_header<>&, const api::RequestContext&) override {
    return {};
  }
};

struct StringSource final : storage::ByteSource {
  explicit StringSource(std::string s) : data(std::move(s)) {}
  storage::Result<size_t> Read(std::span<std::byte> out) override {
    size_t n = std::min(out.size(), data.size() - pos);
    std::memcpy(out.data(), data.data() + pos, n);
    pos += n;
    return n;
  }
  std::string data;
  size_t pos = 0;
};

}  // namespace

TEST_CASE("the audit hook records writes with their fields and skips reads unless asked") {
  TempDir d;
  auto log = OpenLog(d.str());
  FakeHandler inner;
  AuditHandlerOptions o;
  o.locate = [](const http::request_header<>&) { return AuditTarget{"bkt", "some/key"}; };
  auto hook = NewAuditRequestHandler(inner, *log, o);
  http::request_header<> put;
  put.method(http::verb::put);
  put.target("/bkt/some/key");
  put.set(http::field::authorization,
          "AWS4-HMAC-SHA256 Credential=AKID1/20260101/us-east-1/s3/aws4_request, "
          "SignedHeaders=host, Signature=00");
  StringSource body("0123456789");
  api::RequestContext ctx{"REQ1", "10.0.0.7", false};
  CHECK(hook->Handle(put, body, ctx).header.result_int() == 200);
  http::request_header<> get;
  get.method(http::verb::get);
  get.target("/bkt/some/key");
  StringSource empty("");
  hook->Handle(get, empty, ctx);
  REQUIRE(log->last_seq() == 1);
  auto lines = ReadLines(d.path / AuditSegmentName(1));
  auto j = nlohmann::json::parse(lines.at(0));
  CHECK(j["request_id"] == "REQ1");
  CHECK(j["principal"] == "AKID1");
  CHECK(j["remote"] == "10.0.0.7");
  CHECK(j["operation"] == "PutObject");
  CHECK(j["bucket"] == "bkt");
  CHECK(j["key"] == "some/key");
  CHECK(j["version_id"] == "v123");
  CHECK(j["status"] == 200);
  CHECK(j["bytes_in"] == 10);

  o.reads = true;
  auto reads = NewAuditRequestHandler(inner, *log, o);
  reads->Handle(get, empty, ctx);
  CHECK(log->last_seq() == 2);
  j = nlohmann::json::parse(ReadLines(d.path / AuditSegmentName(1)).at(1));
  CHECK(j["principal"] == "anonymous");
  CHECK(j["bytes_out"] == 5);
}
