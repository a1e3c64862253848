// Drive over a local folder. Durability follows the classic recipe: write a temp file,
// fdatasync it, rename it to its final name, fsync the directory (Garage: src/block/manager.rs);
// concurrent commits into one prefix folder share that directory fsync (DirSyncGroup).
// Writeback of a large chunk starts while it is written (sync_file_range), so the fdatasync at
// commit waits only for the tail. Deleting a chunk renames it into <dir>/trash/ (atomic, ~10 us)
// and the reaper's threads unlink it (trash_reaper.h): an unlink took ~4 ms per shard file on
// this machine's ext4 (no journal, mounted with discard: a synchronous discard per file), which
// made DELETE slow; it need not be in the request.
// A drive short of space unlinks at once: freed space must be there for the next write.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <climits>
#include <cstring>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <system_error>
#include <unordered_set>
#include <vector>

#include "erasure/buffer_pool.h"
#include "erasure/dir_sync_group.h"
#include "erasure/drive.h"
#include "erasure/drive_format.h"
#include "erasure/trash_reaper.h"

namespace strata::erasure {
namespace {

// Bytes appended between two writeback kicks: big enough for large sequential device writes,
// small enough that the commit's fdatasync finds little left to write.
constexpr uint64_t kWritebackBytes = 8u << 20;

// A chunk that grows past this switches to O_DIRECT: the page-cache copy and ext4's per-page
// delayed-allocation bookkeeping were a fifth of a large PUT's server CPU. Small chunks stay
// buffered (a few pages; the commit's fdatasync writes them out).
constexpr uint64_t kDirectFromBytes = 1u << 20;
constexpr size_t kDirectAlign = 4096;
// The O_DIRECT staging buffer: one 256 KiB block with its CRC plus an unaligned tail fits, so a
// stripe costs one aligned pwrite per shard.
constexpr size_t kStagingBytes = (256u << 10) + 2 * kDirectAlign;
// Staged bytes written out at the end of an append once at least this many are aligned.
constexpr size_t kStagingFlushBytes = 64u << 10;

constexpr char kTrashSuffix[] = ".del";

// Below this much free space (or 5%), deletes unlink at once instead of through the trash.
constexpr uint64_t kLowSpaceBytes = 1ull << 30;

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

// A drive's directory fsyncs: grouped per folder, and which prefix folders' own entries in
// chunks/ are known durable (synced by this process). Thread-safe.
struct DriveDirs {
  DirSyncGroup syncs{SyncDir};

  bool IsDurable(const std::string& prefix_dir) {
    std::lock_guard<std::mutex> lock(mu);
    return durable.count(prefix_dir) != 0;
  }
  void MarkDurable(const std::string& prefix_dir) {
    std::lock_guard<std::mutex> lock(mu);
    durable.insert(prefix_dir);
  }

  std::mutex mu;
  std::unordered_set<std::string> durable;  // GUARDED_BY(mu); at most 36 * 36 folders
};

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

  Result<size_t> ReadAtGather(uint64_t offset,
                              std::span<const std::span<std::byte>> pieces) override {
    std::array<iovec, 8> iov;
    if (pieces.size() > iov.size()) return ChunkReader::ReadAtGather(offset, pieces);
    size_t total = 0;
    for (size_t i = 0; i < pieces.size(); ++i) {
      iov[i] = {pieces[i].data(), pieces[i].size()};
      total += pieces[i].size();
    }
    // One preadv for the common case; a short read (a signal, the end) finishes piece by piece.
    ssize_t n;
    do {
      n = ::preadv(fd_, iov.data(), static_cast<int>(pieces.size()), static_cast<off_t>(offset));
    } while (n < 0 && errno == EINTR);
    if (n < 0) return make_error_code(Errc::kDriveFailed);
    size_t done = static_cast<size_t>(n);
    if (done == total || done == 0) return done;
    size_t skip = done;
    for (auto piece : pieces) {
      if (skip >= piece.size()) {
        skip -= piece.size();
        continue;
      }
      auto more = ReadAt(offset + done, piece.subspan(skip));
      if (!more) return more;
      done += *more;
      if (*more < piece.size() - skip) break;
      skip = 0;
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
                   std::string chunks_dir, std::function<bool()> recreate_chunks, DriveDirs* dirs)
      : fd_(fd),
        tmp_path_(std::move(tmp_path)),
        final_dir_(std::move(final_dir)),
        final_path_(std::move(final_path)),
        chunks_dir_(std::move(chunks_dir)),
        recreate_chunks_(std::move(recreate_chunks)),
        dirs_(dirs) {}

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
    if (direct_) return Stage(pieces);
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
      written_ += static_cast<uint64_t>(n);
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
    if (written_ - kicked_ >= kWritebackBytes) {
      // Asynchronous: queues the range for writeback and returns. Errors surface at fdatasync.
      (void)::sync_file_range(fd_, static_cast<off_t>(kicked_),
                              static_cast<off_t>(written_ - kicked_), SYNC_FILE_RANGE_WRITE);
      kicked_ = written_;
    }
    if (written_ >= kDirectFromBytes) SwitchToDirect();
    return {};
  }

  // Moves the chunk to O_DIRECT writes through staging_, if the file system allows it.
  // The unaligned tail already written is read back into staging_ and rewritten with the next
  // aligned write. On any failure the chunk simply stays buffered.
  void SwitchToDirect() {
    const uint64_t aligned = written_ / kDirectAlign * kDirectAlign;
    const size_t tail = static_cast<size_t>(written_ - aligned);
    PooledBuffer staging(kStagingBytes);
    if (tail > 0) {
      const ssize_t n = ::pread(fd_, staging.data(), tail, static_cast<off_t>(aligned));
      if (n != static_cast<ssize_t>(tail)) return;
    }
    const int flags = ::fcntl(fd_, F_GETFL);
    if (flags < 0 || ::fcntl(fd_, F_SETFL, flags | O_DIRECT) != 0) return;
    staging_ = std::move(staging);
    fill_ = tail;
    file_off_ = aligned;
    direct_ = true;
  }

  // Direct mode: copies the pieces into staging_, writing out aligned prefixes as it fills.
  boost::system::error_code Stage(std::span<const std::span<const std::byte>> pieces) {
    for (auto piece : pieces) {
      while (!piece.empty()) {
        const size_t n = std::min(piece.size(), kStagingBytes - fill_);
        std::memcpy(staging_.data() + fill_, piece.data(), n);
        fill_ += n;
        written_ += n;
        piece = piece.subspan(n);
        if (fill_ == kStagingBytes) {
          if (auto ec = FlushAligned()) return ec;
        }
      }
    }
    if (fill_ >= kStagingFlushBytes) return FlushAligned();
    return {};
  }

  // Writes the aligned prefix of staging_ and keeps the unaligned rest at its start.
  boost::system::error_code FlushAligned() {
    const size_t len = fill_ / kDirectAlign * kDirectAlign;
    if (len == 0) return {};
    if (auto ec = WriteStaged(len)) return ec;
    std::memmove(staging_.data(), staging_.data() + len, fill_ - len);
    fill_ -= len;
    return {};
  }

  // pwrite of staging_[0, len) at file_off_, which it advances. A file system that refuses
  // O_DIRECT writes (EINVAL) gets the same aligned writes buffered.
  boost::system::error_code WriteStaged(size_t len) {
    size_t done = 0;
    while (done < len) {
      const ssize_t n =
          ::pwrite(fd_, staging_.data() + done, len - done, static_cast<off_t>(file_off_ + done));
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EINVAL && !direct_refused_) {
          direct_refused_ = true;
          const int flags = ::fcntl(fd_, F_GETFL);
          if (flags >= 0 && ::fcntl(fd_, F_SETFL, flags & ~O_DIRECT) == 0) continue;
        }
        return ErrnoToError(errno == ENOENT ? EIO : errno);
      }
      done += static_cast<size_t>(n);
    }
    file_off_ += len;
    return {};
  }

  boost::system::error_code Commit() override {
    if (fd_ < 0 || committed_) return make_error_code(Errc::kInvalidArgument);
    if (direct_ && fill_ > 0) {
      // The last partial block goes out padded to the alignment; the size is then cut back.
      const size_t padded = (fill_ + kDirectAlign - 1) / kDirectAlign * kDirectAlign;
      std::memset(staging_.data() + fill_, 0, padded - fill_);
      if (auto ec = WriteStaged(padded)) return ec;
      if (::ftruncate(fd_, static_cast<off_t>(file_off_ - padded + fill_)) != 0) {
        return ErrnoToError(errno == ENOENT ? EIO : errno);
      }
      fill_ = 0;
    }
    staging_ = PooledBuffer();
    if (::fdatasync(fd_) != 0) return ErrnoToError(errno == ENOENT ? EIO : errno);
    const int rc = ::close(fd_);
    fd_ = -1;
    if (rc != 0) return ErrnoToError(errno == ENOENT ? EIO : errno);
    // Rename first: the prefix folder nearly always exists, and a mkdir that finds it takes
    // chunks/'s lock exclusively (every commit of the drive queued on it). ENOENT: the prefix
    // folder appears on first use (or chunks/ vanished on a formatted drive).
    int rc_rename = ::rename(tmp_path_.c_str(), final_path_.c_str());
    bool made_dir = false;
    if (rc_rename != 0 && errno == ENOENT) {
      int rc_mkdir = ::mkdir(final_dir_.c_str(), 0755);
      if (rc_mkdir != 0 && errno == ENOENT && recreate_chunks_ && recreate_chunks_()) {
        rc_mkdir = ::mkdir(final_dir_.c_str(), 0755);
      }
      if (rc_mkdir != 0 && errno != EEXIST) return ErrnoToError(errno == ENOENT ? EIO : errno);
      made_dir = rc_mkdir == 0;
      rc_rename = ::rename(tmp_path_.c_str(), final_path_.c_str());
    }
    if (rc_rename != 0) return ErrnoToError(errno == ENOENT ? EIO : errno);
    committed_ = true;
    // The prefix folder's own entry must be durable too, whoever made it: once per folder and
    // process (a commit that found the folder made by another, still syncing, waits for that
    // sync or runs its own), and always by the commit that made it (a folder made again, after
    // chunks/ vanished from a reformatted drive, is marked durable from before).
    if (made_dir || !dirs_->IsDurable(final_dir_)) {
      if (auto ec = dirs_->syncs.Sync(chunks_dir_)) return ec;
      dirs_->MarkDurable(final_dir_);
    }
    // The rename is done: any fsync of final_dir_ that starts from here on covers it, so
    // concurrent commits into this folder share one (a failure fails each of them).
    return dirs_->syncs.Sync(final_dir_);
  }

 private:
  int fd_;
  bool committed_ = false;
  const std::string tmp_path_;
  const std::string final_dir_;
  const std::string final_path_;
  const std::string chunks_dir_;
  const std::function<bool()> recreate_chunks_;  // true if it made chunks/ again
  DriveDirs* const dirs_;                        // the drive's; outlives its writers
  std::vector<iovec> iov_;                       // reused across appends
  uint64_t written_ = 0;                         // bytes appended so far
  uint64_t kicked_ = 0;                          // bytes handed to writeback so far (buffered)
  bool direct_ = false;                          // O_DIRECT: appends go through staging_
  bool direct_refused_ = false;                  // the file system refused an O_DIRECT write
  PooledBuffer staging_;                         // direct: bytes not yet written, aligned start
  size_t fill_ = 0;                              // direct: bytes in staging_
  uint64_t file_off_ = 0;                        // direct: file offset of staging_[0]
};

class LocalDrive final : public Drive {
 public:
  explicit LocalDrive(std::string dir)
      : dir_(std::move(dir)),
        chunks_dir_(dir_ + "/chunks"),
        tmp_dir_(dir_ + "/tmp"),
        trash_dir_(dir_ + "/trash"),
        format_path_(dir_ + "/" + kFormatFileName) {}

  // Unlinks whatever an earlier process left in the trash, in the background.
  void EmptyTrashLater() {
    struct stat st;
    if (::stat(trash_dir_.c_str(), &st) != 0) return;
    ReapFolderLater(trash_dir_);
  }

  const std::string& path() const override { return dir_; }

  Result<std::unique_ptr<ChunkWriter>> CreateChunk(const ChunkId& id) override {
    if (!IsValidBlobId(id.blob_id)) return make_error_code(Errc::kInvalidArgument);
    const std::string suffix = id.blob_id + "." + std::to_string(id.shard_index);
    const std::string tmp_path =
        tmp_dir_ + "/" + suffix + "." + std::to_string(tmp_counter_.fetch_add(1)) + ".tmp";
    // Read-write: switching to O_DIRECT reads back the unaligned tail.
    int fd = ::open(tmp_path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0 && errno == ENOENT && RecreateDir(tmp_dir_)) {
      fd = ::open(tmp_path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    }
    // ENOENT here means our tmp/ folder vanished: the drive is broken, not the chunk missing.
    if (fd < 0) return ErrnoToError(errno == ENOENT ? EIO : errno);
    const std::string final_dir = PrefixDir(id.blob_id);
    return std::unique_ptr<ChunkWriter>(new LocalChunkWriter(
        fd, tmp_path, final_dir, final_dir + "/" + suffix, chunks_dir_,
        [this] { return RecreateDir(chunks_dir_); }, &dirs_));
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
    // Blobs are mostly read front to back: a larger kernel read-ahead window.
    (void)::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    return std::unique_ptr<ChunkReader>(
        new LocalChunkReader(fd, static_cast<uint64_t>(st.st_size)));
  }

  boost::system::error_code DeleteChunk(const ChunkId& id) override {
    if (!IsValidBlobId(id.blob_id)) return make_error_code(Errc::kInvalidArgument);
    // The prefix directory stays: removing it would race with a concurrent Commit's rename.
    const std::string path = ChunkPath(id);
    if (!LowOnSpace()) {
      // The chunk's name is gone once the rename returns: to readers (open descriptors keep
      // their bytes), to scrub (which lists chunks/ only) and to a restart (which empties the
      // trash). A chunk the rename misses (crash) is still an orphan that scrub reclaims.
      const std::string trash_path = trash_dir_ + "/" + id.blob_id + "." +
                                     std::to_string(id.shard_index) + "." +
                                     std::to_string(tmp_counter_.fetch_add(1)) + kTrashSuffix;
      int rc = ::rename(path.c_str(), trash_path.c_str());
      // chunks/ holds this chunk, so the drive is mounted and ours: trash/ may be made here.
      if (rc != 0 && errno == ENOENT && ::access(path.c_str(), F_OK) == 0 &&
          (::mkdir(trash_dir_.c_str(), 0755) == 0 || errno == EEXIST)) {
        rc = ::rename(path.c_str(), trash_path.c_str());  // first delete: no trash/ yet
      }
      if (rc == 0) {
        if (!ReapLater(trash_path)) {
          (void)::unlink(trash_path.c_str());  // the reaper is behind: pay here
        }
        return {};
      }
      if (errno == ENOENT) return ErrnoToError(errno);  // deleted meanwhile
      // No usable trash: unlink in the request, as before.
    }
    if (::unlink(path.c_str()) != 0) return ErrnoToError(errno);
    return {};
  }

  Result<uint64_t> ChunkSize(const ChunkId& id) override {
    if (!IsValidBlobId(id.blob_id)) return make_error_code(Errc::kInvalidArgument);
    struct stat st;
    if (::stat(ChunkPath(id).c_str(), &st) != 0) return ErrnoToError(errno);
    return static_cast<uint64_t>(st.st_size);
  }

  Result<std::string> ReadFormatRecord() override {
    const int fd = ::open(format_path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return ErrnoToError(errno);
    std::string out(kMaxFormatRecordSize + 1, '\0');
    size_t done = 0;
    while (done < out.size()) {
      const ssize_t n = ::read(fd, out.data() + done, out.size() - done);
      if (n < 0) {
        if (errno == EINTR) continue;
        const int err = errno;
        ::close(fd);
        return ErrnoToError(err == ENOENT ? EIO : err);
      }
      if (n == 0) break;
      done += static_cast<size_t>(n);
    }
    ::close(fd);
    if (done > kMaxFormatRecordSize) return make_error_code(Errc::kCorrupt);
    out.resize(done);
    return out;
  }

  boost::system::error_code WriteFormatRecord(std::string_view bytes) override {
    for (const std::string& d : {dir_, chunks_dir_, tmp_dir_}) {
      if (::mkdir(d.c_str(), 0755) != 0 && errno != EEXIST) return ErrnoToError(errno);
    }
    const std::string tmp_path =
        tmp_dir_ + "/format." + std::to_string(tmp_counter_.fetch_add(1)) + ".tmp";
    const int fd = ::open(tmp_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return ErrnoToError(errno == ENOENT ? EIO : errno);
    size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
      if (n < 0) {
        if (errno == EINTR) continue;
        const int err = errno;
        ::close(fd);
        ::unlink(tmp_path.c_str());
        return ErrnoToError(err == ENOENT ? EIO : err);
      }
      done += static_cast<size_t>(n);
    }
    const bool synced = ::fdatasync(fd) == 0;
    const int err = errno;
    const bool closed = ::close(fd) == 0;
    if (!synced || !closed || ::rename(tmp_path.c_str(), format_path_.c_str()) != 0) {
      ::unlink(tmp_path.c_str());
      return ErrnoToError(!synced ? err : EIO);
    }
    return SyncDir(dir_);
  }

  Result<bool> HasChunks() override {
    DIR* top = ::opendir(chunks_dir_.c_str());
    if (top == nullptr) {
      if (errno == ENOENT) return Result<bool>(false);
      return Result<bool>(boost::system::in_place_error, ErrnoToError(errno));
    }
    bool found = false;
    while (!found) {
      const dirent* e = ::readdir(top);
      if (e == nullptr) break;
      if (e->d_name[0] == '.') continue;
      const std::string sub = chunks_dir_ + "/" + e->d_name;
      DIR* inner = ::opendir(sub.c_str());
      if (inner == nullptr) continue;
      while (const dirent* f = ::readdir(inner)) {
        if (f->d_name[0] != '.') {
          found = true;
          break;
        }
      }
      ::closedir(inner);
    }
    ::closedir(top);
    return found;
  }

  Result<std::vector<ChunkInfo>> ListChunks(std::string_view prefix) override {
    if (prefix.size() != 2 || !IsValidBlobId(prefix)) {
      return make_error_code(Errc::kInvalidArgument);
    }
    std::vector<ChunkInfo> out;
    const std::string dir = chunks_dir_ + "/" + std::string(prefix);
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) {
      if (errno == ENOENT) return out;
      return ErrnoToError(errno);
    }
    while (const dirent* e = ::readdir(d)) {
      const std::string_view name(e->d_name);
      // <blob id>.<shard index>: anything else (editor droppings, ".", "..") is not ours.
      const size_t dot = name.rfind('.');
      if (dot == std::string_view::npos || dot + 1 >= name.size() || name.size() - dot > 4) {
        continue;
      }
      ChunkInfo info;
      info.id.blob_id = std::string(name.substr(0, dot));
      if (!IsValidBlobId(info.id.blob_id) || info.id.blob_id.compare(0, 2, prefix) != 0) continue;
      const auto digits = name.substr(dot + 1);
      auto [ptr, ec] =
          std::from_chars(digits.data(), digits.data() + digits.size(), info.id.shard_index);
      if (ec != std::errc() || ptr != digits.data() + digits.size() || info.id.shard_index > 254) {
        continue;
      }
      struct stat st;
      if (::fstatat(::dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode)) {
        continue;  // vanished meanwhile (deleted), or not a regular file
      }
      info.size = static_cast<uint64_t>(st.st_size);
      info.modified = std::chrono::system_clock::time_point(
          std::chrono::duration_cast<std::chrono::system_clock::duration>(
              std::chrono::seconds(st.st_mtim.tv_sec) +
              std::chrono::nanoseconds(st.st_mtim.tv_nsec)));
      out.push_back(std::move(info));
    }
    ::closedir(d);
    return out;
  }

  Result<uint64_t> RemoveStaleTemp(std::chrono::seconds max_age) override {
    DIR* d = ::opendir(tmp_dir_.c_str());
    if (d == nullptr) return errno == ENOENT ? Result<uint64_t>(uint64_t{0}) : ErrnoToError(errno);
    const auto cutoff = std::chrono::system_clock::now() - max_age;
    uint64_t removed = 0;
    while (const dirent* e = ::readdir(d)) {
      if (e->d_name[0] == '.') continue;
      struct stat st;
      if (::fstatat(::dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode))
        continue;
      const auto modified = std::chrono::system_clock::from_time_t(st.st_mtim.tv_sec);
      if (modified >= cutoff) continue;
      if (::unlinkat(::dirfd(d), e->d_name, 0) == 0) ++removed;
    }
    ::closedir(d);
    return removed;
  }

 private:
  // True when the drive's free space is short (under 1 GiB or 5%): a delete then frees its
  // space before it returns, so a PUT right after it does not fail for want of room the trash
  // still holds.
  bool LowOnSpace() const {
    struct statvfs sv;
    if (::statvfs(dir_.c_str(), &sv) != 0) return true;
    const uint64_t avail = uint64_t{sv.f_bavail} * sv.f_frsize;
    const uint64_t total = uint64_t{sv.f_blocks} * sv.f_frsize;
    return avail < kLowSpaceBytes || avail < total / 20;
  }

  // Recreates a sub-folder that vanished, but only on a formatted drive: an unmounted drive's
  // mount point must not silently fill the root file system.
  bool RecreateDir(const std::string& d) {
    struct stat st;
    if (::stat(format_path_.c_str(), &st) != 0) return false;
    return ::mkdir(d.c_str(), 0755) == 0 || errno == EEXIST;
  }

  std::string PrefixDir(const std::string& blob_id) const {
    return chunks_dir_ + "/" + blob_id.substr(0, 2);
  }
  std::string ChunkPath(const ChunkId& id) const {
    return PrefixDir(id.blob_id) + "/" + id.blob_id + "." + std::to_string(id.shard_index);
  }

  const std::string dir_;
  const std::string chunks_dir_;
  const std::string tmp_dir_;
  const std::string trash_dir_;  // chunks being unlinked in the background
  const std::string format_path_;
  std::atomic<uint64_t> tmp_counter_{0};
  DriveDirs dirs_;
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
  auto drive = std::make_unique<LocalDrive>(dir);
  drive->EmptyTrashLater();
  return std::unique_ptr<Drive>(std::move(drive));
}

}  // namespace strata::erasure
