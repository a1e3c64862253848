// The index journal (see index_journal.h and README.md, "Index journal").
#include "storage/index_journal.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <map>
#include <system_error>

#include "erasure/thread_name.h"
#include "storage/checksum.h"
#include "storage/coding.h"
#include "storage/wake_signal.h"

namespace strata::storage {
namespace {

using boost::system::error_code;

constexpr uint32_t kRecordMagic = 0x4c4e524a;    // "JRNL"
constexpr uint32_t kSnapshotMagic = 0x50414e53;  // "SNAP"
constexpr size_t kFrameHeaderSize = 12;
// No frame is larger than this, whatever a header claims (and never larger than its file).
constexpr uint64_t kMaxFrameBytes = 1ull << 30;
// A group commit takes at most this many writers / bytes (at least one writer).
constexpr size_t kMaxGroupWriters = 1024;
constexpr size_t kMaxGroupBytes = 8u << 20;
// Snapshot entry frames are cut at about this size.
constexpr size_t kSnapshotChunkBytes = 1u << 20;
constexpr uint8_t kSnapHeader = 1, kSnapEntries = 2, kSnapEnd = 3;  // On disk: never renumber.
constexpr uint8_t kOpPut = 0, kOpDelete = 1;                        // On disk: never renumber.

// Segments grow in written zeros of this size ahead of the records (LocalJournalFile).
constexpr uint64_t kSegmentPreallocateBytes = 1u << 20;

constexpr std::string_view kSegmentPrefix = "journal-", kSegmentSuffix = ".log";
constexpr std::string_view kSnapshotPrefix = "snapshot-", kSnapshotSuffix = ".snap";

error_code Unavailable() { return make_error_code(Errc::kUnavailable); }
error_code Corrupt() { return make_error_code(Errc::kCorrupt); }

uint32_t Crc32c(std::string_view data) {
  auto h = NewChecksumHasher(ChecksumAlgorithm::kCrc32c);
  h->Update(std::as_bytes(std::span(data.data(), data.size())));
  const std::string d = h->Finish();  // big-endian
  return (uint32_t{static_cast<uint8_t>(d[0])} << 24) |
         (uint32_t{static_cast<uint8_t>(d[1])} << 16) |
         (uint32_t{static_cast<uint8_t>(d[2])} << 8) | uint32_t{static_cast<uint8_t>(d[3])};
}

void PutFixed32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void PutFixed64(std::string& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
uint64_t GetFixed(std::string_view in, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= uint64_t{static_cast<uint8_t>(in[i])} << (8 * i);
  return v;
}

void AppendFrame(std::string& out, uint32_t magic, std::string_view payload) {
  PutFixed32(out, magic);
  PutFixed32(out, static_cast<uint32_t>(payload.size()));
  PutFixed32(out, Crc32c(payload));
  out.append(payload);
}

void EncodeRecordPayload(std::string& out, uint64_t seq, const WriteBatch& batch) {
  PutFixed64(out, seq);
  PutVarint64(out, batch.ops().size());
  for (const auto& op : batch.ops()) {
    out.push_back(static_cast<char>(op.is_delete ? kOpDelete : kOpPut));
    PutLengthPrefixed(out, op.key);
    if (!op.is_delete) PutLengthPrefixed(out, op.value);
  }
}

bool DecodeRecordPayload(std::string_view payload, JournalRecord& record) {
  if (payload.size() < 8) return false;
  record.seq = GetFixed(payload, 8);
  Decoder d(payload.substr(8));
  uint64_t n = 0;
  if (!d.GetVarint64(n) || n > d.remaining()) return false;  // every op takes >= 2 bytes
  record.batch = WriteBatch();
  for (uint64_t i = 0; i < n; ++i) {
    uint8_t op = 0;
    std::string_view key, value;
    if (!d.GetByte(op) || !d.GetLengthPrefixed(key)) return false;
    if (op == kOpPut) {
      if (!d.GetLengthPrefixed(value)) return false;
      record.batch.Put(key, value);
    } else if (op == kOpDelete) {
      record.batch.Delete(key);
    } else {
      return false;
    }
  }
  return d.done();
}

std::string NumberedName(std::string_view prefix, uint64_t n, std::string_view suffix) {
  char digits[21];
  std::snprintf(digits, sizeof digits, "%020llu", static_cast<unsigned long long>(n));
  return std::string(prefix) + digits + std::string(suffix);
}

std::optional<uint64_t> ParseNumberedName(std::string_view name, std::string_view prefix,
                                          std::string_view suffix) {
  if (name.size() != prefix.size() + 20 + suffix.size() || !name.starts_with(prefix) ||
      !name.ends_with(suffix)) {
    return std::nullopt;
  }
  uint64_t n = 0;
  const char* first = name.data() + prefix.size();
  auto [ptr, ec] = std::from_chars(first, first + 20, n);
  if (ec != std::errc() || ptr != first + 20) return std::nullopt;
  return n;
}

// The segments (first seq) and snapshots (seq) of a copy, ascending.
struct CopyFiles {
  std::vector<uint64_t> segments;
  std::vector<uint64_t> snapshots;
  std::vector<std::string> temps;
};

Result<CopyFiles> ListCopy(JournalDir& dir) {
  auto names = dir.List();
  if (!names) return names.error();
  CopyFiles files;
  for (const std::string& name : *names) {
    if (auto n = ParseNumberedName(name, kSegmentPrefix, kSegmentSuffix)) {
      files.segments.push_back(*n);
    } else if (auto s = ParseNumberedName(name, kSnapshotPrefix, kSnapshotSuffix)) {
      files.snapshots.push_back(*s);
    } else if (name.ends_with(".tmp")) {
      files.temps.push_back(name);
    }
  }
  std::sort(files.segments.begin(), files.segments.end());
  std::sort(files.snapshots.begin(), files.snapshots.end());
  return files;
}

// Reads frames front to back. A short header, a bad magic, a length beyond the file or a CRC
// mismatch is a bad frame: without resync it ends the stream; with resync the reader scans on
// for the next magic whose frame checks out (a damaged record in the middle of a segment costs
// only that record). corrupt() tells a bad frame from a clean end.
class FrameReader {
 public:
  FrameReader(std::unique_ptr<JournalReadFile> file, uint32_t magic, bool resync = false)
      : file_(std::move(file)), magic_(magic), resync_(resync) {}

  bool Next(std::string& payload) {
    while (!done_) {
      if (offset_ == file_->size()) return Stop(false);
      if (TryFrame(payload)) return true;
      corrupt_ = true;
      if (!resync_ || !FindMagic(offset_ + 1)) return Stop(true);
    }
    return false;
  }
  bool corrupt() const { return corrupt_; }

 private:
  bool TryFrame(std::string& payload) {
    const uint64_t size = file_->size();
    if (size - offset_ < kFrameHeaderSize) return false;  // torn header
    std::string header(kFrameHeaderSize, '\0');
    if (!ReadExact(offset_, header)) return false;
    const uint32_t magic = static_cast<uint32_t>(GetFixed(header, 4));
    const uint64_t len = GetFixed(std::string_view(header).substr(4), 4);
    const uint32_t crc = static_cast<uint32_t>(GetFixed(std::string_view(header).substr(8), 4));
    if (magic != magic_ || len > kMaxFrameBytes || len > size - offset_ - kFrameHeaderSize) {
      return false;
    }
    payload.resize(len);
    if (!ReadExact(offset_ + kFrameHeaderSize, payload) || Crc32c(payload) != crc) return false;
    offset_ += kFrameHeaderSize + len;
    return true;
  }
  // Moves offset_ to the next occurrence of the magic at or after `from`; false if none.
  bool FindMagic(uint64_t from) {
    std::string magic;
    PutFixed32(magic, magic_);
    std::string window;
    const uint64_t size = file_->size();
    while (from + 4 <= size) {
      window.resize(std::min<uint64_t>(64 * 1024, size - from));
      if (!ReadExact(from, window)) return false;
      const size_t at = window.find(magic);
      if (at != std::string::npos) {
        offset_ = from + at;
        return true;
      }
      from += window.size() - 3;  // a magic may straddle two windows
    }
    return false;
  }
  bool Stop(bool corrupt) {
    done_ = true;
    corrupt_ = corrupt_ || corrupt;
    return false;
  }
  bool ReadExact(uint64_t offset, std::string& out) {
    size_t got = 0;
    while (got < out.size()) {
      auto n = file_->ReadAt(offset + got,
                             std::as_writable_bytes(std::span(out.data() + got, out.size() - got)));
      if (!n || *n == 0) return false;
      got += *n;
    }
    return true;
  }

  std::unique_ptr<JournalReadFile> file_;
  const uint32_t magic_;
  const bool resync_;
  uint64_t offset_ = 0;
  bool done_ = false;
  bool corrupt_ = false;
};

// The records of one copy, in order, from segment to segment. A bad frame is skipped (resync);
// a record whose seq does not ascend ends its segment, and the copy resumes at its next one.
class CopyReader {
 public:
  CopyReader(JournalDir* dir, std::vector<uint64_t> segments)
      : dir_(dir), segments_(std::move(segments)) {}

  // Positions at the first record with seq >= seq. Skips whole segments that end before it.
  void SkipTo(uint64_t seq) {
    if (!started_) {
      started_ = true;
      // The last segment whose first seq <= seq holds it, if any copy segment does.
      size_t i = 0;
      while (i + 1 < segments_.size() && segments_[i + 1] <= seq) ++i;
      next_segment_ = i;
      Advance();
    }
    while (current_ && current_->seq < seq) Advance();
  }
  const JournalRecord* current() const { return current_ ? &*current_ : nullptr; }

 private:
  void Advance() {
    std::string payload;
    while (true) {
      if (reader_) {
        JournalRecord record;
        if (reader_->Next(payload) && DecodeRecordPayload(payload, record) &&
            (!current_ || record.seq > current_->seq)) {
          current_ = std::move(record);
          return;
        }
        reader_.reset();
      }
      if (next_segment_ >= segments_.size()) {
        current_.reset();
        return;
      }
      auto file = dir_->Open(JournalSegmentName(segments_[next_segment_++]));
      if (file) {
        reader_ = std::make_unique<FrameReader>(std::move(*file), kRecordMagic, /*resync=*/true);
      }
    }
  }

  JournalDir* dir_;
  std::vector<uint64_t> segments_;
  size_t next_segment_ = 0;
  bool started_ = false;
  std::unique_ptr<FrameReader> reader_;
  std::optional<JournalRecord> current_;
};

// Reads the snapshot, checking every frame; fn (may be empty) sees the entries.
error_code ScanSnapshot(JournalDir& dir, uint64_t seq,
                        const std::function<error_code(std::string_view, std::string_view)>& fn) {
  auto file = dir.Open(JournalSnapshotName(seq));
  if (!file) return file.error();
  FrameReader reader(std::move(*file), kSnapshotMagic);
  std::string payload;
  if (!reader.Next(payload) || payload.size() != 9 || payload[0] != kSnapHeader ||
      GetFixed(std::string_view(payload).substr(1), 8) != seq) {
    return Corrupt();
  }
  uint64_t entries = 0;
  while (reader.Next(payload)) {
    if (payload.empty()) return Corrupt();
    if (payload[0] == kSnapEnd) {
      if (payload.size() != 17 || GetFixed(std::string_view(payload).substr(1), 8) != seq ||
          GetFixed(std::string_view(payload).substr(9), 8) != entries) {
        return Corrupt();
      }
      return reader.Next(payload) ? Corrupt() : error_code();  // nothing may follow the end
    }
    if (payload[0] != kSnapEntries) return Corrupt();
    Decoder d(std::string_view(payload).substr(1));
    uint64_t n = 0;
    if (!d.GetVarint64(n) || n > d.remaining()) return Corrupt();
    for (uint64_t i = 0; i < n; ++i) {
      std::string_view key, value;
      if (!d.GetLengthPrefixed(key) || !d.GetLengthPrefixed(value)) return Corrupt();
      if (fn) {
        if (auto ec = fn(key, value)) return ec;
      }
    }
    if (!d.done()) return Corrupt();
    entries += n;
  }
  return Corrupt();  // ended before the end frame
}

// The last valid seq of a copy: its newest snapshot or the last record of its newest segment
// that has one.
uint64_t CopyLastSeq(JournalDir& dir, const CopyFiles& files, uint64_t valid_snapshot) {
  uint64_t last = valid_snapshot;
  for (auto it = files.segments.rbegin(); it != files.segments.rend(); ++it) {
    auto file = dir.Open(JournalSegmentName(*it));
    if (!file) continue;
    FrameReader reader(std::move(*file), kRecordMagic, /*resync=*/true);
    std::string payload;
    JournalRecord record;
    uint64_t seg_last = 0;
    while (reader.Next(payload) && DecodeRecordPayload(payload, record) && record.seq > seg_last) {
      seg_last = record.seq;
    }
    if (seg_last != 0) return std::max(last, seg_last);
  }
  return last;
}

// --- The local file system.

error_code ErrnoError(int err) {
  return err == ENOENT ? make_error_code(Errc::kNoSuchKey) : Unavailable();
}

class LocalJournalFile final : public JournalFile {
 public:
  // preallocate_step > 0: a segment (see LocalJournalDir::CreateSegment).
  LocalJournalFile(int fd, uint64_t preallocate_step) : fd_(fd), step_(preallocate_step) {}
  ~LocalJournalFile() override {
    // Readers would skip the unused zeros (they fail the magic check), but an exact size keeps
    // closed segments tidy. Not synced: a crash leaves the zeros, which is just as valid.
    if (step_ > 0 && allocated_ > offset_) (void)::ftruncate(fd_, static_cast<off_t>(offset_));
    ::close(fd_);
  }
  error_code Append(std::span<const std::byte> data) override {
    if (step_ > 0) {
      if (auto ec = Preallocate(offset_ + data.size())) return ec;
    }
    while (!data.empty()) {
      const ssize_t n = ::pwrite(fd_, data.data(), data.size(), static_cast<off_t>(offset_));
      if (n < 0) {
        if (errno == EINTR) continue;
        return Unavailable();
      }
      data = data.subspan(static_cast<size_t>(n));
      offset_ += static_cast<uint64_t>(n);
    }
    if (step_ == 0) WriteBehind();
    return {};
  }
  error_code Sync() override { return ::fdatasync(fd_) == 0 ? error_code() : Unavailable(); }

 private:
  // Keeps written zeros at least half a step beyond `end`. fdatasync after an append that
  // grows the file also writes the inode and the allocation metadata, a second and third
  // I/O per group commit; over blocks that are already allocated and written it is one data
  // write and a cache flush (fsync wall time ~139 -> ~108 us, its CPU ~61 -> ~48 us on the
  // benchmark VM). Real zeros, not fallocate: ext4 marks fallocated extents unwritten, and
  // converting them on the first write is again a metadata update. The zeros are pushed to
  // the disk at once (sync_file_range), so the next group's fdatasync finds them written.
  error_code Preallocate(uint64_t end) {
    if (end + step_ / 2 <= allocated_) return {};
    const uint64_t from = allocated_;
    const uint64_t to = (end + step_ / 2 + step_ - 1) / step_ * step_;
    static const std::vector<std::byte> kZeros(64 * 1024);
    for (uint64_t at = from; at < to;) {
      const size_t n = static_cast<size_t>(std::min<uint64_t>(kZeros.size(), to - at));
      const ssize_t w = ::pwrite(fd_, kZeros.data(), n, static_cast<off_t>(at));
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) return Unavailable();
      at += static_cast<uint64_t>(w);
    }
    allocated_ = to;
    (void)::sync_file_range(fd_, static_cast<off_t>(from), static_cast<off_t>(to - from),
                            SYNC_FILE_RANGE_WRITE);
    return {};
  }

  // A snapshot (a regular file, written at once) is the whole index: hundreds of MiB left
  // dirty until its fdatasync went to the disk in one flood, and every group commit's
  // fdatasync queued behind it (4 KiB PUT c16: p99.9 ~75 ms, max ~300 ms while one was
  // synced). Each MiB is sent to the disk as soon as it is written, and the writer waits for
  // the MiB before it: at most ~2 MiB of a snapshot is in flight per copy.
  void WriteBehind() {
    constexpr uint64_t kWriteBehindBytes = 1 << 20;
    while (offset_ - started_ >= kWriteBehindBytes) {
      if (started_ >= kWriteBehindBytes) {
        (void)::sync_file_range(
            fd_, static_cast<off_t>(started_ - kWriteBehindBytes),
            static_cast<off_t>(kWriteBehindBytes),
            SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER);
      }
      (void)::sync_file_range(fd_, static_cast<off_t>(started_),
                              static_cast<off_t>(kWriteBehindBytes), SYNC_FILE_RANGE_WRITE);
      started_ += kWriteBehindBytes;
    }
  }

  const int fd_;
  const uint64_t step_;
  uint64_t offset_ = 0;     // where the next record goes (the file's logical end)
  uint64_t allocated_ = 0;  // zeros are written up to here
  uint64_t started_ = 0;    // a regular file's writeback was started up to here
};

class LocalJournalReadFile final : public JournalReadFile {
 public:
  LocalJournalReadFile(int fd, uint64_t size) : fd_(fd), size_(size) {}
  ~LocalJournalReadFile() override { ::close(fd_); }
  uint64_t size() const override { return size_; }
  Result<size_t> ReadAt(uint64_t offset, std::span<std::byte> out) override {
    while (true) {
      const ssize_t n = ::pread(fd_, out.data(), out.size(), static_cast<off_t>(offset));
      if (n >= 0) return static_cast<size_t>(n);
      if (errno != EINTR) return Unavailable();
    }
  }

 private:
  const int fd_;
  const uint64_t size_;
};

class LocalJournalDir final : public JournalDir {
 public:
  explicit LocalJournalDir(std::string path) : path_(std::move(path)) {}
  const std::string& path() const override { return path_; }

  Result<std::vector<std::string>> List() override {
    DIR* d = ::opendir(path_.c_str());
    if (d == nullptr) return ErrnoError(errno);
    std::vector<std::string> names;
    while (const dirent* e = ::readdir(d)) {
      struct stat st;
      if (e->d_name[0] == '.' || ::fstatat(::dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
          !S_ISREG(st.st_mode)) {
        continue;
      }
      names.emplace_back(e->d_name);
    }
    ::closedir(d);
    return names;
  }
  Result<std::unique_ptr<JournalFile>> Create(const std::string& name) override {
    const int fd =
        ::open(Path(name).c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) return ErrnoError(errno);
    return std::unique_ptr<JournalFile>(std::make_unique<LocalJournalFile>(fd, 0));
  }
  Result<std::unique_ptr<JournalFile>> CreateSegment(const std::string& name) override {
    const int fd = ::open(Path(name).c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return ErrnoError(errno);
    return std::unique_ptr<JournalFile>(
        std::make_unique<LocalJournalFile>(fd, kSegmentPreallocateBytes));
  }
  Result<std::unique_ptr<JournalReadFile>> Open(const std::string& name) override {
    const int fd = ::open(Path(name).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return ErrnoError(errno);
    struct stat st;
    if (::fstat(fd, &st) != 0) {
      ::close(fd);
      return Unavailable();
    }
    return std::unique_ptr<JournalReadFile>(
        std::make_unique<LocalJournalReadFile>(fd, static_cast<uint64_t>(st.st_size)));
  }
  error_code Rename(const std::string& from, const std::string& to) override {
    return ::rename(Path(from).c_str(), Path(to).c_str()) == 0 ? error_code() : ErrnoError(errno);
  }
  error_code Remove(const std::string& name) override {
    return ::unlink(Path(name).c_str()) == 0 ? error_code() : ErrnoError(errno);
  }
  error_code SyncDir() override {
    const int fd = ::open(path_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return ErrnoError(errno);
    const bool ok = ::fsync(fd) == 0;
    ::close(fd);
    return ok ? error_code() : Unavailable();
  }

 private:
  std::string Path(const std::string& name) const { return path_ + "/" + name; }
  const std::string path_;
};

}  // namespace

std::string JournalSegmentName(uint64_t first_seq) {
  return NumberedName(kSegmentPrefix, first_seq, kSegmentSuffix);
}
std::string JournalSnapshotName(uint64_t seq) {
  return NumberedName(kSnapshotPrefix, seq, kSnapshotSuffix);
}

Result<std::unique_ptr<JournalDir>> OpenLocalJournalDir(const std::string& path) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec || !std::filesystem::is_directory(path, ec)) return Unavailable();
  return std::unique_ptr<JournalDir>(std::make_unique<LocalJournalDir>(path));
}

// --- Reading.

Result<JournalInfo> InspectJournal(std::span<JournalDir* const> copies) {
  JournalInfo info;
  info.copy_last_seq.assign(copies.size(), 0);
  for (size_t i = 0; i < copies.size(); ++i) {
    if (copies[i] == nullptr) continue;
    auto files = ListCopy(*copies[i]);
    if (!files) continue;  // unreadable: counts as empty
    std::optional<uint64_t> valid_snapshot;
    for (auto it = files->snapshots.rbegin(); it != files->snapshots.rend(); ++it) {
      if (!ScanSnapshot(*copies[i], *it, {})) {
        valid_snapshot = *it;
        break;
      }
    }
    if (valid_snapshot && (!info.snapshot_seq || *valid_snapshot > *info.snapshot_seq)) {
      info.snapshot_seq = valid_snapshot;
      info.snapshot_copy = i;
    }
    info.copy_last_seq[i] = CopyLastSeq(*copies[i], *files, valid_snapshot.value_or(0));
    if (info.copy_last_seq[i] > 0 || valid_snapshot) info.has_data = true;
    info.max_seq = std::max(info.max_seq, info.copy_last_seq[i]);
  }
  return info;
}

error_code ReadSnapshot(JournalDir& copy, uint64_t seq,
                        const std::function<error_code(std::string_view, std::string_view)>& fn) {
  return ScanSnapshot(copy, seq, fn);
}

Result<uint64_t> ReplayJournal(std::span<JournalDir* const> copies, uint64_t first_seq,
                               const std::function<error_code(const JournalRecord&)>& fn) {
  std::vector<std::unique_ptr<CopyReader>> readers;
  for (JournalDir* dir : copies) {
    if (dir == nullptr) continue;
    auto files = ListCopy(*dir);
    if (!files) continue;
    readers.push_back(std::make_unique<CopyReader>(dir, std::move(files->segments)));
  }
  uint64_t seq = first_seq;
  while (true) {
    const JournalRecord* found = nullptr;
    for (auto& reader : readers) {
      reader->SkipTo(seq);
      if (!found && reader->current() && reader->current()->seq == seq) found = reader->current();
    }
    if (!found) return seq - 1;
    if (auto ec = fn(*found)) return ec;
    ++seq;
  }
}

// --- Writing.

struct IndexJournal::Copy {
  std::unique_ptr<JournalDir> dir;
  std::string path;
  std::atomic<bool> live{true};
  std::unique_ptr<JournalFile> segment;  // the live segment; null until the next append
};

// An appender waiting in the queue, on its own stack. It is told either that a leader has
// finished its record (kDone, with ec and seq) or that it is the next leader (kLead). It waits on
// a wake-up of its own, signalled outside the journal's lock: woken while that lock was held,
// as in LevelDB, every follower of a group went straight back to sleep on it until the leader
// had woken them all (an extra sleep and wake-up per follower; each wake-up is an
// inter-processor interrupt on a VM).
struct IndexJournal::Writer {
  enum class State { kWaiting, kDone, kLead };
  const WriteBatch* batch = nullptr;
  error_code ec;     // set under the journal's mu_ before kDone is signalled
  uint64_t seq = 0;  // likewise
  std::shared_ptr<WakeSignal<State, State::kWaiting>> wake =
      std::make_shared<WakeSignal<State, State::kWaiting>>();

  // Called by another thread while this writer is still queued.
  void Signal(State s) {
    auto keep = wake;  // this writer may return (and be gone) as soon as it sees s
    keep->Signal(s);
  }
  State Wait() { return wake->Await(); }
};

IndexJournal::IndexJournal(IndexJournalOptions options, JournalApplyFn apply,
                           CheckpointSource source, uint64_t next_seq)
    : options_(std::move(options)),
      apply_(std::move(apply)),
      source_(std::move(source)),
      next_seq_(next_seq) {
  last_seq_ = next_seq - 1;
  checkpoint_due_bytes_ = options_.segment_bytes;
}

Result<std::unique_ptr<IndexJournal>> IndexJournal::Open(
    std::vector<std::unique_ptr<JournalDir>> copies, uint64_t next_seq, IndexJournalOptions options,
    JournalApplyFn apply, CheckpointSource source) {
  if (copies.empty() || next_seq == 0) return make_error_code(Errc::kInvalidArgument);
  std::unique_ptr<IndexJournal> j(
      new IndexJournal(std::move(options), std::move(apply), std::move(source), next_seq));
  j->required_ =
      j->options_.required_copies != 0 ? j->options_.required_copies : copies.size() / 2 + 1;
  if (j->required_ > copies.size()) return make_error_code(Errc::kInvalidArgument);
  for (auto& dir : copies) {
    auto copy = std::make_unique<Copy>();
    if (dir) {
      copy->path = dir->path();
      if (auto files = ListCopy(*dir)) {
        // Snapshots interrupted by a crash.
        for (const std::string& t : files->temps) (void)dir->Remove(t);
        // The newest snapshot spaces the next checkpoint, as one written now would.
        if (!files->snapshots.empty()) {
          const uint64_t newest =
              *std::max_element(files->snapshots.begin(), files->snapshots.end());
          if (auto snapshot = dir->Open(JournalSnapshotName(newest))) {
            j->checkpoint_due_bytes_ =
                std::max(j->checkpoint_due_bytes_.load(), (*snapshot)->size());
          }
        }
      }
      copy->dir = std::move(dir);
    } else {
      copy->live = false;
      ++j->dropped_;
    }
    j->copies_.push_back(std::move(copy));
  }
  if (j->LiveCopies() < j->required_) {
    j->Log("index journal: only " + std::to_string(j->LiveCopies()) + " of " +
           std::to_string(j->copies_.size()) + " copies are reachable; " +
           std::to_string(j->required_) + " are required");
    return Unavailable();
  }
  for (size_t i = 1; i < j->copies_.size(); ++i) {
    try {
      j->copy_writers_.push_back(std::make_unique<CopyWriter>());
    } catch (const std::system_error&) {
      break;  // out of threads: the leader writes the remaining copies itself
    }
  }
  j->ck_thread_ = std::thread([p = j.get()] {
    erasure::NameThisThread("journal-ckpt");
    p->CheckpointLoop();
  });
  return j;
}

IndexJournal::~IndexJournal() {
  {
    std::lock_guard l(ck_mu_);
    ck_stop_ = true;
  }
  ck_cv_.notify_all();
  if (ck_thread_.joinable()) ck_thread_.join();
}

void IndexJournal::Log(const std::string& message) const {
  if (options_.log) {
    options_.log(message);
  } else {
    std::cerr << "strata: " << message << "\n";
  }
}

size_t IndexJournal::LiveCopies() const {
  return static_cast<size_t>(
      std::count_if(copies_.begin(), copies_.end(), [](const auto& c) { return c->live.load(); }));
}

void IndexJournal::DropCopy(Copy& copy, const std::string& why, error_code ec) {
  if (!copy.live.exchange(false)) return;
  ++dropped_;
  copy.segment.reset();
  Log("index journal: copy " + copy.path + " dropped (" + why + ": " + ec.message() +
      "); it is no longer written until the next start");
}

// A thread that runs one job at a time for the group-commit leader. Its own mutex and
// condition variables: handing it a job and waiting for it wakes exactly one thread each way.
class IndexJournal::CopyWriter {
 public:
  CopyWriter()
      : thread_([this] {
          erasure::NameThisThread("journal-copy");
          Loop();
        }) {}  // throws std::system_error without threads
  ~CopyWriter() {
    {
      std::lock_guard l(mu_);
      stop_ = true;
    }
    cv_.notify_one();
    thread_.join();
  }
  // REQUIRES: the previous job was waited for.
  void Start(std::function<void()> job) {
    {
      std::lock_guard l(mu_);
      job_ = std::move(job);
      done_ = false;
    }
    cv_.notify_one();
  }
  void Wait() {
    std::unique_lock l(mu_);
    done_cv_.wait(l, [this] { return done_; });
  }

 private:
  void Loop() {
    std::unique_lock l(mu_);
    for (;;) {
      cv_.wait(l, [this] { return stop_ || job_ != nullptr; });
      if (job_ == nullptr) return;  // stopping, and nothing queued
      std::function<void()> job = std::move(job_);
      job_ = nullptr;
      l.unlock();
      job();
      l.lock();
      done_ = true;
      // Outside the lock, so the woken leader does not wait for it (this object outlives the
      // wait; the next Start comes from that leader).
      l.unlock();
      done_cv_.notify_one();
      l.lock();
    }
  }

  std::mutex mu_;
  std::condition_variable cv_, done_cv_;
  std::function<void()> job_;  // GUARDED_BY(mu_)
  bool done_ = true;           // GUARDED_BY(mu_)
  bool stop_ = false;          // GUARDED_BY(mu_)
  std::thread thread_;         // last: started once the rest is initialized
};

error_code IndexJournal::WriteGroup(uint64_t first_seq, const std::string& frames) {
  const auto bytes = std::as_bytes(std::span(frames.data(), frames.size()));
  auto write_copy = [&](Copy& c) -> std::pair<error_code, const char*> {
    if (!c.segment) {
      auto file = c.dir->CreateSegment(JournalSegmentName(first_seq));
      if (!file) return {file.error(), "creating a segment"};
      // The new file's name must be durable before any record in it counts.
      if (auto ec = c.dir->SyncDir()) return {ec, "syncing the folder"};
      c.segment = std::move(*file);
    }
    if (auto ec = c.segment->Append(bytes)) return {ec, "writing"};
    if (auto ec = c.segment->Sync()) return {ec, "syncing"};
    return {error_code(), ""};
  };
  std::vector<Copy*> live;
  for (auto& c : copies_) {
    if (c->live) live.push_back(c.get());
  }
  // The copies are on different drives: write them in parallel (the leader takes the first,
  // the copy writers the next ones, the leader any left over).
  std::vector<std::pair<error_code, const char*>> results(live.size());
  const size_t helped = live.empty() ? 0 : std::min(live.size() - 1, copy_writers_.size());
  for (size_t i = 0; i < helped; ++i) {
    copy_writers_[i]->Start([&, i] { results[i + 1] = write_copy(*live[i + 1]); });
  }
  if (!live.empty()) results[0] = write_copy(*live[0]);
  for (size_t i = 1 + helped; i < live.size(); ++i) results[i] = write_copy(*live[i]);
  for (size_t i = 0; i < helped; ++i) copy_writers_[i]->Wait();
  size_t synced = 0;
  for (size_t i = 0; i < live.size(); ++i) {
    if (results[i].first) {
      DropCopy(*live[i], results[i].second, results[i].first);
    } else {
      ++synced;
    }
  }
  if (synced < required_) {
    Log("index journal: a group reached " + std::to_string(synced) + " of the " +
        std::to_string(required_) + " required copies; metadata writes now fail (503)");
    return Unavailable();
  }
  return {};
}

Result<uint64_t> IndexJournal::Append(const WriteBatch& batch) {
  Writer w;
  w.batch = &batch;
  std::unique_lock l(mu_);
  if (failed_) return failed_;
  writers_.push_back(&w);
  if (&w != writers_.front()) {
    l.unlock();
    if (w.Wait() == Writer::State::kDone) {
      if (w.ec) return w.ec;
      return w.seq;
    }
    l.lock();  // kLead: at the front of the queue, which only a leader pops
  }
  // The leader: take a group from the front of the queue.
  std::vector<Writer*> group;
  size_t group_bytes = 0;
  for (Writer* x : writers_) {
    if (group.size() == kMaxGroupWriters || (!group.empty() && group_bytes > kMaxGroupBytes)) break;
    group.push_back(x);
    for (const auto& op : x->batch->ops()) group_bytes += op.key.size() + op.value.size() + 8;
  }
  const uint64_t first_seq = next_seq_;
  error_code ec = failed_;
  l.unlock();

  // Only the leader runs here: the queue's front stays put until it is done.
  std::unique_ptr<Cursor> checkpoint_cursor;
  if (!ec) {
    std::string frames, payload;
    frames.reserve(group_bytes + 32 * group.size());
    for (size_t i = 0; i < group.size(); ++i) {
      payload.clear();
      EncodeRecordPayload(payload, first_seq + i, *group[i]->batch);
      AppendFrame(frames, kRecordMagic, payload);
    }
    ec = WriteGroup(first_seq, frames);
    if (!ec && apply_) {
      std::vector<const WriteBatch*> batches;
      for (Writer* x : group) batches.push_back(x->batch);
      ec = apply_(first_seq, batches);
      if (ec) {
        Log("index journal: applying a durable group to the index failed (" + ec.message() +
            "); metadata writes fail until a restart replays the journal");
      }
    }
    if (!ec) {
      records_ += group.size();
      ++groups_;
      bytes_ += frames.size();
      last_seq_ = first_seq + group.size() - 1;
      bytes_since_checkpoint_ += frames.size();
      // A checkpoint's cursor is taken here, between two groups, so it is exactly as of
      // last_seq_.
      if (bytes_since_checkpoint_ >= checkpoint_due_bytes_.load(std::memory_order_relaxed) &&
          source_.cursor) {
        std::lock_guard ck(ck_mu_);
        if (!ck_running_) {
          Roll();
          bytes_since_checkpoint_ = 0;
          ck_running_ = true;
          ck_seq_ = last_seq_;
          ck_cursor_ = source_.cursor();
          ck_cv_.notify_all();
        }
      }
    }
  }

  l.lock();
  if (ec) {
    failed_ = ec;
  } else {
    next_seq_ = first_seq + group.size();
  }
  for (size_t i = 0; i < group.size(); ++i) {
    Writer* x = writers_.front();
    writers_.pop_front();
    x->ec = ec;
    x->seq = first_seq + i;
  }
  Writer* next_leader = writers_.empty() ? nullptr : writers_.front();
  l.unlock();
  // Outside the journal's lock. The next leader first, so that its group's writes start while
  // this group's followers are woken; it stays queued (so alive) until it is told.
  if (next_leader != nullptr) next_leader->Signal(Writer::State::kLead);
  for (Writer* x : group) {
    if (x != &w) x->Signal(Writer::State::kDone);
  }
  if (ec) return ec;
  return first_seq;
}

void IndexJournal::Roll() {
  for (auto& c : copies_) c->segment.reset();
}

void IndexJournal::CheckpointLoop() {
  std::unique_lock l(ck_mu_);
  while (true) {
    ck_cv_.wait(l, [this] { return ck_stop_ || ck_cursor_ != nullptr; });
    if (ck_cursor_) {
      std::unique_ptr<Cursor> cursor = std::move(ck_cursor_);
      const uint64_t seq = ck_seq_;
      l.unlock();
      WriteCheckpoint(seq, std::move(cursor));
      l.lock();
      ck_running_ = false;
      ck_cv_.notify_all();
      continue;
    }
    if (ck_stop_) return;
  }
}

void IndexJournal::WaitForCheckpoint() {
  std::unique_lock l(ck_mu_);
  ck_cv_.wait(l, [this] { return !ck_running_; });
}

error_code IndexJournal::CheckpointNow() {
  if (!source_.cursor) return make_error_code(Errc::kInvalidArgument);
  WaitForCheckpoint();
  Roll();
  bytes_since_checkpoint_ = 0;
  const uint64_t failures = checkpoint_failures_;
  WriteCheckpoint(last_seq_, source_.cursor());
  return checkpoint_failures_ == failures ? error_code() : Unavailable();
}

void IndexJournal::WriteCheckpoint(uint64_t seq, std::unique_ptr<Cursor> cursor) {
  const std::string name = JournalSnapshotName(seq);
  const std::string tmp = name + ".tmp";
  struct Target {
    Copy* copy;
    std::unique_ptr<JournalFile> file;
    error_code ec;
  };
  std::vector<Target> targets;
  for (auto& c : copies_) {
    if (!c->live) continue;
    Target t{c.get(), nullptr, {}};
    auto file = c->dir->Create(tmp);
    if (file) {
      t.file = std::move(*file);
    } else {
      t.ec = file.error();
    }
    targets.push_back(std::move(t));
  }
  uint64_t snapshot_bytes = 0;
  auto write_frame = [&targets, &snapshot_bytes](std::string_view payload) {
    std::string frame;
    AppendFrame(frame, kSnapshotMagic, payload);
    snapshot_bytes += frame.size();
    for (Target& t : targets) {
      if (!t.ec) t.ec = t.file->Append(std::as_bytes(std::span(frame.data(), frame.size())));
    }
  };
  std::string header(1, static_cast<char>(kSnapHeader));
  PutFixed64(header, seq);
  write_frame(header);
  uint64_t entries = 0;
  std::string chunk;
  uint64_t chunk_n = 0;
  auto flush_chunk = [&] {
    std::string payload(1, static_cast<char>(kSnapEntries));
    PutVarint64(payload, chunk_n);
    payload += chunk;
    write_frame(payload);
    entries += chunk_n;
    chunk.clear();
    chunk_n = 0;
  };
  for (; cursor->Valid(); cursor->Next()) {
    PutLengthPrefixed(chunk, cursor->key());
    PutLengthPrefixed(chunk, cursor->value());
    ++chunk_n;
    if (chunk.size() >= kSnapshotChunkBytes) flush_chunk();
  }
  error_code cursor_ec = cursor->status();
  cursor.reset();
  if (chunk_n > 0) flush_chunk();
  std::string end(1, static_cast<char>(kSnapEnd));
  PutFixed64(end, seq);
  PutFixed64(end, entries);
  write_frame(end);
  // The index must hold everything the snapshot covers durably before segments go: a crash
  // could otherwise leave the index behind a snapshot with no records to catch up from.
  error_code flush_ec = cursor_ec;
  if (!flush_ec && source_.flush) flush_ec = source_.flush();
  size_t written = 0;
  for (Target& t : targets) {
    if (!t.ec) t.ec = t.file->Sync();
    t.file.reset();
    if (!t.ec) t.ec = t.copy->dir->Rename(tmp, name);
    if (!t.ec) t.ec = t.copy->dir->SyncDir();
    if (t.ec) {
      (void)t.copy->dir->Remove(tmp);
      ++checkpoint_failures_;
      Log("index journal: checkpoint " + std::to_string(seq) + " failed on copy " + t.copy->path +
          " (" + t.ec.message() + "); its segments are kept");
      continue;
    }
    ++written;
    if (flush_ec) continue;  // keep the segments: the index may not hold them durably
    auto files = ListCopy(*t.copy->dir);
    if (!files) continue;
    for (uint64_t first : files->segments) {
      // Every segment that existed at the roll holds only records <= seq; the live segment
      // (created after the roll) starts after seq.
      if (first <= seq) (void)t.copy->dir->Remove(JournalSegmentName(first));
    }
    for (uint64_t s : files->snapshots) {
      if (s < seq) (void)t.copy->dir->Remove(JournalSnapshotName(s));
    }
    (void)t.copy->dir->SyncDir();
  }
  if (flush_ec) {
    ++checkpoint_failures_;
    Log("index journal: checkpoint " + std::to_string(seq) + ": the index could not be synced (" +
        flush_ec.message() + "); segments are kept");
  }
  if (written > 0) {
    ++checkpoints_;
    snapshot_bytes_ += snapshot_bytes;
    checkpoint_due_bytes_.store(std::max(options_.segment_bytes, snapshot_bytes),
                                std::memory_order_relaxed);
  }
}

JournalCounters IndexJournal::Counters() const {
  JournalCounters c;
  c.records = records_;
  c.groups = groups_;
  c.bytes = bytes_;
  c.copies_live = LiveCopies();
  c.copies_dropped = dropped_;
  c.checkpoints = checkpoints_;
  c.snapshot_bytes = snapshot_bytes_;
  c.checkpoint_failures = checkpoint_failures_;
  c.last_seq = last_seq_;
  return c;
}

std::vector<std::string> IndexJournal::CopyPaths() const {
  std::vector<std::string> paths;
  for (const auto& c : copies_) paths.push_back(c->path);
  return paths;
}

}  // namespace strata::storage
