#include "server/audit_log.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <vector>

#include "erasure/thread_name.h"
#include "server/log.h"

namespace strata::server {
namespace {

namespace fs = std::filesystem;
using boost::system::error_code;

constexpr std::string_view kHashMember = ",\"hash\":\"";
// `,"hash":"` + 64 hex + `"}`
constexpr size_t kHashSuffixSize = kHashMember.size() + kAuditHashHexSize + 2;
constexpr std::string_view kSegmentPrefix = "audit-";
constexpr std::string_view kSegmentSuffix = ".log";
constexpr std::string_view kGenesisFile = "GENESIS";

error_code Errno() { return error_code(errno, boost::system::system_category()); }

bool IsHex64(std::string_view s) {
  return s.size() == kAuditHashHexSize && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

// The record without its hash member, and the hash over exactly those bytes.
std::string FormatBody(const AuditEvent& e, uint64_t seq, std::string_view prev_hash) {
  nlohmann::ordered_json j;
  j["seq"] = seq;
  j["time"] = IsoTime(e.time);
  j["request_id"] = e.request_id;
  j["principal"] = e.principal.empty() ? "anonymous" : e.principal;
  j["remote"] = e.remote;
  j["operation"] = e.operation;
  j["bucket"] = e.bucket;
  j["key"] = e.key;
  j["version_id"] = e.version_id;
  j["status"] = e.status;
  j["bytes_in"] = e.bytes_in;
  j["bytes_out"] = e.bytes_out;
  j["prev"] = std::string(prev_hash);
  // Keys are arbitrary bytes: invalid UTF-8 is replaced (U+FFFD) rather than thrown on.
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

std::string WithHash(const std::string& body, std::string_view hash) {
  std::string line = body.substr(0, body.size() - 1);  // without the closing brace
  line += kHashMember;
  line += hash;
  line += "\"}";
  return line;
}

error_code WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Errno();
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return {};
}

error_code SyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Errno();
  error_code ec;
  if (::fsync(fd) != 0) ec = Errno();
  ::close(fd);
  return ec;
}

// A new log's genesis string: names the deployment and is unique (time and a random nonce), so
// two logs never share a chain.
std::string MakeGenesis(const std::string& deployment) {
  unsigned char nonce[16];
  std::string hex;
  if (RAND_bytes(nonce, sizeof(nonce)) == 1) {
    static constexpr char kDigits[] = "0123456789abcdef";
    for (unsigned char b : nonce) {
      hex += kDigits[b >> 4];
      hex += kDigits[b & 15];
    }
  }
  std::string d = deployment;
  std::replace(d.begin(), d.end(), '\n', ' ');
  return "strata audit log v1; deployment " + d + "; created " +
         IsoTime(std::chrono::system_clock::now()) + "; nonce " + hex;
}

// Reads GENESIS, creating it (durably) when absent.
boost::system::result<std::string> LoadGenesis(const std::string& dir,
                                               const std::string& deployment) {
  const std::string path = (fs::path(dir) / kGenesisFile).string();
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT) {
    const std::string tmp = path + ".tmp";
    int w = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    if (w < 0) return Errno();
    error_code ec = WriteAll(w, MakeGenesis(deployment) + "\n");
    if (!ec && ::fsync(w) != 0) ec = Errno();
    ::close(w);
    if (!ec && ::rename(tmp.c_str(), path.c_str()) != 0) ec = Errno();
    if (!ec) ec = SyncDir(dir);
    if (ec) return ec;
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  }
  if (fd < 0) return Errno();
  char buf[4096];
  ssize_t n = ::read(fd, buf, sizeof(buf));
  ::close(fd);
  if (n < 0) return Errno();
  std::string_view text(buf, static_cast<size_t>(n));
  return std::string(text.substr(0, text.find('\n')));
}

}  // namespace

std::string Sha256Hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(data.data(), data.size(), digest, &size, EVP_sha256(), nullptr);
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(size * 2);
  for (unsigned int i = 0; i < size; ++i) {
    hex += kDigits[digest[i] >> 4];
    hex += kDigits[digest[i] & 15];
  }
  return hex;
}

std::string FormatAuditLine(const AuditEvent& event, uint64_t seq, std::string_view prev_hash) {
  std::string body = FormatBody(event, seq, prev_hash);
  return WithHash(body, Sha256Hex(body));
}

std::optional<AuditLink> ParseAuditLink(std::string_view line) {
  if (line.size() <= kHashSuffixSize || line.size() > kMaxAuditLineBytes) return std::nullopt;
  const size_t cut = line.size() - kHashSuffixSize;
  if (line.substr(cut, kHashMember.size()) != kHashMember || !line.ends_with("\"}")) {
    return std::nullopt;
  }
  AuditLink link;
  link.hash = std::string(line.substr(cut + kHashMember.size(), kAuditHashHexSize));
  if (!IsHex64(link.hash)) return std::nullopt;
  auto j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  auto seq = j.find("seq");
  auto prev = j.find("prev");
  auto hash = j.find("hash");
  if (seq == j.end() || !seq->is_number_unsigned() || prev == j.end() || !prev->is_string() ||
      hash == j.end() || !hash->is_string() || hash->get_ref<const std::string&>() != link.hash) {
    return std::nullopt;
  }
  link.seq = seq->get<uint64_t>();
  link.prev = prev->get<std::string>();
  if (!IsHex64(link.prev)) return std::nullopt;
  std::string body(line.substr(0, cut));
  body += '}';
  link.computed = Sha256Hex(body);
  return link;
}

std::string AuditSegmentName(uint64_t first_seq) {
  std::string digits = std::to_string(first_seq);
  if (digits.size() < 20) digits.insert(0, 20 - digits.size(), '0');
  return std::string(kSegmentPrefix) + digits + std::string(kSegmentSuffix);
}

std::optional<uint64_t> ParseAuditSegmentName(std::string_view name) {
  if (!name.starts_with(kSegmentPrefix) || !name.ends_with(kSegmentSuffix)) return std::nullopt;
  std::string_view digits = name.substr(
      kSegmentPrefix.size(), name.size() - kSegmentPrefix.size() - kSegmentSuffix.size());
  uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
  if (digits.empty() || ec != std::errc() || ptr != digits.data() + digits.size() || v == 0) {
    return std::nullopt;
  }
  return v;
}

// ---- The writer -------------------------------------------------------------------------------

namespace {

// The live segment runs this far ahead of its records in written zeros; the filler tops it up
// when less than half of it is left. Over blocks that are allocated and written, a group's
// fdatasync is a data write and a cache flush; after an append that grows the file it also
// writes the inode (size, block allocation), under the inode lock that every append's write
// waits for. Real zeros, not fallocate: ext4 marks fallocated extents unwritten, and the first
// write into one is again a metadata update. (The index journal does the same, index_journal.cc.)
constexpr uint64_t kPreallocateBytes = 1u << 20;
// Zeros written when a segment is opened, on the opening appender's path (the filler adds the
// rest at once, off every appender's path).
constexpr uint64_t kInitialZeros = 64u << 10;
// The filler writes its zeros and waits for their writeback in pieces of this size: a group's
// fdatasync waits for every page of the file already under writeback, so it waits for one
// piece at most, not for a whole step.
constexpr uint64_t kFillPiece = 64u << 10;
// In the last this many bytes before a segment's zero tail, the records end at the first zero
// byte (see Open); zeros further back are left for the verifier to report.
constexpr uint64_t kZeroSearchBytes = kPreallocateBytes;

uint64_t RoundUp(uint64_t v, uint64_t to) { return (v + to - 1) / to * to; }

// Where a segment's zeros stop: it rotates once its records reach segment_bytes, so zeros much
// further out would only be cut off again.
uint64_t ZerosCap(uint64_t segment_bytes) { return RoundUp(segment_bytes, 4096) + 4096; }

// Writes all of `data` at `at`; *written (if given) counts the bytes written, also on failure.
error_code PwriteAll(int fd, std::string_view data, uint64_t at, uint64_t* written = nullptr) {
  while (!data.empty()) {
    const ssize_t n = ::pwrite(fd, data.data(), data.size(), static_cast<off_t>(at));
    if (n < 0) {
      if (errno == EINTR) continue;
      return Errno();
    }
    if (n == 0) return make_error_code(boost::system::errc::io_error);
    data.remove_prefix(static_cast<size_t>(n));
    at += static_cast<uint64_t>(n);
    if (written) *written += static_cast<uint64_t>(n);
  }
  return {};
}

// Writes zeros over [from, to) in kFillPiece pieces; with `flush`, waits for each piece's
// writeback and then fdatasyncs (the new size and allocation). Returns how far zeros were
// written and the first error.
std::pair<uint64_t, error_code> WriteZeros(int fd, uint64_t from, uint64_t to, bool flush) {
  static const std::string kZeros(kFillPiece, '\0');
  uint64_t at = from;
  while (at < to) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(kZeros.size(), to - at));
    uint64_t written = 0;
    if (error_code ec = PwriteAll(fd, std::string_view(kZeros.data(), n), at, &written)) {
      return {at + written, ec};
    }
    if (flush && ::sync_file_range(fd, static_cast<off_t>(at), static_cast<off_t>(n),
                                   SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE |
                                       SYNC_FILE_RANGE_WAIT_AFTER) != 0) {
      return {at + n, Errno()};
    }
    at += n;
  }
  if (flush && at > from && ::fdatasync(fd) != 0) return {at, Errno()};
  return {at, {}};
}

bool PreadAll(int fd, char* out, size_t n, uint64_t at) {
  while (n > 0) {
    const ssize_t r = ::pread(fd, out, n, static_cast<off_t>(at));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    out += r;
    n -= static_cast<size_t>(r);
    at += static_cast<uint64_t>(r);
  }
  return true;
}

// Where the records of a segment of `size` bytes end (see AuditLog::Open).
struct SegmentTail {
  uint64_t data_end = 0;     // after the last non-zero byte
  uint64_t records_end = 0;  // after the last whole line before the first zero (the cut)
  std::string last_line;     // the last whole line before records_end ("": none)
  uint64_t lines_cut = 0;    // whole lines after the first zero byte (unacknowledged)
};

boost::system::result<SegmentTail> ReadSegmentTail(int fd, uint64_t size, std::string* problem) {
  SegmentTail t;
  // The zero tail: scanned backwards (bounded memory; as much I/O as there are zeros).
  std::string buffer(64 * 1024, '\0');
  uint64_t end = size;
  while (end > 0) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(buffer.size(), end));
    if (!PreadAll(fd, buffer.data(), n, end - n)) return Errno();
    const size_t last = std::string_view(buffer.data(), n).find_last_not_of('\0');
    if (last != std::string_view::npos) {
      end = end - n + last + 1;
      break;
    }
    end -= n;
  }
  t.data_end = end;
  // The last whole line lies within the last kMaxAuditLineBytes + 1 bytes before the cut, and
  // the cut within the last kZeroSearchBytes.
  const uint64_t window = std::min<uint64_t>(end, kZeroSearchBytes + 2 * kMaxAuditLineBytes + 2);
  std::string tail(window, '\0');
  if (window > 0 && !PreadAll(fd, tail.data(), window, end - window)) return Errno();
  // Every acknowledged byte was synced together with all bytes before it, so none follows a
  // zero: a zero (a page of a torn write that never reached the disk) starts the part to cut.
  const size_t search_from = window > kZeroSearchBytes ? window - kZeroSearchBytes : 0;
  const size_t first_zero = tail.find('\0', search_from);
  const std::string_view records = std::string_view(tail).substr(0, first_zero);
  const size_t nl = records.rfind('\n');
  if (nl == std::string_view::npos) {
    if (end > window) {
      *problem = "no complete record in the last " + std::to_string(window) + " bytes";
      return make_error_code(boost::system::errc::bad_message);
    }
    return t;  // no whole line at all
  }
  t.records_end = end - window + nl + 1;
  t.lines_cut = static_cast<uint64_t>(std::count(tail.begin() + nl + 1, tail.end(), '\n'));
  const std::string_view complete = records.substr(0, nl);
  const size_t start = complete.rfind('\n');
  t.last_line =
      std::string(start == std::string_view::npos ? complete : complete.substr(start + 1));
  return t;
}

}  // namespace

struct AuditLog::Segment {
  ~Segment() {
    if (fd >= 0) ::close(fd);
    if (fill_fd >= 0) ::close(fill_fd);
  }
  // All GUARDED_BY(mu_) but the descriptors, which are set before the segment is shared.
  int fd = -1;  // the records: pwrite at `size`; the group commit's fdatasync
  // The filler's own open file description: a writeback error its flushes see is still
  // reported to fd's next fdatasync (errors are reported once per open file description).
  int fill_fd = -1;
  uint64_t size = 0;         // the records' end
  uint64_t zeros_end = 0;    // the file's size: zeros from `size` to here
  uint64_t zeros_cap = 0;    // no zeros beyond this (ZerosCap)
  bool filling = false;      // the filler is writing zeros from zeros_end
  bool fill_failed = false;  // a fill failed (ENOSPC...): appends grow the file themselves
  bool closed = false;       // cut to its records (CloseSegment)
};

AuditLog::AuditLog(AuditLogOptions options) : options_(std::move(options)) {}

AuditLog::~AuditLog() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  fill_cv_.notify_all();
  if (filler_.joinable()) filler_.join();
  std::lock_guard lock(mu_);
  if (!segment_) return;
  if (error_code ec = CloseSegment()) {
    Log(LogLevel::kWarn, "audit log " + segment_path_ +
                             ": cannot cut the segment to its records (" + ec.message() +
                             "); readers take its zero tail as its end");
  }
}

boost::system::result<std::unique_ptr<AuditLog>> AuditLog::Open(AuditLogOptions options,
                                                                std::string* detail) {
  auto fail = [detail](error_code ec, std::string what) -> error_code {
    if (detail) *detail = std::move(what) + ": " + ec.message();
    return ec;
  };
  std::error_code fec;
  fs::create_directories(options.dir, fec);
  if (fec) return fail(error_code(fec.value(), boost::system::system_category()), options.dir);
  auto genesis = LoadGenesis(options.dir, options.deployment);
  if (!genesis) return fail(genesis.error(), (fs::path(options.dir) / kGenesisFile).string());

  std::unique_ptr<AuditLog> log(new AuditLog(options));
  log->hash_ = Sha256Hex(*genesis);

  std::vector<std::pair<uint64_t, std::string>> segments;
  for (const auto& entry : fs::directory_iterator(options.dir, fec)) {
    if (auto first = ParseAuditSegmentName(entry.path().filename().string())) {
      segments.emplace_back(*first, entry.path().string());
    }
  }
  if (fec) return fail(error_code(fec.value(), boost::system::system_category()), options.dir);
  std::sort(segments.begin(), segments.end());

  // Continue the chain from the newest segment that holds a record. Newer empty segments (a
  // crash right after a rotation, maybe with their first zeros) are removed: they hold nothing.
  while (!segments.empty()) {
    const auto [first_seq, path] = segments.back();
    int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) return fail(Errno(), path);
    auto segment = std::make_shared<Segment>();
    segment->fd = fd;
    struct stat st;
    if (::fstat(fd, &st) != 0) return fail(Errno(), path);
    const uint64_t size = static_cast<uint64_t>(st.st_size);
    std::string problem;
    auto tail = ReadSegmentTail(fd, size, &problem);
    if (!tail) return fail(tail.error(), problem.empty() ? path : path + ": " + problem);
    // What follows the last whole record was never acknowledged: the zeros of a segment that
    // was live at a crash, a torn line, records of a group whose sync did not finish.
    const uint64_t keep = tail->records_end;
    if (keep != size) {
      if (::ftruncate(fd, static_cast<off_t>(keep)) != 0 || ::fdatasync(fd) != 0) {
        return fail(Errno(), path);
      }
      if (tail->data_end > keep) {
        Log(LogLevel::kWarn,
            "audit log " + path + ": cut off " + std::to_string(tail->data_end - keep) +
                " bytes after the last whole record (a torn line" +
                (tail->lines_cut > 0
                     ? " and " + std::to_string(tail->lines_cut) + " line(s) after a zero byte"
                     : std::string()) +
                ", never acknowledged) and a zero tail of " +
                std::to_string(size - tail->data_end) + " bytes");
      } else {
        Log(LogLevel::kInfo, "audit log " + path + ": cut off its zero tail (" +
                                 std::to_string(size - keep) + " bytes; it was live at a crash)");
      }
    }
    segment->size = keep;
    segment->zeros_end = keep;
    if (keep == 0) {
      segment.reset();
      if (::unlink(path.c_str()) != 0) return fail(Errno(), path);
      segments.pop_back();
      continue;
    }
    auto link = ParseAuditLink(tail->last_line);
    if (!link || link->seq < first_seq) {
      return fail(make_error_code(boost::system::errc::bad_message),
                  path + ": the last record is malformed (check with strata-admin audit verify)");
    }
    segment->fill_fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (segment->fill_fd < 0) return fail(Errno(), path);
    segment->zeros_cap = ZerosCap(options.segment_bytes);
    log->seq_ = link->seq;
    log->hash_ = link->hash;
    log->synced_seq_ = link->seq;
    log->segment_ = std::move(segment);
    log->segment_path_ = path;
    log->WriteInitialZeros();
    break;
  }
  log->filler_ = std::thread([l = log.get()] {
    erasure::NameThisThread("audit-fill");
    l->FillLoop();
  });
  return log;
}

void AuditLog::WriteInitialZeros() {
  Segment& s = *segment_;
  const uint64_t to = std::min(s.zeros_cap, RoundUp(s.size + kInitialZeros, 4096));
  if (to <= s.zeros_end) return;
  // Not flushed: the first group's fdatasync writes them with the new size, once.
  auto [written_to, ec] = WriteZeros(s.fd, s.zeros_end, to, /*flush=*/false);
  s.zeros_end = std::max(s.zeros_end, written_to);
  if (ec) {
    s.fill_failed = true;
    Log(LogLevel::kWarn, "audit log " + segment_path_ + ": cannot write zeros ahead (" +
                             ec.message() + "); appends grow the file instead");
  }
}

boost::system::error_code AuditLog::OpenSegment(uint64_t first_seq) {
  const std::string path = (fs::path(options_.dir) / AuditSegmentName(first_seq)).string();
  // Truncated if present: Open removed any segment newer than the chain's last record.
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  if (fd < 0) return Errno();
  auto segment = std::make_shared<Segment>();
  segment->fd = fd;
  segment->fill_fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (segment->fill_fd < 0) return Errno();
  segment->zeros_cap = ZerosCap(options_.segment_bytes);
  // The new name must survive a crash, or the records in it would be lost with it.
  if (error_code ec = SyncDir(options_.dir)) return ec;
  segment_ = std::move(segment);
  segment_path_ = path;
  WriteInitialZeros();
  return {};
}

boost::system::error_code AuditLog::CloseSegment() {
  Segment& s = *segment_;
  if (s.closed) return {};
  // The file's own size, not zeros_end: a failed write may have left more than is tracked.
  struct stat st;
  if (::fstat(s.fd, &st) != 0) return Errno();
  if (static_cast<uint64_t>(st.st_size) != s.size) {
    if (::ftruncate(s.fd, static_cast<off_t>(s.size)) != 0) return Errno();
    s.zeros_end = s.size;
    // Before the next segment exists (and the archiver may copy this one): a crash must not
    // bring the zeros back.
    if (options_.sync && ::fsync(s.fd) != 0) {
      failed_ = Errno();
      WakeAfterSync();
      return failed_;
    }
  }
  s.closed = true;
  return {};
}

bool AuditLog::NeedsFill() const {
  const Segment* s = segment_.get();
  return s && !s->closed && !s->filling && !s->fill_failed && s->zeros_end < s->zeros_cap &&
         s->zeros_end < s->size + kPreallocateBytes / 2;
}

void AuditLog::FillLoop() {
  std::unique_lock lock(mu_);
  for (;;) {
    fill_cv_.wait(lock, [this] { return stopping_ || NeedsFill(); });
    if (stopping_) return;
    std::shared_ptr<Segment> s = segment_;
    const uint64_t from = s->zeros_end;
    const uint64_t to = std::min(s->zeros_cap, RoundUp(s->size + kPreallocateBytes, kFillPiece));
    const std::string path = segment_path_;
    s->filling = true;  // appenders write below `from` meanwhile; rotation waits
    lock.unlock();
    auto [written_to, ec] = WriteZeros(s->fill_fd, from, to, /*flush=*/options_.sync);
    lock.lock();
    s->filling = false;
    s->zeros_end = std::max(s->zeros_end, written_to);
    if (ec) {
      // Not the log's failure: appends grow the file themselves from here, and a writeback
      // error also reaches the group commit's own fdatasync.
      s->fill_failed = true;
      Log(LogLevel::kWarn, "audit log " + path + ": cannot write zeros ahead (" + ec.message() +
                               "); appends grow the file instead");
    }
    synced_cv_.notify_all();  // appenders or a rotation waiting for the fill to end
  }
}

boost::system::result<uint64_t> AuditLog::Append(const AuditEvent& event) {
  std::unique_lock lock(mu_);
  uint64_t seq = 0;
  std::string hash, line;
  for (;;) {
    if (failed_) return failed_;
    if (!segment_ || segment_->size >= options_.segment_bytes) {
      // Rotate: the old segment is made durable and cut to its records first (no sync or fill
      // of it may be in flight). Checked again after any wait: another appender may have
      // rotated meanwhile.
      if (syncing_ || (segment_ && segment_->filling)) {
        synced_cv_.wait(lock);
        continue;
      }
      if (segment_ && synced_seq_ < seq_) {
        if (options_.sync && ::fdatasync(segment_->fd) != 0) {
          failed_ = Errno();
          WakeAfterSync();
          return failed_;
        }
        synced_seq_ = seq_;
        WakeAfterSync();
      }
      if (segment_) {
        if (error_code ec = CloseSegment()) return ec;
      }
      const std::string closed = segment_ ? segment_path_ : std::string();
      if (error_code ec = OpenSegment(seq_ + 1)) return ec;
      fill_cv_.notify_one();
      // Only a notification: the closed segment is already durable, and this record's own
      // durability does not depend on the listener.
      if (!closed.empty() && on_rotate_) on_rotate_(closed);
    }
    seq = seq_ + 1;
    std::string body = FormatBody(event, seq, hash_);
    hash = Sha256Hex(body);
    line = WithHash(body, hash);
    line += '\n';
    // Never write where the filler is writing zeros (it runs half a step ahead: rare).
    if (segment_->filling && segment_->size + line.size() > segment_->zeros_end) {
      synced_cv_.wait(lock);
      continue;
    }
    break;
  }
  Segment& s = *segment_;
  const uint64_t at = s.size, end = at + line.size();
  if (error_code ec = PwriteAll(s.fd, line, at)) {
    // ENOSPC and friends: the partial line is cut so the file stays a clean chain (zeroed
    // again where zeros were, cut off beyond them). A later append writes over the same place;
    // a crash finds zeros or a torn tail, never acknowledged.
    bool cut = true;
    if (end > s.zeros_end) {
      cut = ::ftruncate(s.fd, static_cast<off_t>(std::max(at, s.zeros_end))) == 0;
    }
    if (cut && at < s.zeros_end) {
      cut = !WriteZeros(s.fd, at, std::min(end, s.zeros_end), /*flush=*/false).second;
    }
    if (!cut) failed_ = ec;
    return ec;
  }
  s.size = end;
  s.zeros_end = std::max(s.zeros_end, end);
  seq_ = seq;
  hash_ = std::move(hash);
  if (NeedsFill()) fill_cv_.notify_one();
  if (!options_.sync) {
    synced_seq_ = seq;
    return seq;
  }
  // Group commit: one thread syncs everything written so far; the others wait for it, each on
  // its own wake-up, in seq order (waiters_), so that a finished sync wakes only the appenders
  // it covered and the one that syncs next: with one shared condition variable every sync woke
  // every waiter, most of them only to wait again. A covered appender returns without taking
  // mu_ again.
  Waiter self;
  self.seq = seq;
  while (synced_seq_ < seq) {
    if (failed_) break;
    if (syncing_) {
      if (!self.queued) {
        waiters_.push_back(&self);  // in seq order: written and queued under one lock hold
        self.queued = true;
      }
      lock.unlock();
      if (self.wake->Await() == WakeState::kSynced) return seq;  // popped, durable
      lock.lock();
      continue;
    }
    if (self.queued) {
      waiters_.erase(std::find(waiters_.begin(), waiters_.end(), &self));
      self.queued = false;
    }
    syncing_ = true;
    const uint64_t target = seq_;
    std::shared_ptr<Segment> segment = segment_;
    lock.unlock();
    const int rc = ::fdatasync(segment->fd);
    const error_code ec = rc != 0 ? Errno() : error_code{};
    lock.lock();
    syncing_ = false;
    ++syncs_;
    if (ec) {
      failed_ = ec;
    } else {
      synced_seq_ = std::max(synced_seq_, target);
    }
    std::vector<PendingWake> wakes;
    WakeAfterSync(&wakes);
    synced_cv_.notify_all();  // a rotation waiting for the sync to end
    if (wakes.empty()) continue;
    lock.unlock();
    for (auto& [wake, state] : wakes) wake->Signal(state);
    lock.lock();
  }
  if (self.queued) {  // left on a failure before a syncer popped it
    waiters_.erase(std::find(waiters_.begin(), waiters_.end(), &self));
  }
  if (synced_seq_ < seq) return failed_;
  return seq;
}

void AuditLog::WakeAfterSync(std::vector<PendingWake>* later) {
  std::vector<PendingWake> now;
  std::vector<PendingWake>& out = later != nullptr ? *later : now;
  while (!waiters_.empty() && (failed_ || waiters_.front()->seq <= synced_seq_)) {
    Waiter* w = waiters_.front();
    waiters_.pop_front();
    w->queued = false;
    // On a failure it takes mu_ to read failed_.
    out.emplace_back(w->wake, failed_ ? WakeState::kRecheck : WakeState::kSynced);
  }
  // The first one not covered syncs next (it may find another appender syncing already, and
  // wait again).
  if (!waiters_.empty()) out.emplace_back(waiters_.front()->wake, WakeState::kRecheck);
  for (auto& [wake, state] : now) wake->Signal(state);
}

uint64_t AuditLog::last_seq() const {
  std::lock_guard lock(mu_);
  return seq_;
}

std::string AuditLog::last_hash() const {
  std::lock_guard lock(mu_);
  return hash_;
}

void AuditLog::SetRotationListener(std::function<void(const std::string&)> listener) {
  std::lock_guard lock(mu_);
  on_rotate_ = std::move(listener);
}

uint64_t AuditLog::sync_count() const {
  std::lock_guard lock(mu_);
  return syncs_;
}

}  // namespace strata::server
