#include "tests/erasure/faulty_drive_fake.h"

#include <utility>

namespace strata::erasure::testing {

void FaultPlan::FailNth(DriveOp op, int n) {
  std::lock_guard<std::mutex> lock(mu_);
  const int i = static_cast<int>(op);
  fail_at_[i] = calls_[i] + n;
  armed_[i] = true;
}

void FaultPlan::FailAll(DriveOp op, bool fail) {
  std::lock_guard<std::mutex> lock(mu_);
  fail_all_[static_cast<int>(op)] = fail;
}

void FaultPlan::CorruptReads(bool corrupt) { corrupt_reads_ = corrupt; }

void FaultPlan::SetError(Errc errc) {
  std::lock_guard<std::mutex> lock(mu_);
  errc_ = errc;
}

boost::system::error_code FaultPlan::OnCall(DriveOp op) {
  std::lock_guard<std::mutex> lock(mu_);
  const int i = static_cast<int>(op);
  const int call = calls_[i]++;
  if (fail_all_[i] || (armed_[i] && call == fail_at_[i])) return make_error_code(errc_);
  return {};
}

int FaultPlan::calls(DriveOp op) const {
  std::lock_guard<std::mutex> lock(mu_);
  return calls_[static_cast<int>(op)];
}

namespace {

class FaultyChunkWriter final : public ChunkWriter {
 public:
  FaultyChunkWriter(std::unique_ptr<ChunkWriter> base, std::shared_ptr<FaultPlan> plan)
      : base_(std::move(base)), plan_(std::move(plan)) {}

  boost::system::error_code Append(std::span<const std::byte> data) override {
    if (auto ec = plan_->OnCall(DriveOp::kAppend)) return ec;
    return base_->Append(data);
  }
  // A gathered append is one call to the drive: one fault check.
  boost::system::error_code AppendGather(
      std::span<const std::span<const std::byte>> pieces) override {
    if (auto ec = plan_->OnCall(DriveOp::kAppend)) return ec;
    return base_->AppendGather(pieces);
  }
  boost::system::error_code Commit() override {
    if (auto ec = plan_->OnCall(DriveOp::kCommit)) return ec;
    return base_->Commit();
  }

 private:
  std::unique_ptr<ChunkWriter> base_;
  std::shared_ptr<FaultPlan> plan_;
};

class FaultyChunkReader final : public ChunkReader {
 public:
  FaultyChunkReader(std::unique_ptr<ChunkReader> base, std::shared_ptr<FaultPlan> plan)
      : base_(std::move(base)), plan_(std::move(plan)) {}

  uint64_t size() const override { return base_->size(); }
  Result<size_t> ReadAt(uint64_t offset, std::span<std::byte> out) override {
    if (auto ec = plan_->OnCall(DriveOp::kRead)) return ec;
    auto got = base_->ReadAt(offset, out);
    if (got && *got > 0 && plan_->corrupt_reads()) out[*got / 2] ^= std::byte{0x10};
    return got;
  }

 private:
  std::unique_ptr<ChunkReader> base_;
  std::shared_ptr<FaultPlan> plan_;
};

class FaultyDrive final : public Drive {
 public:
  FaultyDrive(std::unique_ptr<Drive> base, std::shared_ptr<FaultPlan> plan)
      : base_(std::move(base)), plan_(std::move(plan)) {}

  const std::string& path() const override { return base_->path(); }

  Result<std::unique_ptr<ChunkWriter>> CreateChunk(const ChunkId& id) override {
    if (auto ec = plan_->OnCall(DriveOp::kCreate)) return ec;
    auto w = base_->CreateChunk(id);
    if (!w) return w.error();
    return std::unique_ptr<ChunkWriter>(new FaultyChunkWriter(std::move(*w), plan_));
  }
  Result<std::unique_ptr<ChunkReader>> OpenChunk(const ChunkId& id) override {
    if (auto ec = plan_->OnCall(DriveOp::kOpen)) return ec;
    auto r = base_->OpenChunk(id);
    if (!r) return r.error();
    return std::unique_ptr<ChunkReader>(new FaultyChunkReader(std::move(*r), plan_));
  }
  boost::system::error_code DeleteChunk(const ChunkId& id) override {
    if (auto ec = plan_->OnCall(DriveOp::kDelete)) return ec;
    return base_->DeleteChunk(id);
  }
  Result<std::string> ReadFormatRecord() override {
    if (auto ec = plan_->OnCall(DriveOp::kFormat)) return ec;
    return base_->ReadFormatRecord();
  }
  boost::system::error_code WriteFormatRecord(std::string_view bytes) override {
    if (auto ec = plan_->OnCall(DriveOp::kFormat)) return ec;
    return base_->WriteFormatRecord(bytes);
  }
  Result<bool> HasChunks() override { return base_->HasChunks(); }
  Result<std::vector<ChunkInfo>> ListChunks(std::string_view prefix) override {
    if (auto ec = plan_->OnCall(DriveOp::kList)) return ec;
    return base_->ListChunks(prefix);
  }
  Result<uint64_t> RemoveStaleTemp(std::chrono::seconds max_age) override {
    return base_->RemoveStaleTemp(max_age);
  }

 private:
  std::unique_ptr<Drive> base_;
  std::shared_ptr<FaultPlan> plan_;
};

}  // namespace

std::unique_ptr<Drive> NewFaultyDrive(std::unique_ptr<Drive> base,
                                      std::shared_ptr<FaultPlan> plan) {
  return std::unique_ptr<Drive>(new FaultyDrive(std::move(base), std::move(plan)));
}

}  // namespace strata::erasure::testing
