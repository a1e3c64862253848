// aws-chunked decoding. Bytes of a chunk are passed on as they arrive and the chunk's signature
// is checked when its data ends (see the policy in sigv4.h): buffering a whole chunk before
// release would cost memory proportional to the size the client claims.
#include "api/aws_chunked.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "api/hmac.h"
#include "api/sigv4_canonical.h"

namespace strata::api {
namespace {

using boost::system::error_code;

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; });
  return out;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

class AwsChunkedSource final : public PayloadSource {
 public:
  AwsChunkedSource(storage::ByteSource& raw, AwsChunkedOptions options)
      : raw_(raw),
        options_(std::move(options)),
        buffer_(kAwsChunkedBufferSize),
        previous_signature_(options_.seed_signature) {}

  std::optional<uint64_t> declared_length() const override { return options_.decoded_length; }

  std::optional<std::string> Trailer(std::string_view name) const override {
    if (state_ != State::kDone) return std::nullopt;
    for (const auto& [n, v] : trailers_) {
      if (n == name) return v;
    }
    return std::nullopt;
  }

  Result<size_t> Read(std::span<std::byte> out) override {
    if (out.empty() && state_ != State::kFailed) return size_t{0};
    while (true) {
      error_code ec;
      switch (state_) {
        case State::kChunkHeader:
          ec = ParseChunkHeader();
          break;
        case State::kChunkData:
          return ReadData(out);
        case State::kChunkEnd:
          ec = FinishChunk();
          break;
        case State::kTrailer:
          ec = ParseTrailer();
          break;
        case State::kFinalCrlf:
          ec = ParseFinalCrlf();
          break;
        case State::kDone:
          return size_t{0};
        case State::kFailed:
          return error_;
      }
      if (ec) return ec;
    }
  }

 private:
  enum class State { kChunkHeader, kChunkData, kChunkEnd, kTrailer, kFinalCrlf, kDone, kFailed };

  bool Signed() const { return options_.kind != PayloadKind::kStreamingUnsignedTrailer; }
  bool HasTrailer() const { return options_.kind != PayloadKind::kStreamingSigned; }

  error_code Fail(error_code ec) {
    state_ = State::kFailed;
    error_ = ec;
    return ec;
  }
  error_code Fail(S3Errc e) { return Fail(make_error_code(e)); }

  std::string_view Buffered() const {
    return {reinterpret_cast<const char*>(buffer_.data()) + begin_, end_ - begin_};
  }

  // Makes at least n bytes (n <= buffer size) available; false if the raw body ends first.
  Result<bool> Ensure(size_t n) {
    while (end_ - begin_ < n) {
      if (raw_eof_) return false;
      if (buffer_.size() - begin_ < n) {
        std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
        end_ -= begin_;
        begin_ = 0;
      }
      auto got = raw_.Read(std::span(buffer_).subspan(end_));
      if (!got) return Result<bool>(boost::system::in_place_error, got.error());
      if (*got == 0) raw_eof_ = true;
      end_ += *got;
    }
    return true;
  }

  // Reads a CRLF-terminated line of at most `max` bytes (CRLF excluded). Longer: `too_long`;
  // body ends first: `eof`, unless eof_ends_line (then the unterminated rest is the line).
  Result<std::string> ReadLine(size_t max, S3Errc too_long, S3Errc eof,
                               bool eof_ends_line = false) {
    size_t scanned = 0;
    while (true) {
      std::string_view view = Buffered();
      size_t pos = view.find("\r\n", scanned > 0 ? scanned - 1 : 0);
      if (pos != std::string_view::npos) {
        if (pos > max) return make_error_code(too_long);
        std::string line(view.substr(0, pos));
        begin_ += pos + 2;
        return line;
      }
      if (view.size() > max + 1) return make_error_code(too_long);
      scanned = view.size();
      auto more = Ensure(view.size() + 1);
      if (!more) return Result<std::string>(boost::system::in_place_error, more.error());
      if (!*more) {
        if (!eof_ends_line || Buffered().empty()) return make_error_code(eof);
        std::string line(Buffered());
        begin_ = end_;
        return line;
      }
    }
  }

  error_code ParseChunkHeader() {
    auto line =
        ReadLine(kMaxChunkHeaderLine, S3Errc::kInvalidChunkSizeError, S3Errc::kIncompleteBody);
    if (!line) return Fail(line.error());
    std::string_view text = *line;
    size_t semi = text.find(';');
    std::string_view hex = text.substr(0, semi);
    if (hex.empty() || hex.size() > kMaxChunkSizeDigits) {
      return Fail(S3Errc::kInvalidChunkSizeError);
    }
    uint64_t size = 0;
    for (char c : hex) {
      int v = HexValue(c);
      if (v < 0) return Fail(S3Errc::kInvalidChunkSizeError);
      size = (size << 4) | static_cast<uint64_t>(v);
    }
    if (Signed()) {
      // Exactly one extension, the signature; anything else cannot have been signed by a
      // conforming client.
      constexpr std::string_view kPrefix = "chunk-signature=";
      std::string_view ext =
          semi == std::string_view::npos ? std::string_view() : text.substr(semi + 1);
      if (ext.substr(0, kPrefix.size()) != kPrefix || !IsSha256Hex(ext.substr(kPrefix.size()))) {
        return Fail(S3Errc::kSignatureDoesNotMatch);
      }
      chunk_signature_ = Lower(ext.substr(kPrefix.size()));
    }
    // AWS requires every signed chunk but the last data chunk to carry at least 8 KiB; a data
    // chunk after a short one proves the short one was not the last.
    if (Signed() && size > 0 && previous_chunk_size_ > 0 &&
        previous_chunk_size_ < kMinSignedChunkSize) {
      return Fail(S3Errc::kInvalidChunkSizeError);
    }
    previous_chunk_size_ = size;
    // Checked before any data is read, so a claimed size never exceeds what was declared.
    if (size > options_.decoded_length - decoded_) return Fail(S3Errc::kIncompleteBody);
    chunk_remaining_ = size;
    if (size > 0) {
      state_ = State::kChunkData;
      return {};
    }
    if (auto ec = VerifyChunk(sigv4::kEmptySha256)) return ec;
    if (decoded_ != options_.decoded_length) return Fail(S3Errc::kIncompleteBody);
    state_ = HasTrailer() ? State::kTrailer : State::kFinalCrlf;
    return {};
  }

  Result<size_t> ReadData(std::span<std::byte> out) {
    size_t want = static_cast<size_t>(std::min<uint64_t>(out.size(), chunk_remaining_));
    size_t n;
    if (begin_ < end_) {
      n = std::min(want, end_ - begin_);
      std::memcpy(out.data(), buffer_.data() + begin_, n);
      begin_ += n;
    } else {
      // Nothing buffered: read straight into the caller's span, saving a copy.
      auto got = raw_.Read(out.first(want));
      if (!got) return Fail(got.error());
      if (*got == 0) return Fail(S3Errc::kIncompleteBody);
      n = *got;
    }
    if (Signed()) chunk_hash_.Update(out.first(n));
    chunk_remaining_ -= n;
    decoded_ += n;
    if (chunk_remaining_ == 0) state_ = State::kChunkEnd;
    return n;
  }

  error_code FinishChunk() {
    auto have = Ensure(2);
    if (!have) return Fail(have.error());
    if (!*have) return Fail(S3Errc::kIncompleteBody);
    if (Buffered().substr(0, 2) != "\r\n") return Fail(S3Errc::kInvalidChunkSizeError);
    begin_ += 2;
    if (Signed()) {
      if (auto ec = VerifyChunk(chunk_hash_.FinishHex())) return ec;
    }
    state_ = State::kChunkHeader;
    return {};
  }

  error_code VerifyChunk(std::string_view data_sha256_hex) {
    if (!Signed()) return {};
    std::string expected = sigv4::SignatureHex(
        options_.signing_key, sigv4::ChunkStringToSign(options_.amz_date, options_.scope,
                                                       previous_signature_, data_sha256_hex));
    if (!ConstantTimeEquals(expected, chunk_signature_)) {
      return Fail(S3Errc::kSignatureDoesNotMatch);
    }
    previous_signature_ = chunk_signature_;
    return {};
  }

  error_code ParseTrailer() {
    size_t used = 0;
    bool signature_seen = false;
    std::string canonical;  // "name:value\n" per trailer, what the trailer signature covers
    while (true) {
      auto more = Ensure(1);
      if (!more) return Fail(more.error());
      if (!*more) break;  // Lenient: some clients end the body without the final empty line.
      if (used >= kMaxTrailerBytes) return Fail(S3Errc::kMalformedTrailerError);
      // Lenient, as other S3 servers are: the last trailer line may lack its CRLF.
      auto line = ReadLine(kMaxTrailerBytes - used, S3Errc::kMalformedTrailerError,
                           S3Errc::kMalformedTrailerError, /*eof_ends_line=*/true);
      if (!line) return Fail(line.error());
      used += line->size() + 2;
      if (line->empty()) {
        // Some signers close the 0-size chunk with an extra CRLF before the trailers
        // ("0;chunk-signature=...\r\n\r\nx-amz-checksum-...": the shape of AWS's own
        // example); skip that one empty line when more follows.
        if (used == 2 && !HasExtraData()) break;
        if (used == 2) continue;
        break;
      }
      // The signature must be the last trailer.
      if (signature_seen) return Fail(S3Errc::kMalformedTrailerError);
      size_t colon = line->find(':');
      if (colon == std::string::npos) return Fail(S3Errc::kMalformedTrailerError);
      std::string name = Lower(Trim(std::string_view(*line).substr(0, colon)));
      std::string value(Trim(std::string_view(*line).substr(colon + 1)));
      if (name == "x-amz-trailer-signature") {
        if (!Signed()) return Fail(S3Errc::kMalformedTrailerError);
        std::string expected = sigv4::SignatureHex(
            options_.signing_key,
            sigv4::TrailerStringToSign(options_.amz_date, options_.scope, previous_signature_,
                                       Sha256Hex(canonical)));
        if (!ConstantTimeEquals(expected, Lower(value))) {
          return Fail(S3Errc::kSignatureDoesNotMatch);
        }
        signature_seen = true;
        continue;
      }
      bool declared =
          std::find(options_.declared_trailers.begin(), options_.declared_trailers.end(), name) !=
          options_.declared_trailers.end();
      bool duplicate = std::any_of(trailers_.begin(), trailers_.end(),
                                   [&](const auto& t) { return t.first == name; });
      if (!declared || duplicate) return Fail(S3Errc::kMalformedTrailerError);
      canonical += name;
      canonical += ':';
      canonical += value;
      canonical += '\n';
      trailers_.emplace_back(std::move(name), std::move(value));
    }
    // A signed stream's trailers are only trusted with their signature.
    if (Signed() && !trailers_.empty() && !signature_seen) {
      return Fail(S3Errc::kSignatureDoesNotMatch);
    }
    for (const std::string& name : options_.declared_trailers) {
      if (std::none_of(trailers_.begin(), trailers_.end(),
                       [&](const auto& t) { return t.first == name; })) {
        return Fail(S3Errc::kMalformedTrailerError);
      }
    }
    return ExpectEnd();
  }

  error_code ParseFinalCrlf() {
    auto have = Ensure(2);
    if (!have) return Fail(have.error());
    std::string_view rest = Buffered();
    if (*have) {
      if (rest.substr(0, 2) != "\r\n") return Fail(S3Errc::kInvalidChunkSizeError);
      begin_ += 2;
    } else if (!rest.empty()) {  // Lenient: a body that simply ends after "0;...\r\n" is fine.
      return Fail(S3Errc::kInvalidChunkSizeError);
    }
    return ExpectEnd();
  }

  // True if unread body bytes remain (errors count as "no": ExpectEnd reports them).
  bool HasExtraData() {
    auto more = Ensure(1);
    return more && *more;
  }

  // The framing says the body is over; anything after it is a framing error.
  error_code ExpectEnd() {
    auto more = Ensure(1);
    if (!more) return Fail(more.error());
    if (*more) return Fail(S3Errc::kInvalidRequest);
    state_ = State::kDone;
    return {};
  }

  storage::ByteSource& raw_;
  const AwsChunkedOptions options_;
  std::vector<std::byte> buffer_;
  size_t begin_ = 0;  // unread bytes are buffer_[begin_, end_)
  size_t end_ = 0;
  bool raw_eof_ = false;

  State state_ = State::kChunkHeader;
  error_code error_;
  uint64_t decoded_ = 0;
  uint64_t chunk_remaining_ = 0;
  uint64_t previous_chunk_size_ = 0;  // 0: no data chunk yet
  std::string chunk_signature_;
  std::string previous_signature_;
  Sha256Stream chunk_hash_;
  std::vector<std::pair<std::string, std::string>> trailers_;
};

}  // namespace

std::unique_ptr<PayloadSource> NewAwsChunkedSource(storage::ByteSource& raw,
                                                   AwsChunkedOptions options) {
  return std::make_unique<AwsChunkedSource>(raw, std::move(options));
}

}  // namespace strata::api
