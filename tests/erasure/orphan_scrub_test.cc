// Orphan reclamation by ChunkStore::ScrubAll: blobs that ScrubOptions::is_referenced disowns
// are deleted (not healed), counted, and never touched when young, in a dry run, or unlabelled.
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "erasure/chunk_store.h"
#include "tests/erasure/store_fixture.h"

namespace strata::erasure {
namespace {

using testing::RandomBytes;
using testing::Snapshot;
using testing::StoreFixture;

struct Stored {
  BlobRef ref;
  std::vector<std::byte> data;
  std::string label;
};

std::vector<Stored> PutLabelled(StoreFixture& fx, int count, size_t size) {
  std::vector<Stored> out;
  for (int i = 0; i < count; ++i) {
    Stored s{{}, RandomBytes(size + static_cast<size_t>(i), 500 + i), "label" + std::to_string(i)};
    auto ref = fx.TryPut(s.data, 101, "bucket/key" + std::to_string(i), s.label);
    REQUIRE(ref);
    s.ref = *ref;
    out.push_back(std::move(s));
  }
  return out;
}

size_t ShardCount(const StoreFixture& fx) {
  size_t n = 0;
  for (size_t d = 0; d < fx.num_drives(); ++d) n += Snapshot(fx.dir(d) + "/chunks").size();
  return n;
}

std::string ShardPath(const StoreFixture& fx, const BlobRef& ref, size_t drive) {
  return fx.dir(drive) + "/chunks/" + ref.blob_id.substr(0, 2) + "/" + ref.blob_id + "." +
         std::to_string(drive);
}

// Disowns the labels in `orphans`; records every blob it was asked about.
struct Judge {
  std::set<std::string> orphans;
  std::map<std::string, ScrubBlob> asked;  // by label

  ScrubOptions Options() {
    ScrubOptions options;
    options.grace = std::chrono::seconds(0);
    options.is_referenced = [this](const ScrubBlob& b) {
      asked[b.label] = b;
      return orphans.count(b.label) == 0;
    };
    return options;
  }
};

TEST_CASE("A scrub deletes exactly the blobs is_referenced disowns and counts them",
          "[scrub][orphan]") {
  StoreFixture fx(2, 2, 64);
  const auto blobs = PutLabelled(fx, 10, 300);
  Judge judge;
  for (int i = 1; i < 10; i += 2) judge.orphans.insert("label" + std::to_string(i));
  std::map<std::string, ScrubBlob::Outcome> outcomes;
  auto report = fx.store().ScrubAll(judge.Options(), [&](const ScrubBlob& b, const ScrubReport&) {
    outcomes[b.label] = b.outcome;
    return true;
  });
  REQUIRE(report);
  CHECK(report->orphans_found == 5);
  CHECK(report->orphans_reclaimed == 5);
  CHECK(report->blobs_healthy == 5);
  CHECK(report->clean());
  CHECK(fx.store().Counters().orphans_reclaimed == 5);
  CHECK(ShardCount(fx) == 5 * 4);
  REQUIRE(judge.asked.size() == 10);
  for (size_t i = 0; i < blobs.size(); ++i) {
    const Stored& s = blobs[i];
    // The hook saw what storage/ needs to look the blob up.
    CHECK(judge.asked[s.label].blob_id == s.ref.blob_id);
    CHECK(judge.asked[s.label].size == s.data.size());
    CHECK(judge.asked[s.label].tier == "hot");
    if (i % 2 == 1) {
      CHECK(outcomes[s.label] == ScrubBlob::Outcome::kOrphan);
      auto got = fx.TryGet(s.ref);
      REQUIRE_FALSE(got);
      CHECK(got.error() == make_error_code(Errc::kNotFound));
    } else {
      CHECK(outcomes[s.label] == ScrubBlob::Outcome::kHealthy);
      auto got = fx.TryGet(s.ref);
      REQUIRE(got);
      CHECK(*got == s.data);
    }
  }
  // The next pass finds no orphan left.
  auto again = fx.store().ScrubAll(judge.Options(), nullptr);
  REQUIRE(again);
  CHECK(again->orphans_found == 0);
  CHECK(again->blobs_healthy == 5);
}

TEST_CASE("An orphan left below k shards by a crash is reclaimed; a referenced one is kept",
          "[scrub][orphan]") {
  StoreFixture fx(2, 2, 64);
  const auto blobs = PutLabelled(fx, 2, 400);
  for (const Stored& s : blobs) {
    for (size_t d : {0u, 1u, 2u}) std::filesystem::remove(ShardPath(fx, s.ref, d));
  }
  Judge judge;
  judge.orphans.insert("label0");
  auto report = fx.store().ScrubAll(judge.Options(), nullptr);
  REQUIRE(report);
  CHECK(report->orphans_reclaimed == 1);
  CHECK(report->blobs_unrecoverable == 1);  // label1: referenced, lost: reported, not deleted
  CHECK_FALSE(std::filesystem::exists(ShardPath(fx, blobs[0].ref, 3)));
  CHECK(std::filesystem::exists(ShardPath(fx, blobs[1].ref, 3)));
}

TEST_CASE("Young blobs, dry runs and unlabelled blobs are never deleted", "[scrub][orphan]") {
  StoreFixture fx(2, 2, 64);
  PutLabelled(fx, 3, 200);
  auto unlabelled = fx.TryPut(RandomBytes(200, 9), 37, "bucket/x", "");
  REQUIRE(unlabelled);
  Judge judge;
  judge.orphans = {"label0", "label1", "label2", ""};

  SECTION("within the grace period the hook is not even asked") {
    ScrubOptions options = judge.Options();
    options.grace = std::chrono::minutes(5);
    auto report = fx.store().ScrubAll(options, nullptr);
    REQUIRE(report);
    CHECK(report->blobs_skipped == 4);
    CHECK(judge.asked.empty());
    CHECK(ShardCount(fx) == 16);
  }
  SECTION("a dry run counts orphans and deletes none") {
    ScrubOptions options = judge.Options();
    options.dry_run = true;
    auto report = fx.store().ScrubAll(options, nullptr);
    REQUIRE(report);
    CHECK(report->orphans_found == 3);
    CHECK(report->orphans_reclaimed == 0);
    CHECK(fx.store().Counters().orphans_reclaimed == 0);
    CHECK(ShardCount(fx) == 16);
  }
  SECTION("a blob without a label is verified, never shown to the hook") {
    auto report = fx.store().ScrubAll(judge.Options(), nullptr);
    REQUIRE(report);
    CHECK(report->orphans_reclaimed == 3);
    CHECK(judge.asked.count("") == 0);
    CHECK(report->blobs_healthy == 1);
    auto got = fx.TryGet(*unlabelled);
    CHECK(got);
  }
}

}  // namespace
}  // namespace strata::erasure
