// Drive over a local folder. Durability follows the classic recipe: write a temp file,
// fdatasync it, rename it to its final name, fsync the directory (Garage: src/block/manager.rs).
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <climits>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include "erasure/drive.h"

namespace strata::erasure {
namespace {

boost::system::error_code ErrnoToError(int err) {
  switch (err) {
    case ENOENT:
      return make_error_code(Errc::kNotFound);
    case ENOSPC:
    case EDQUOT:
      return make_error_code(Errc::kNoSpace);
    default:
      return make_error_code(Errc::kDriveFailed);
  }
}

boost::system::error_code SyncDir(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoToError(errno);
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  return rc == 0 ? boost::system::error_code{} : ErrnoToError(err);
}

class LocalChunkReader final : public ChunkReader {
 public:
  LocalChunkReader(int fd, uint64_t size) : fd_(fd), size_(size) {}
  ~LocalChunkReader() override { ::close(fd_); }

  uint64_t size() const override { return size_; }

  Result<size_t> ReadAt(uint64_t offset, std::span<std::byte> out) override {
    size_t done = 0;
    while (done < out.size()) {
      const ssize_t n =
          ::pread(fd_, out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
      if (n < 0) {
        if (errno == EINTR) continue;
        return make_error_code(Errc::kDriveFailed);
      }
      if (n == 0) break;  // end of file
      done += static_cast<size_t>(n);
    }
    return done;
  }

 private:
  const int fd_;
  const uint64_t size_;
};

class LocalChunkWriter final : public ChunkWriter {
 public:
  LocalChunkWriter(int fd, std::string tmp_path, std::string final_dir, std::string final_path,
                   std::string chunks_dir)
      : fd_(fd),
        tmp_path_(std::move(tmp_path)),
        final_dir_(std::move(final_dir)),
        final_path_(std::move(final_path)),
        chunks_dir_(std::move(chunks_dir)) {}

  ~LocalChunkWriter() override {
    if (fd_ >= 0) ::close(fd_);
    if (!committed_) ::unlink(tmp_path_.c_str());
  }

  boost::system::error_code Append(std::span<const std::byte> data) override {
    const std::span<const std::byte> pieces[1] = {data};
    return AppendGather(pieces);
  }

  boost::system::error_code AppendGather(
      std::span<const std::span<const std::byte>> pieces) override {
    if (fd_ < 0) return make_error_code(Errc::kInvalidArgument);
    iov_.clear();
    for (auto piece : pieces) {
      if (piece.empty()) continue;
      iov_.push_back({const_cast<std::byte*>(piece.data()), piece.size()});
    }
    size_t first = 0;
    while (first < iov_.size()) {
      const int count = static_cast<int>(std::min<size_t>(iov_.size() - first, IOV_MAX));
      const ssize_t n = ::writev(fd_, &iov_[first], count);
      if (n < 0) {
        if (errno == EINTR) continue;
        return ErrnoToError(errno == ENOENT ? EIO : errno);
      }
      // Partial write: skip the iovecs written in full, trim the one written in part.
      size_t left = static_cast<size_t>(n);
      while (first < iov_.size() && left >= iov_[first].iov_len) {
        left -= iov_[first].iov_len;
        ++first;
      }
      if (first < iov_.size()) {
        iov_[first].iov_base = static_cast<char*>(iov_[first].iov_base) + left;
        iov_[first].iov_len -= left;
      }
    }
    return {};
  }

  boost::system::error_code Commit() override {
    if (fd_ < 0 || committed_) return make_error_code(Errc::kInvalidArgument);
    if (::fdatasync(fd_) != 0) return ErrnoToError(errno == ENOENT ? EIO : errno);
    const int rc = ::close(fd_);
    fd_ = -1;
    if (rc != 0) return ErrnoToError(errno == ENOENT ? EIO : errno);
    // The prefix directory appears on first use; a new directory entry must be synced too.
    if (::mkdir(final_dir_.c_str(), 0755) == 0) {
      if (auto ec = SyncDir(chunks_dir_)) return ec;
    } else if (errno != EEXIST) {
      return ErrnoToError(errno == ENOENT ? EIO : errno);
    }
    if (::rename(tmp_path_.c_str(), final_path_.c_str()) != 0) {
      return ErrnoToError(errno == ENOENT ? EIO : errno);
    }
    committed_ = true;
    return SyncDir(final_dir_);
  }

 private:
  int fd_;
  bool committed_ = false;
  const std::string tmp_path_;
  const std::string final_dir_;
  const std::string final_path_;
  const std::string chunks_dir_;
  std::vector<iovec> iov_;  // reused across appends
};

class LocalDrive final : public Drive {
 public:
  explicit LocalDrive(std::string dir)
      : dir_(std::move(dir)), chunks_dir_(dir_ + "/chunks"), tmp_dir_(dir_ + "/tmp") {}

  const std::string& path() const override { return dir_; }

  Result<std::unique_ptr<ChunkWriter>> CreateChunk(const ChunkId& id) override {
    if (!IsValidBlobId(id.blob_id)) return make_error_code(Errc::kInvalidArgument);
    const std::string suffix = id.blob_id + "." + std::to_string(id.shard_index);
    const std::string tmp_path =
        tmp_dir_ + "/" + suffix + "." + std::to_string(tmp_counter_.fetch_add(1)) + ".tmp";
    const int fd = ::open(tmp_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    // ENOENT here means our tmp/ folder vanished: the drive is broken, not the chunk missing.
    if (fd < 0) return ErrnoToError(errno == ENOENT ? EIO : errno);
    const std::string final_dir = PrefixDir(id.blob_id);
    return std::unique_ptr<ChunkWriter>(
        new LocalChunkWriter(fd, tmp_path, final_dir, final_dir + "/" + suffix, chunks_dir_));
  }

  Result<std::unique_ptr<ChunkReader>> OpenChunk(const ChunkId& id) override {
    if (!IsValidBlobId(id.blob_id)) return make_error_code(Errc::kInvalidArgument);
    const std::string path = ChunkPath(id);
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return ErrnoToError(errno);
    struct stat st;
    if (::fstat(fd, &st) != 0) {
      const int err = errno;
      ::close(fd);
      return ErrnoToError(err == ENOENT ? EIO : err);
    }
    return std::unique_ptr<ChunkReader>(
        new LocalChunkReader(fd, static_cast<uint64_t>(st.st_size)));
  }

  boost::system::error_code DeleteChunk(const ChunkId& id) override {
    if (!IsValidBlobId(id.blob_id)) return make_error_code(Errc::kInvalidArgument);
    // The prefix directory stays: removing it would race with a concurrent Commit's rename.
    if (::unlink(ChunkPath(id).c_str()) != 0) return ErrnoToError(errno);
    return {};
  }

  Result<uint64_t> ChunkSize(const ChunkId& id) override {
    if (!IsValidBlobId(id.blob_id)) return make_error_code(Errc::kInvalidArgument);
    struct stat st;
    if (::stat(ChunkPath(id).c_str(), &st) != 0) return ErrnoToError(errno);
    return static_cast<uint64_t>(st.st_size);
  }

 private:
  std::string PrefixDir(const std::string& blob_id) const {
    return chunks_dir_ + "/" + blob_id.substr(0, 2);
  }
  std::string ChunkPath(const ChunkId& id) const {
    return PrefixDir(id.blob_id) + "/" + id.blob_id + "." + std::to_string(id.shard_index);
  }

  const std::string dir_;
  const std::string chunks_dir_;
  const std::string tmp_dir_;
  std::atomic<uint64_t> tmp_counter_{0};
};

}  // namespace

Result<std::unique_ptr<Drive>> OpenLocalDrive(const std::string& dir) {
  if (dir.empty()) return make_error_code(Errc::kInvalidArgument);
  for (const std::string& d : {dir, dir + "/chunks", dir + "/tmp"}) {
    std::error_code ec;
    std::filesystem::create_directories(d, ec);
    if (ec) return ErrnoToError(ec.value() == ENOENT ? EIO : ec.value());
    if (!std::filesystem::is_directory(d, ec)) return make_error_code(Errc::kDriveFailed);
  }
  return std::unique_ptr<Drive>(new LocalDrive(dir));
}

}  // namespace strata::erasure
