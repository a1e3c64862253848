// The master key file and AES-256-GCM through OpenSSL's EVP interface. The only file of the
// identity store that includes OpenSSL.
#include "storage/identity_crypto.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>

namespace strata::storage {
namespace {

constexpr size_t kNonceSize = 12;
constexpr size_t kTagSize = 16;

struct CtxDeleter {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CtxDeleter>;

// Closes a descriptor on every path.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

boost::system::error_code BadFile(std::string* detail, std::string text) {
  if (detail) *detail = std::move(text);
  return make_error_code(IdentityErrc::kBadMasterKeyFile);
}

std::string Errno() { return std::strerror(errno); }

// Reads an existing key file; ENOENT is reported through *missing so the caller can create it.
Result<MasterKey> ReadKeyFile(const std::string& path, std::string* detail, bool* missing) {
  *missing = false;
  Fd f{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (f.fd < 0) {
    if (errno == ENOENT) {
      *missing = true;
      return BadFile(detail, "master key file \"" + path + "\" does not exist");
    }
    return BadFile(detail, "cannot open master key file \"" + path + "\": " + Errno());
  }
  struct stat st {};
  if (::fstat(f.fd, &st) != 0) {
    return BadFile(detail, "cannot stat master key file \"" + path + "\": " + Errno());
  }
  if (!S_ISREG(st.st_mode)) {
    return BadFile(detail, "master key file \"" + path + "\" is not a regular file");
  }
  // Checked before reading: a key others could read is already compromised; say so.
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof(mode), "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return BadFile(detail, "master key file \"" + path + "\" has mode " + mode +
                               ": group or others may access it (chmod 600 it)");
  }
  if (static_cast<uint64_t>(st.st_size) != MasterKey::kSize) {
    return BadFile(detail, "master key file \"" + path + "\" has " + std::to_string(st.st_size) +
                               " bytes, expected exactly 32");
  }
  std::array<unsigned char, MasterKey::kSize> bytes{};
  size_t got = 0;
  while (got < bytes.size()) {
    ssize_t n = ::read(f.fd, bytes.data() + got, bytes.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return BadFile(detail, "cannot read master key file \"" + path + "\"");
    got += static_cast<size_t>(n);
  }
  MasterKey key(bytes);
  OPENSSL_cleanse(bytes.data(), bytes.size());
  return key;
}

boost::system::error_code WriteNewKeyFile(const std::string& path, std::string* detail) {
  std::array<unsigned char, MasterKey::kSize> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    return BadFile(detail, "the CSPRNG failed to make a master key");
  }
  const std::string tmp = path + ".tmp";
  ::unlink(tmp.c_str());  // a leftover of a crash before the link below
  {
    Fd f{::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)};
    if (f.fd < 0) {
      OPENSSL_cleanse(bytes.data(), bytes.size());
      return BadFile(detail, "cannot create master key file \"" + tmp + "\": " + Errno());
    }
    size_t put = 0;
    while (put < bytes.size()) {
      ssize_t n = ::write(f.fd, bytes.data() + put, bytes.size() - put);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      put += static_cast<size_t>(n);
    }
    OPENSSL_cleanse(bytes.data(), bytes.size());
    if (put != bytes.size() || ::fsync(f.fd) != 0) {
      ::unlink(tmp.c_str());
      return BadFile(detail, "cannot write master key file \"" + tmp + "\": " + Errno());
    }
  }
  // link(), unlike rename(), never replaces a key someone else created meanwhile.
  if (::link(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    if (err == EEXIST) return {};  // the caller reads the other one
    errno = err;
    return BadFile(detail, "cannot create master key file \"" + path + "\": " + Errno());
  }
  ::unlink(tmp.c_str());
  std::string dir = std::filesystem::path(path).parent_path().string();
  if (dir.empty()) dir = ".";
  Fd d{::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
  if (d.fd < 0 || ::fsync(d.fd) != 0) {
    return BadFile(detail, "cannot sync the folder of master key file \"" + path + "\"");
  }
  return {};
}

}  // namespace

MasterKey::~MasterKey() { OPENSSL_cleanse(bytes_.data(), bytes_.size()); }

Result<MasterKey> LoadOrCreateMasterKey(const std::string& path, std::string* detail,
                                        bool* created) {
  if (created) *created = false;
  bool missing = false;
  auto key = ReadKeyFile(path, detail, &missing);
  if (key || !missing) return key;
  if (auto ec = WriteNewKeyFile(path, detail)) return ec;
  if (created) *created = true;
  return ReadKeyFile(path, detail, &missing);
}

Result<std::string> SealSecret(const MasterKey& key, std::string_view plaintext,
                               std::string_view aad) {
  auto nonce = RandomBytes(kNonceSize);
  if (!nonce) return nonce.error();
  std::string out = *nonce;
  out.resize(kNonceSize + plaintext.size() + kTagSize);
  auto* cipher_out = reinterpret_cast<unsigned char*>(out.data() + kNonceSize);
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  int total = 0;
  if (!ctx || EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kNonceSize, nullptr) != 1 ||
      EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, key.data(),
                         reinterpret_cast<const unsigned char*>(nonce->data())) != 1 ||
      EVP_EncryptUpdate(ctx.get(), nullptr, &len,
                        reinterpret_cast<const unsigned char*>(aad.data()),
                        static_cast<int>(aad.size())) != 1 ||
      EVP_EncryptUpdate(ctx.get(), cipher_out, &len,
                        reinterpret_cast<const unsigned char*>(plaintext.data()),
                        static_cast<int>(plaintext.size())) != 1) {
    return make_error_code(Errc::kInternal);
  }
  total = len;
  if (EVP_EncryptFinal_ex(ctx.get(), cipher_out + total, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagSize,
                          cipher_out + plaintext.size()) != 1) {
    return make_error_code(Errc::kInternal);
  }
  return out;
}

Result<std::string> OpenSecret(const MasterKey& key, std::string_view sealed,
                               std::string_view aad) {
  if (sealed.size() < kNonceSize + kTagSize) return make_error_code(IdentityErrc::kCannotDecrypt);
  const size_t n = sealed.size() - kNonceSize - kTagSize;
  const auto* nonce = reinterpret_cast<const unsigned char*>(sealed.data());
  const auto* cipher = nonce + kNonceSize;
  std::string tag(sealed.substr(kNonceSize + n));
  std::string out(n, '\0');
  auto* plain = reinterpret_cast<unsigned char*>(out.data());
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  if (!ctx || EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kNonceSize, nullptr) != 1 ||
      EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, key.data(), nonce) != 1 ||
      EVP_DecryptUpdate(ctx.get(), nullptr, &len,
                        reinterpret_cast<const unsigned char*>(aad.data()),
                        static_cast<int>(aad.size())) != 1 ||
      EVP_DecryptUpdate(ctx.get(), plain, &len, cipher, static_cast<int>(n)) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagSize, tag.data()) != 1) {
    return make_error_code(Errc::kInternal);
  }
  const int total = len;
  // The tag check: fails for a wrong key, another aad, or any altered byte.
  if (EVP_DecryptFinal_ex(ctx.get(), plain + total, &len) != 1) {
    OPENSSL_cleanse(out.data(), out.size());
    return make_error_code(IdentityErrc::kCannotDecrypt);
  }
  return out;
}

Result<std::string> RandomBytes(size_t n) {
  std::string out(n, '\0');
  if (n > 0 && RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) {
    return make_error_code(Errc::kInternal);
  }
  return out;
}

}  // namespace strata::storage
