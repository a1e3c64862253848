// The audit archive: closed segments copied into an object-lock bucket through the real
// ObjectStore (memory index, in-memory chunk store), idempotent, retried, never into a bucket
// without lock; the chain verifier fed from memory; the "audit" config keys it adds.
#include "server/audit_archive.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "server/audit_log.h"
#include "server/audit_verify.h"
#include "server/config.h"
#include "storage/metadata_store.h"
#include "storage/object_store.h"
#include "tests/server/audit_fixture_fake.h"
#include "tests/storage/memory_chunk_store_fake.h"

namespace fs = std::filesystem;
using namespace strata::server;
namespace storage = strata::storage;
using namespace std::chrono_literals;

namespace {

using TempDir = testing::AuditTempDir;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A store over a memory index and the in-memory chunk store; objects above 256 bytes (segments,
// not GENESIS) go to the chunk store, so its fault injection reaches them.
struct Stack {
  Stack() {
    storage::StoreOptions options;
    options.inline_threshold = 256;
    store = storage::NewObjectStore(*metadata, chunks, options);
  }
  void MakeLockedBucket(const std::string& name, std::optional<storage::DefaultRetention> rule) {
    REQUIRE_FALSE(store->CreateBucketWithOptions(name, "", {.object_lock_enabled = true}));
    REQUIRE_FALSE(store->PutObjectLockConfiguration(name, {.enabled = true, .rule = rule}));
  }
  std::string Read(const std::string& bucket, const std::string& key) {
    auto reader = store->Get(bucket, key);
    REQUIRE(reader.has_value());
    std::string out((*reader)->info().size, '\0');
    auto n = (*reader)->ReadAt(0, std::as_writable_bytes(std::span(out)));
    REQUIRE(n.has_value());
    out.resize(*n);
    return out;
  }
  size_t Versions(const std::string& bucket) {
    auto r = store->ListObjectVersions(bucket, {});
    REQUIRE(r.has_value());
    return r->versions.size();
  }

  std::unique_ptr<storage::MetadataStore> metadata = storage::NewMemoryMetadataStore();
  strata::storage::testing::MemoryChunkStore chunks;
  std::unique_ptr<storage::ObjectStore> store;
};

AuditEvent Event(int i) { return testing::SampleAuditEvent("k" + std::to_string(i)); }

std::unique_ptr<AuditLog> OpenLog(const std::string& dir) {
  std::string detail;
  auto log = AuditLog::Open({.dir = dir, .segment_bytes = 600, .deployment = "test", .sync = false},
                            &detail);
  INFO(detail);
  REQUIRE(log.has_value());
  return std::move(*log);
}

// Appends until the log has `closed` closed segments (plus the live one).
void AppendUntilClosed(AuditLog& log, const std::string& dir, size_t closed) {
  static int n = 0;
  std::string error;
  while (ListAuditSegments(dir, &error).size() < closed + 1) REQUIRE(log.Append(Event(++n)));
}

AuditArchiverOptions Options(const std::string& dir, std::vector<std::string>* warnings) {
  AuditArchiverOptions o;
  o.dir = dir;
  o.bucket = "vault";
  o.retain_days = 30;
  o.retry_interval = 50ms;
  o.warn = [warnings](const std::string& m) { warnings->push_back(m); };
  return o;
}

}  // namespace

TEST_CASE("a rotation's closed segment is archived with identical bytes and the live one is not") {
  TempDir d;
  Stack s;
  s.MakeLockedBucket("vault", storage::DefaultRetention{storage::RetentionMode::kCompliance, 1, 0});
  auto log = OpenLog(d.str());
  AppendUntilClosed(*log, d.str(), 2);
  std::vector<std::string> warnings;
  AuditArchiver archiver(*s.store, Options(d.str(), &warnings));

  AuditArchivePass pass = archiver.RunPass();
  CHECK(pass.bucket_usable);
  CHECK(pass.archived == 2);
  CHECK(pass.failed == 0);
  CHECK(warnings.empty());
  std::string error;
  const auto segments = ListAuditSegments(d.str(), &error);
  REQUIRE(segments.size() == 3);
  for (size_t i = 0; i < 2; ++i) {
    const std::string key = "audit/" + fs::path(segments[i]).filename().string();
    CHECK(s.Read("vault", key) == ReadFile(segments[i]));
    auto info = s.store->Head("vault", key);
    REQUIRE(info.has_value());
    CHECK(info->retention.mode == storage::RetentionMode::kCompliance);
    CHECK(info->retention.retain_until > storage::Clock::now() + 23h);
    bool ndjson = false;
    for (const auto& [name, value] : info->headers) {
      ndjson |= name == "content-type" && value == "application/x-ndjson";
    }
    CHECK(ndjson);
  }
  CHECK(s.Read("vault", "audit/GENESIS") == ReadFile((d.path / "GENESIS").string()));
  // The live segment stays local only.
  CHECK(s.store->Head("vault", "audit/" + fs::path(segments[2]).filename().string()).error() ==
        storage::Errc::kNoSuchKey);
  CHECK(archiver.counters().archived == 2);
  // A locked version cannot be removed, even by the store's own callers.
  auto latest = s.store->Head("vault", "audit/" + fs::path(segments[0]).filename().string());
  CHECK(s.store
            ->DeleteObject(
                "vault", "audit/" + fs::path(segments[0]).filename().string(),
                {.version_id = latest->version_id, .bypass_governance = true, .condition = {}})
            .error() == storage::Errc::kObjectLocked);
}

TEST_CASE("a bucket without a default rule gets COMPLIANCE retention of archive_retain_days") {
  TempDir d;
  Stack s;
  s.MakeLockedBucket("vault", std::nullopt);
  auto log = OpenLog(d.str());
  AppendUntilClosed(*log, d.str(), 1);
  std::vector<std::string> warnings;
  AuditArchiver archiver(*s.store, Options(d.str(), &warnings));
  REQUIRE(archiver.RunPass().archived == 1);
  std::string error;
  auto info = s.store->Head(
      "vault", "audit/" + fs::path(ListAuditSegments(d.str(), &error)[0]).filename().string());
  REQUIRE(info.has_value());
  CHECK(info->retention.mode == storage::RetentionMode::kCompliance);
  CHECK(info->retention.retain_until > storage::Clock::now() + 29 * 24h);
  CHECK(info->retention.retain_until < storage::Clock::now() + 31 * 24h);
}

TEST_CASE("archiving is idempotent across restarts: archived segments are not stored again") {
  TempDir d;
  Stack s;
  s.MakeLockedBucket("vault", storage::DefaultRetention{storage::RetentionMode::kCompliance, 1, 0});
  auto log = OpenLog(d.str());
  AppendUntilClosed(*log, d.str(), 2);
  std::vector<std::string> warnings;
  {
    AuditArchiver first(*s.store, Options(d.str(), &warnings));
    REQUIRE(first.RunPass().archived == 2);
    // The same archiver does not even look at them again.
    CHECK(first.RunPass().skipped == 0);
  }
  const size_t versions = s.Versions("vault");
  CHECK(versions == 3);  // two segments and GENESIS

  AppendUntilClosed(*log, d.str(), 3);
  AuditArchiver second(*s.store, Options(d.str(), &warnings));  // a restarted server
  AuditArchivePass pass = second.RunPass();
  CHECK(pass.skipped == 2);
  CHECK(pass.archived == 1);
  CHECK(s.Versions("vault") == versions + 1);
  CHECK(second.counters().archived == 1);
}

TEST_CASE("a bucket that is missing or has no object lock is not used until it has lock") {
  TempDir d;
  Stack s;
  auto log = OpenLog(d.str());
  AppendUntilClosed(*log, d.str(), 1);
  std::vector<std::string> warnings;
  AuditArchiver archiver(*s.store, Options(d.str(), &warnings));

  CHECK_FALSE(archiver.RunPass().bucket_usable);
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0].find("\"vault\" does not exist") != std::string::npos);

  REQUIRE_FALSE(s.store->CreateBucket("vault", ""));
  AuditArchivePass pass = archiver.RunPass();
  CHECK_FALSE(pass.bucket_usable);
  CHECK(pass.archived == 0);
  CHECK(s.Versions("vault") == 0);
  CHECK(warnings.size() == 1);  // warned once per spell, not at every rotation

  // Lock enabled later (versioning first, as S3 requires): archived at the next pass.
  REQUIRE_FALSE(s.store->SetBucketVersioning("vault", storage::VersioningState::kEnabled));
  REQUIRE_FALSE(s.store->PutObjectLockConfiguration("vault", {.enabled = true, .rule = {}}));
  pass = archiver.RunPass();
  CHECK(pass.bucket_usable);
  CHECK(pass.archived == 1);
}

TEST_CASE("a failed Put is counted and retried by the next pass") {
  TempDir d;
  Stack s;
  s.MakeLockedBucket("vault", storage::DefaultRetention{storage::RetentionMode::kCompliance, 1, 0});
  auto log = OpenLog(d.str());
  AppendUntilClosed(*log, d.str(), 1);
  std::vector<std::string> warnings;
  AuditArchiver archiver(*s.store, Options(d.str(), &warnings));

  // GENESIS is inline; the segment is the first chunk-store write.
  s.chunks.FailCommitAt(0);
  AuditArchivePass pass = archiver.RunPass();
  CHECK(pass.failed == 1);
  CHECK(pass.archived == 0);
  CHECK(archiver.counters().failures == 1);
  REQUIRE_FALSE(warnings.empty());
  CHECK(warnings.back().find("retried later") != std::string::npos);
  std::string error;
  const std::string key =
      "audit/" + fs::path(ListAuditSegments(d.str(), &error)[0]).filename().string();
  CHECK(s.store->Head("vault", key).error() == storage::Errc::kNoSuchKey);

  pass = archiver.RunPass();
  CHECK(pass.archived == 1);
  CHECK(s.Read("vault", key) == ReadFile(ListAuditSegments(d.str(), &error)[0]));
  CHECK(archiver.counters().failures == 1);
  CHECK(archiver.counters().archived == 1);
}

TEST_CASE("the archiver's thread archives on rotation and retries failures after its back-off") {
  TempDir d;
  Stack s;
  s.MakeLockedBucket("vault", storage::DefaultRetention{storage::RetentionMode::kCompliance, 1, 0});
  auto log = OpenLog(d.str());
  AppendUntilClosed(*log, d.str(), 1);
  std::vector<std::string> warnings;
  auto options = Options(d.str(), &warnings);
  options.warn = [](const std::string&) {};  // the thread must not touch the test's vector
  AuditArchiver archiver(*s.store, options);
  log->SetRotationListener([&archiver](const std::string&) { archiver.Notify(); });
  auto wait_for = [&archiver](uint64_t archived) {
    for (int i = 0; i < 1000 && archiver.counters().archived < archived; ++i) {
      std::this_thread::sleep_for(10ms);
    }
    return archiver.counters().archived;
  };

  archiver.Start();  // the first pass takes the segment closed before the start
  CHECK(wait_for(1) == 1);

  s.chunks.FailCommitAt(0);  // the next segment's first Put fails; the back-off retries it
  AppendUntilClosed(*log, d.str(), 2);
  CHECK(wait_for(2) == 2);
  CHECK(archiver.counters().failures == 1);
  archiver.Stop();
  log->SetRotationListener({});
  CHECK(s.Versions("vault") == 3);
}

TEST_CASE("a local segment changed after it was archived is reported and the copy is kept") {
  TempDir d;
  Stack s;
  s.MakeLockedBucket("vault", storage::DefaultRetention{storage::RetentionMode::kCompliance, 1, 0});
  auto log = OpenLog(d.str());
  AppendUntilClosed(*log, d.str(), 1);
  std::vector<std::string> warnings;
  {
    AuditArchiver archiver(*s.store, Options(d.str(), &warnings));
    REQUIRE(archiver.RunPass().archived == 1);
  }
  std::string error;
  const std::string path = ListAuditSegments(d.str(), &error)[0];
  const std::string original = ReadFile(path);
  std::string edited = original;
  edited[edited.find("\"status\":200")] = ' ';
  { std::ofstream(path, std::ios::binary | std::ios::trunc) << edited; }

  AuditArchiver restarted(*s.store, Options(d.str(), &warnings));
  AuditArchivePass pass = restarted.RunPass();
  CHECK(pass.mismatched == 1);
  CHECK(pass.archived == 0);
  CHECK(restarted.counters().mismatches == 1);
  CHECK(s.Read("vault", "audit/" + fs::path(path).filename().string()) == original);
}

TEST_CASE("the chain verifier gives the same verdict fed from memory in any pieces") {
  TempDir d;
  auto log = OpenLog(d.str());
  AppendUntilClosed(*log, d.str(), 3);
  std::string error;
  const auto segments = ListAuditSegments(d.str(), &error);
  const std::string genesis = ReadFile((d.path / "GENESIS").string());
  const AuditVerifyReport from_folder = VerifyAuditLog(d.str());
  REQUIRE(from_folder.intact);

  auto feed = [&](size_t piece, const std::string& tamper_from, const std::string& tamper_to) {
    AuditChainVerifier v(genesis.substr(0, genesis.find('\n')));
    for (size_t i = 0; i < segments.size(); ++i) {
      std::string bytes = ReadFile(segments[i]);
      if (i == 1 && !tamper_from.empty()) {
        bytes.replace(bytes.find(tamper_from), tamper_from.size(), tamper_to);
      }
      v.BeginSegment(fs::path(segments[i]).filename().string(), "mem:" + std::to_string(i));
      for (size_t at = 0; at < bytes.size(); at += piece) v.Feed(bytes.substr(at, piece));
      v.EndSegment(i + 1 == segments.size());
    }
    return v.report();
  };
  for (size_t piece : {size_t{1}, size_t{7}, size_t{4096}}) {
    AuditVerifyReport r = feed(piece, "", "");
    CHECK(r.intact);
    CHECK(r.records == from_folder.records);
    CHECK(r.last_hash == from_folder.last_hash);
    CHECK(r.segments == segments.size());
  }
  AuditVerifyReport broken = feed(3, "\"status\":200", "\"status\":201");
  CHECK_FALSE(broken.intact);
  CHECK(broken.file == "mem:1");
  CHECK(broken.line == 1);
  CHECK(broken.problem.find("edited") != std::string::npos);
}

TEST_CASE("the audit config takes segment_kb, archive_bucket and archive_retain_days") {
  Flags flags;
  auto c = ParseConfig(
      R"({"audit": {"segment_kb": 16, "archive_bucket": "audit-vault", "archive_retain_days": 7}})",
      flags, 2);
  REQUIRE(c.has_value());
  CHECK(c->audit.segment_bytes == 16 * 1024);
  CHECK(c->audit.archive_bucket == "audit-vault");
  CHECK(c->audit.archive_retain_days == 7);
  CHECK(ParseConfig("{}", flags, 2)->audit.archive_bucket.empty());
  CHECK(ParseConfig("{}", flags, 2)->audit.archive_retain_days == 365);

  auto error_of = [&flags](std::string_view json) {
    auto r = ParseConfig(json, flags, 2);
    return r ? std::string("<no error>") : r.error().message;
  };
  CHECK(error_of(R"({"audit": {"segment_kb": 16, "segment_mb": 1}})").find("not both") !=
        std::string::npos);
  CHECK(error_of(R"({"audit": {"segment_kb": 15}})").find("16 to 4194304") != std::string::npos);
  CHECK(error_of(R"({"audit": {"segment_kb": 4194305}})").find("16 to 4194304") !=
        std::string::npos);
  CHECK(error_of(R"({"audit": {"archive_bucket": "Bad_Name"}})").find("bucket name") !=
        std::string::npos);
  CHECK(error_of(R"({"audit": {"archive_retain_days": 0}})").find("1 to 36500") !=
        std::string::npos);
}
