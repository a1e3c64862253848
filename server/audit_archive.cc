#include "server/audit_archive.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <memory>
#include <optional>
#include <vector>

#include "erasure/thread_name.h"
#include "server/audit_log.h"
#include "server/audit_verify.h"
#include "server/log.h"
#include "storage/body_source.h"

namespace strata::server {
namespace {

namespace fs = std::filesystem;
using boost::system::error_code;

constexpr std::string_view kKeyPrefix = "audit/";
constexpr std::string_view kContentType = "application/x-ndjson";
constexpr size_t kReadChunk = 256 * 1024;

error_code Errno() { return error_code(errno, boost::system::system_category()); }

// An open file, closed on scope exit.
struct Fd {
  explicit Fd(const std::string& path) : fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {}
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int fd;
};

// A file as a ByteSource, from its start (pread: the offset is ours).
class FileSource final : public storage::ByteSource {
 public:
  explicit FileSource(int fd) : fd_(fd) {}
  storage::Result<size_t> Read(std::span<std::byte> out) override {
    for (;;) {
      ssize_t n = ::pread(fd_, out.data(), out.size(), static_cast<off_t>(offset_));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return Errno();
      offset_ += static_cast<uint64_t>(n);
      return static_cast<size_t>(n);
    }
  }

 private:
  int fd_;
  uint64_t offset_ = 0;
};

// The raw MD5 of the whole file, read in bounded chunks.
boost::system::result<std::string> FileMd5(int fd) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_md5(), nullptr) != 1) {
    return make_error_code(boost::system::errc::not_enough_memory);
  }
  std::vector<std::byte> buffer(kReadChunk);
  FileSource source(fd);
  for (;;) {
    auto n = source.Read(buffer);
    if (!n) return n.error();
    if (*n == 0) break;
    EVP_DigestUpdate(ctx.get(), buffer.data(), *n);
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_DigestFinal_ex(ctx.get(), digest, &size);
  return std::string(reinterpret_cast<const char*>(digest), size);
}

std::string Hex(std::string_view raw) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : raw) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

}  // namespace

AuditArchiver::AuditArchiver(storage::ObjectStore& store, AuditArchiverOptions options)
    : store_(store), options_(std::move(options)) {}

AuditArchiver::~AuditArchiver() { Stop(); }

void AuditArchiver::Start() {
  if (thread_.joinable()) return;
  {
    std::lock_guard lock(mu_);
    wake_ = true;  // the first pass runs at once: closed segments from earlier runs
  }
  thread_ = std::thread([this] {
    erasure::NameThisThread("audit-archive");
    Loop();
  });
}

void AuditArchiver::Notify() {
  {
    std::lock_guard lock(mu_);
    wake_ = true;
  }
  cv_.notify_one();
}

void AuditArchiver::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
}

AuditArchiveCounters AuditArchiver::counters() const {
  return {archived_.load(), failures_.load(), mismatches_.load()};
}

void AuditArchiver::Warn(const std::string& message) {
  if (options_.warn) {
    options_.warn(message);
  } else {
    Log(LogLevel::kWarn, message);
  }
}

void AuditArchiver::Loop() {
  bool incomplete = false;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      auto ready = [this] { return wake_ || stop_; };
      if (incomplete) {
        // Work left undone: retry after the back-off unless a rotation comes first.
        cv_.wait_for(lock, options_.retry_interval, ready);
      } else {
        cv_.wait(lock, ready);
      }
      if (stop_) return;
      wake_ = false;
    }
    const AuditArchivePass pass = RunPass();
    incomplete = !pass.bucket_usable || pass.failed > 0;
  }
}

AuditArchivePass AuditArchiver::RunPass() {
  AuditArchivePass pass;
  // The bucket is checked on every pass: the operator may create it (or enable its lock) after
  // the server started, and archiving begins with the next rotation.
  std::optional<storage::Retention> retention;
  {
    std::string problem;
    auto bucket = store_.GetBucket(options_.bucket);
    if (!bucket) {
      problem = "does not exist (" + bucket.error().message() + ")";
    } else {
      auto lock = store_.GetObjectLockConfiguration(options_.bucket);
      if (!lock || !lock->enabled) {
        problem = "has no object lock enabled";
      } else if (!lock->rule) {
        // No default rule: each segment gets COMPLIANCE retention of its own.
        retention = storage::Retention{
            storage::RetentionMode::kCompliance,
            storage::Clock::now() + std::chrono::hours(24) * options_.retain_days};
      }
    }
    if (!problem.empty()) {
      if (!bucket_warned_) {
        Warn("audit archive: bucket \"" + options_.bucket + "\" " + problem +
             "; audit segments are NOT archived until it exists with object lock enabled "
             "(checked again at each rotation)");
        bucket_warned_ = true;
      }
      return pass;
    }
    if (bucket_warned_) {
      Log(LogLevel::kInfo, "audit archive: bucket \"" + options_.bucket + "\" is usable now");
      bucket_warned_ = false;
    }
  }
  pass.bucket_usable = true;

  std::string error;
  std::vector<std::string> segments = ListAuditSegments(options_.dir, &error);
  if (!error.empty()) {
    ++failures_;
    ++pass.failed;
    Warn("audit archive: cannot list the audit folder: " + error);
    return pass;
  }
  // The newest segment is the live one: it is archived once the log rotates past it.
  if (!segments.empty()) segments.pop_back();
  if (segments.empty()) return pass;

  auto account = [this, &pass](Outcome outcome) {
    switch (outcome) {
      case Outcome::kArchived:
        ++pass.archived;
        ++archived_;
        break;
      case Outcome::kSkipped:
        ++pass.skipped;
        break;
      case Outcome::kFailed:
        ++pass.failed;
        break;
      case Outcome::kMismatch:
        ++pass.mismatched;
        break;
    }
  };
  // GENESIS first: without it the archived chain cannot be checked from its first record.
  if (!genesis_done_) {
    Outcome o = ArchiveFile((fs::path(options_.dir) / "GENESIS").string(),
                            std::string(kKeyPrefix) + "GENESIS", retention);
    genesis_done_ = o == Outcome::kArchived || o == Outcome::kSkipped || o == Outcome::kMismatch;
    if (o == Outcome::kFailed) ++pass.failed;
  }
  for (const std::string& path : segments) {
    {
      std::lock_guard lock(mu_);
      if (stop_) break;
    }
    const std::string name = fs::path(path).filename().string();
    if (done_.count(name) || conflict_.count(name)) continue;
    Outcome o = ArchiveFile(path, std::string(kKeyPrefix) + name, retention);
    account(o);
    if (o == Outcome::kArchived || o == Outcome::kSkipped) done_.insert(name);
    if (o == Outcome::kMismatch) conflict_.insert(name);
  }
  return pass;
}

AuditArchiver::Outcome AuditArchiver::ArchiveFile(
    const std::string& path, const std::string& key,
    const std::optional<storage::Retention>& retention) {
  auto fail = [this, &key](const std::string& what) {
    ++failures_;
    Warn("audit archive: " + key + ": " + what + " (retried later)");
    return Outcome::kFailed;
  };
  Fd file(path);
  if (file.fd < 0) return fail("cannot open " + path + ": " + Errno().message());
  auto md5 = FileMd5(file.fd);
  if (!md5) return fail("cannot read " + path + ": " + md5.error().message());
  const std::string etag = Hex(*md5);

  // Idempotence: a copy with this content is already there (an earlier run, or a Put whose
  // answer was lost).
  auto head = store_.Head(options_.bucket, key);
  if (head) {
    if (head->etag == etag) return Outcome::kSkipped;
    ++mismatches_;
    Log(LogLevel::kError, "audit archive: " + key + " is archived with ETag " + head->etag +
                              " but the local " + path + " has MD5 " + etag +
                              "; the local segment changed after it was archived (tampering?)"
                              " - the archived copy is kept; check it with strata-admin audit "
                              "verify --bucket");
    return Outcome::kMismatch;
  }
  if (head.error() != storage::Errc::kNoSuchKey && head.error() != storage::Errc::kDeleteMarker) {
    return fail("cannot look up the archived copy: " + head.error().message());
  }

  FileSource source(file.fd);
  storage::DigestSpec spec;
  spec.expected_md5 = *md5;  // a file that changes while it streams is refused (kBadDigest)
  std::unique_ptr<storage::BodySource> body = storage::NewDigestingSource(source, spec);
  storage::PutOptions put;
  put.headers.emplace_back("content-type", std::string(kContentType));
  put.version.retention = retention;
  auto stored = store_.Put(options_.bucket, key, *body, put);
  if (!stored) return fail("storing " + path + " failed: " + stored.error().message());
  Log(LogLevel::kInfo, "audit archive: stored " + path + " as " + options_.bucket + "/" + key +
                           " (version " + stored->version_id + ")");
  return Outcome::kArchived;
}

}  // namespace strata::server
