// Drive identity: format records, and how the chunk store treats fresh, known, swapped, foreign
// and replaced drives when it opens.
#include "erasure/drive_format.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <set>

#include "erasure/chunk_store.h"
#include "tests/erasure/store_fixture.h"

namespace strata::erasure {
namespace {

using testing::FilesUnder;
using testing::RandomBytes;
using testing::ReadFile;
using testing::StoreFixture;
using testing::TempDir;

ChunkStoreOptions IdentityOptions() {
  ChunkStoreOptions options = StoreFixture::QuietOptions();
  options.check_drive_identity = true;
  return options;
}

FormatRecord SampleRecord() {
  FormatRecord r;
  r.deployment_id = "0123456789abcdef0123456789abcdef";
  r.drive_id = "fedcba9876543210fedcba9876543210";
  r.tier = "nvme";
  r.data_shards = 4;
  r.parity_shards = 2;
  r.set_index = 3;
  r.position = 5;
  return r;
}

FormatRecord RecordOf(const std::string& drive_dir) {
  auto r = DecodeFormatRecord(ReadFile(drive_dir + "/" + kFormatFileName));
  REQUIRE(r);
  return *r;
}

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
  REQUIRE(out);
}

TEST_CASE("A format record round-trips and reads as text", "[format]") {
  const FormatRecord r = SampleRecord();
  const std::string bytes = EncodeFormatRecord(r);
  CHECK(bytes.rfind("strata-drive-format 1\ndeployment 0123", 0) == 0);
  CHECK(bytes.find("\nscheme 4+2\nset 3\nposition 5\n") != std::string::npos);
  auto back = DecodeFormatRecord(bytes);
  REQUIRE(back);
  CHECK(*back == r);
}

TEST_CASE("Any damaged, truncated or extended format record is refused", "[format]") {
  const std::string bytes = EncodeFormatRecord(SampleRecord());
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string bad = bytes;
    bad[i] ^= 0x01;
    CAPTURE(i);
    CHECK_FALSE(DecodeFormatRecord(bad));
  }
  for (size_t n = 0; n < bytes.size(); ++n) CHECK_FALSE(DecodeFormatRecord(bytes.substr(0, n)));
  CHECK_FALSE(DecodeFormatRecord(bytes + "x"));
  CHECK_FALSE(DecodeFormatRecord(std::string(kMaxFormatRecordSize + 1, 'a')));
  CHECK_FALSE(DecodeFormatRecord(""));
}

TEST_CASE("Records with out-of-range fields are refused even with a valid checksum", "[format]") {
  FormatRecord r = SampleRecord();
  r.position = 6;  // k + m == 6
  CHECK_FALSE(DecodeFormatRecord(EncodeFormatRecord(r)));
  r = SampleRecord();
  r.data_shards = 0;
  CHECK_FALSE(DecodeFormatRecord(EncodeFormatRecord(r)));
  r = SampleRecord();
  r.deployment_id = "../etc";
  CHECK_FALSE(DecodeFormatRecord(EncodeFormatRecord(r)));
  r = SampleRecord();
  r.tier = "two words";
  CHECK_FALSE(DecodeFormatRecord(EncodeFormatRecord(r)));
}

TEST_CASE("Fresh empty drives are formatted with one deployment and their slots", "[format]") {
  StoreFixture fx(2, 2, 64, 2, IdentityOptions());
  std::set<std::string> drive_ids;
  const std::string deployment = RecordOf(fx.dir(0)).deployment_id;
  for (size_t d = 0; d < fx.num_drives(); ++d) {
    const FormatRecord r = RecordOf(fx.dir(d));
    CHECK(r.deployment_id == deployment);
    CHECK(r.tier == "hot");
    CHECK(r.data_shards == 2);
    CHECK(r.parity_shards == 2);
    CHECK(r.set_index == d / 4);
    CHECK(r.position == d % 4);
    drive_ids.insert(r.drive_id);
  }
  CHECK(drive_ids.size() == fx.num_drives());
  for (const DriveStatus& st : fx.store().DriveStatuses()) {
    CHECK(st.state == DriveState::kOnline);  // a new deployment: nothing to rebuild
    CHECK(st.online());
  }
  CHECK(fx.store().DriveStatuses().size() == 8);
}

TEST_CASE("Reopening a formatted store keeps every drive's identity", "[format]") {
  StoreFixture fx(2, 2, 64, 1, IdentityOptions());
  const auto data = RandomBytes(1000, 1);
  const BlobRef ref = fx.Put(data);
  std::vector<std::string> before;
  for (size_t d = 0; d < 4; ++d) before.push_back(ReadFile(fx.dir(d) + "/" + kFormatFileName));
  fx.Reopen();
  for (size_t d = 0; d < 4; ++d) {
    CHECK(ReadFile(fx.dir(d) + "/" + kFormatFileName) == before[d]);
    CHECK(fx.store().DriveStatuses()[d].state == DriveState::kOnline);
  }
  CHECK(fx.Get(ref) == data);
}

TEST_CASE("Swapped drives are refused for their slots and never written", "[format]") {
  StoreFixture fx(4, 2, 64, 1, IdentityOptions());
  const auto data = RandomBytes(4 * 64 * 3 + 5, 2);
  const BlobRef ref = fx.Put(data);
  // Drives 1 and 4 change places.
  std::vector<std::string> order;
  for (size_t d = 0; d < 6; ++d) order.push_back(fx.dir(d));
  std::swap(order[1], order[4]);
  fx.Reopen(order);
  const auto statuses = fx.store().DriveStatuses();
  for (size_t d = 0; d < 6; ++d) {
    CAPTURE(d);
    const bool swapped = d == 1 || d == 4;
    CHECK(statuses[d].state == (swapped ? DriveState::kRefused : DriveState::kOnline));
    CHECK(statuses[d].online() == !swapped);
    if (swapped) CHECK(statuses[d].detail.find("position") != std::string::npos);
  }
  // Reads use the other four; a new blob is written to the other four only.
  CHECK(fx.Get(ref) == data);
  const BlobRef second = fx.Put(RandomBytes(700, 3));
  CHECK(fx.ShardFiles(1).size() == 1);  // only the first blob's shard, on the swapped folders
  CHECK(fx.ShardFiles(4).size() == 1);
  CHECK(fx.ShardFiles(0).size() == 2);
  // Healing does not touch the refused drives either.
  auto report = fx.store().HealBlob(second);
  REQUIRE(report);
  CHECK(report->failed == std::vector<uint32_t>({1, 4}));
  CHECK(fx.ShardFiles(1).size() == 1);
  // Put back in place, they serve again.
  fx.Reopen();
  for (const DriveStatus& st : fx.store().DriveStatuses()) CHECK(st.state == DriveState::kOnline);
}

TEST_CASE("A drive from another deployment is refused, not mixed in", "[format]") {
  StoreFixture fx(2, 2, 64, 1, IdentityOptions());
  StoreFixture other(2, 2, 64, 1, IdentityOptions());
  const auto data = RandomBytes(900, 4);
  const BlobRef ref = fx.Put(data);
  (void)other.Put(RandomBytes(900, 5));
  other.Close();
  fx.Close();
  // Slot 2 gets the other deployment's drive of the same slot.
  std::vector<std::string> order = {fx.dir(0), fx.dir(1), other.dir(2), fx.dir(3)};
  fx.Reopen(order);
  const auto st = fx.store().DriveStatuses();
  CHECK(st[2].state == DriveState::kRefused);
  CHECK(st[2].detail.find("another deployment") != std::string::npos);
  CHECK(st[0].state == DriveState::kOnline);
  CHECK(fx.Get(ref) == data);
  CHECK(RecordOf(other.dir(2)).deployment_id != RecordOf(fx.dir(0)).deployment_id);
}

TEST_CASE("An empty drive put in place of a lost one is formatted and becomes a heal target",
          "[format]") {
  StoreFixture fx(2, 2, 64, 1, IdentityOptions());
  const auto data = RandomBytes(2 * 64 * 4 + 7, 6);
  const BlobRef ref = fx.Put(data);
  const FormatRecord old_record = RecordOf(fx.dir(3));
  fx.Close();
  std::filesystem::remove_all(fx.dir(3));
  std::filesystem::create_directories(fx.dir(3));
  fx.Reopen();
  const auto st = fx.store().DriveStatuses();
  CHECK(st[3].state == DriveState::kFormatted);
  CHECK(st[3].online());
  const FormatRecord fresh = RecordOf(fx.dir(3));
  CHECK(fresh.deployment_id == old_record.deployment_id);
  CHECK(fresh.position == 3);
  CHECK(fresh.drive_id != old_record.drive_id);
  auto report = fx.store().HealBlob(ref);
  REQUIRE(report);
  CHECK(report->rewritten == std::vector<uint32_t>{3});
  CHECK(fx.ShardFiles(3).size() == 1);
}

TEST_CASE("A drive with chunks but no format record is refused in a formatted store", "[format]") {
  StoreFixture fx(2, 2, 64, 1, IdentityOptions());
  const auto data = RandomBytes(800, 7);
  const BlobRef ref = fx.Put(data);
  fx.Close();
  std::filesystem::remove(fx.dir(1) + "/" + kFormatFileName);
  fx.Reopen();
  const auto st = fx.store().DriveStatuses();
  CHECK(st[1].state == DriveState::kRefused);
  CHECK(st[1].detail.find("no format record") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(fx.dir(1) + "/" + kFormatFileName));
  CHECK(fx.Get(ref) == data);
}

TEST_CASE("Drives of a store from before format records are adopted in place", "[format]") {
  StoreFixture fx(2, 2, 64, 1, StoreFixture::QuietOptions());  // no identity: legacy layout
  const auto data = RandomBytes(3000, 8);
  const BlobRef ref = fx.Put(data);
  CHECK_FALSE(std::filesystem::exists(fx.dir(0) + "/" + kFormatFileName));
  fx.options() = IdentityOptions();
  fx.Reopen();
  for (const DriveStatus& st : fx.store().DriveStatuses()) CHECK(st.state == DriveState::kAdopted);
  CHECK(RecordOf(fx.dir(2)).position == 2);
  CHECK(fx.Get(ref) == data);
  fx.Reopen();
  for (const DriveStatus& st : fx.store().DriveStatuses()) CHECK(st.state == DriveState::kOnline);
}

TEST_CASE("A corrupt format record takes the drive offline", "[format]") {
  StoreFixture fx(2, 2, 64, 1, IdentityOptions());
  const auto data = RandomBytes(500, 9);
  const BlobRef ref = fx.Put(data);
  fx.Close();
  std::string bytes = ReadFile(fx.dir(0) + "/" + kFormatFileName);
  bytes[bytes.size() / 2] ^= 0x20;
  WriteFile(fx.dir(0) + "/" + kFormatFileName, bytes);
  fx.Reopen();
  const auto st = fx.store().DriveStatuses();
  CHECK(st[0].state == DriveState::kRefused);
  CHECK_FALSE(st[0].online());
  CHECK(fx.Get(ref) == data);
  // The record is left for an operator to inspect, not overwritten.
  CHECK(ReadFile(fx.dir(0) + "/" + kFormatFileName) == bytes);
}

TEST_CASE("A drive whose record cannot be read is offline, and the store still opens",
          "[format][faults]") {
  StoreFixture fx(2, 2, 64, 1, IdentityOptions());
  const auto data = RandomBytes(500, 10);
  const BlobRef ref = fx.Put(data);
  fx.plan(2).FailAll(testing::DriveOp::kFormat);
  fx.Reopen();
  const auto st = fx.store().DriveStatuses();
  CHECK(st[2].state == DriveState::kOffline);
  CHECK(st[3].state == DriveState::kOnline);
  CHECK(fx.Get(ref) == data);
  CHECK(fx.plan(2).calls(testing::DriveOp::kOpen) == 0);  // an offline drive is not read
}

TEST_CASE("The deployment id most drives carry wins", "[format]") {
  StoreFixture fx(2, 2, 64, 1, IdentityOptions());
  StoreFixture other(2, 2, 64, 1, IdentityOptions());
  const std::string mine = RecordOf(fx.dir(0)).deployment_id;
  fx.Close();
  other.Close();
  std::vector<std::string> order = {other.dir(0), fx.dir(1), fx.dir(2), fx.dir(3)};
  fx.Reopen(order);
  const auto st = fx.store().DriveStatuses();
  CHECK(st[0].state == DriveState::kRefused);
  for (size_t d = 1; d < 4; ++d) CHECK(st[d].state == DriveState::kOnline);
  CHECK(RecordOf(fx.dir(1)).deployment_id == mine);
}

}  // namespace
}  // namespace strata::erasure
