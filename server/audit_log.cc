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

struct AuditLog::Segment {
  ~Segment() {
    if (fd >= 0) ::close(fd);
  }
  int fd = -1;
  uint64_t size = 0;
};

AuditLog::AuditLog(AuditLogOptions options) : options_(std::move(options)) {}
AuditLog::~AuditLog() = default;

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
  // crash right after a rotation) are removed: they hold nothing.
  while (!segments.empty()) {
    const auto [first_seq, path] = segments.back();
    int fd = ::open(path.c_str(), O_RDWR | O_APPEND | O_CLOEXEC);
    if (fd < 0) return fail(Errno(), path);
    auto segment = std::make_shared<Segment>();
    segment->fd = fd;
    struct stat st;
    if (::fstat(fd, &st) != 0) return fail(Errno(), path);
    const uint64_t size = static_cast<uint64_t>(st.st_size);
    // The last complete line lies within the last kMaxAuditLineBytes + 1 bytes.
    const uint64_t window = std::min<uint64_t>(size, 2 * kMaxAuditLineBytes + 2);
    std::string tail(window, '\0');
    if (window > 0 && ::pread(fd, tail.data(), window, static_cast<off_t>(size - window)) !=
                          static_cast<ssize_t>(window)) {
      return fail(Errno(), path);
    }
    // A torn last line (no newline) was never acknowledged: cut it off.
    size_t end = tail.rfind('\n');
    uint64_t keep = end == std::string::npos ? size - window : size - window + end + 1;
    if (end == std::string::npos && size > window) {
      return fail(make_error_code(boost::system::errc::bad_message),
                  path + ": no complete record in the last " + std::to_string(window) + " bytes");
    }
    if (keep != size) {
      if (::ftruncate(fd, static_cast<off_t>(keep)) != 0 || ::fdatasync(fd) != 0) {
        return fail(Errno(), path);
      }
      Log(LogLevel::kWarn, "audit log " + path + ": cut off a torn last line (" +
                               std::to_string(size - keep) + " bytes, never acknowledged)");
    }
    segment->size = keep;
    if (keep == 0) {
      segment.reset();
      if (::unlink(path.c_str()) != 0) return fail(Errno(), path);
      segments.pop_back();
      continue;
    }
    std::string_view complete(tail.data(), end);
    size_t start = complete.rfind('\n');
    std::string_view last = start == std::string_view::npos ? complete : complete.substr(start + 1);
    auto link = ParseAuditLink(last);
    if (!link || link->seq < first_seq) {
      return fail(make_error_code(boost::system::errc::bad_message),
                  path + ": the last record is malformed (check with strata-admin audit verify)");
    }
    log->seq_ = link->seq;
    log->hash_ = link->hash;
    log->synced_seq_ = link->seq;
    log->segment_ = std::move(segment);
    log->segment_path_ = path;
    break;
  }
  return log;
}

boost::system::error_code AuditLog::OpenSegment(uint64_t first_seq) {
  const std::string path = (fs::path(options_.dir) / AuditSegmentName(first_seq)).string();
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (fd < 0) return Errno();
  auto segment = std::make_shared<Segment>();
  segment->fd = fd;
  struct stat st;
  if (::fstat(fd, &st) != 0) return Errno();
  segment->size = static_cast<uint64_t>(st.st_size);
  // The new name must survive a crash, or the records in it would be lost with it.
  if (error_code ec = SyncDir(options_.dir)) return ec;
  segment_ = std::move(segment);
  segment_path_ = path;
  return {};
}

boost::system::result<uint64_t> AuditLog::Append(const AuditEvent& event) {
  std::unique_lock lock(mu_);
  if (failed_) return failed_;
  if (!segment_ || segment_->size >= options_.segment_bytes) {
    // Rotate: the old segment is made durable first (no sync of it may be in flight).
    synced_cv_.wait(lock, [this] { return !syncing_; });
    if (segment_ && synced_seq_ < seq_) {
      if (options_.sync && ::fdatasync(segment_->fd) != 0) {
        failed_ = Errno();
        WakeAfterSync();
        return failed_;
      }
      synced_seq_ = seq_;
      WakeAfterSync();
    }
    const std::string closed = segment_ ? segment_path_ : std::string();
    if (error_code ec = OpenSegment(seq_ + 1)) return ec;
    // Only a notification: the closed segment is already durable, and this record's own
    // durability does not depend on the listener.
    if (!closed.empty() && on_rotate_) on_rotate_(closed);
  }
  const uint64_t seq = seq_ + 1;
  std::string body = FormatBody(event, seq, hash_);
  std::string hash = Sha256Hex(body);
  std::string line = WithHash(body, hash);
  line += '\n';
  if (error_code ec = WriteAll(segment_->fd, line)) {
    // ENOSPC and friends: cut the partial line so the file stays a clean chain.
    if (::ftruncate(segment_->fd, static_cast<off_t>(segment_->size)) != 0) failed_ = ec;
    return ec;
  }
  segment_->size += line.size();
  seq_ = seq;
  hash_ = std::move(hash);
  if (!options_.sync) {
    synced_seq_ = seq;
    return seq;
  }
  // Group commit: one thread syncs everything written so far; the others wait for it, each on
  // its own condition variable, in seq order (waiters_), so that a finished sync wakes only
  // the appenders it covered and the one that syncs next: with one shared condition variable
  // every sync woke every waiter, most of them only to wait again.
  Waiter self;
  self.seq = seq;
  while (synced_seq_ < seq) {
    if (failed_) break;
    if (syncing_) {
      if (!self.queued) {
        waiters_.push_back(&self);  // in seq order: written and queued under one lock hold
        self.queued = true;
      }
      self.cv.wait(lock);
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
    WakeAfterSync();
    synced_cv_.notify_all();  // a rotation waiting for the sync to end
  }
  if (self.queued) {  // left on a failure before a syncer popped it
    waiters_.erase(std::find(waiters_.begin(), waiters_.end(), &self));
  }
  if (synced_seq_ < seq) return failed_;
  return seq;
}

void AuditLog::WakeAfterSync() {
  while (!waiters_.empty() && (failed_ || waiters_.front()->seq <= synced_seq_)) {
    Waiter* w = waiters_.front();
    waiters_.pop_front();
    w->queued = false;
    w->cv.notify_one();
  }
  // The first one not covered syncs next (it may find another appender syncing already, and
  // wait again).
  if (!waiters_.empty()) waiters_.front()->cv.notify_one();
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
