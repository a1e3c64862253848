// Browser-based POST uploads (issue 7): the pieces of POST /bucket with a multipart/form-data
// body. A streaming form reader (fields before the file, then the file part as a ByteSource,
// never held whole), the signed policy document and its conditions, and the form's signature
// (SigV4: x-amz-signature = hex HMAC-SHA256(signing key, base64 policy); V2: signature =
// base64 HMAC-SHA1(secret, base64 policy)). Pure parsing and checking: the handler that stores
// the object is post_handlers.h.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "api/s3_errors.h"
#include "storage/stream.h"

namespace strata::api {

// Bounds on what precedes the file part (AWS: 20 KiB policy; we cap all fields together).
inline constexpr size_t kMaxPostPolicySize = 20 * 1024;
inline constexpr size_t kMaxPostFieldsSize = 64 * 1024;
inline constexpr size_t kMaxPostPartHeaderSize = 8 * 1024;
inline constexpr size_t kMaxPostFields = 256;

// The boundary of a "multipart/form-data; boundary=..." Content-Type (quotes allowed), or
// nullopt when the type is not multipart/form-data or the boundary is missing or longer than
// 70 characters (RFC 2046).
std::optional<std::string> FormDataBoundary(std::string_view content_type);

// The form fields that precede the file part. Names are lower-cased (S3 treats them
// case-insensitively); the first occurrence of a name wins.
struct PostForm {
  std::map<std::string, std::string> fields;
  std::vector<std::string> order;  // field names in the order sent (lower case)
  std::string filename;            // the file part's filename parameter
  std::string file_content_type;   // the file part's own Content-Type, if any
};

// Reads a multipart/form-data body from `in` (not owned) with bounded memory whatever the
// parts claim. Not thread-safe; one per request.
class FormDataReader {
 public:
  FormDataReader(storage::ByteSource& in, std::string boundary);

  // Reads every field up to and including the headers of the part named "file". Errors:
  // MalformedPOSTRequest (bad framing, missing name, body ends early), InvalidArgument (no file
  // part: "POST requires exactly one file upload per request."), MaxPostPreDataLengthExceeded
  // (fields over kMaxPostFieldsSize, or the policy over kMaxPostPolicySize). `message` gets
  // the specific text.
  Result<PostForm> ReadFields(std::string* message);

  // After ReadFields: the file's bytes, ending (Read returns 0) at the part's closing
  // delimiter. MalformedPOSTRequest when the body ends before it.
  storage::ByteSource& file() { return file_source_; }

  // After the file has been read to its end: consumes the rest of the form (later fields are
  // ignored, as S3 does) up to `limit` bytes. Best effort.
  void Drain(uint64_t limit);

 private:
  class FileSource : public storage::ByteSource {
   public:
    explicit FileSource(FormDataReader& reader) : reader_(reader) {}
    Result<size_t> Read(std::span<std::byte> out) override { return reader_.ReadBody(out); }

   private:
    FormDataReader& reader_;
  };

  struct PartHeader {
    std::string name;
    std::optional<std::string> filename;
    std::string content_type;
  };

  // Reads more input into buf_; the bytes read, 0 at end of input.
  Result<size_t> Fill();
  // Bytes of the current part's body, 0 once its delimiter has been consumed.
  Result<size_t> ReadBody(std::span<std::byte> out);
  // Positions after the next delimiter and reads the following part's headers; nullopt at the
  // closing delimiter.
  Result<std::optional<PartHeader>> NextPart(std::string* message);
  void Compact();

  storage::ByteSource& in_;
  std::string delimiter_;  // "\r\n--" + boundary
  std::string buf_;
  size_t pos_ = 0;
  bool eof_ = false;
  bool body_done_ = false;
  bool finished_ = false;
  FileSource file_source_{*this};
};

// The decoded policy document.
struct PostPolicy {
  std::chrono::system_clock::time_point expiration;
  enum class Match { kEq, kStartsWith };
  struct Condition {
    Match match = Match::kEq;
    std::string field;  // lower case, without '$'
    std::string value;
  };
  std::vector<Condition> conditions;
  std::optional<uint64_t> min_length;  // content-length-range
  std::optional<uint64_t> max_length;
};

// Decodes base64 `policy` and parses its JSON. InvalidPolicyDocument (with `message`) when it is
// not base64, not JSON, lacks expiration or conditions, or has a condition it cannot read.
Result<PostPolicy> ParsePostPolicy(std::string_view policy_base64, std::string* message);

// Checks the form against the policy at `now`: AccessDenied with "Invalid according to Policy:
// Policy expired." / "Policy Condition failed: ..." / "Extra input fields: ...". `bucket` is the
// addressed bucket (the "bucket" condition matches it).
boost::system::error_code CheckPostPolicy(const PostPolicy& policy, const PostForm& form,
                                          std::string_view bucket,
                                          std::chrono::system_clock::time_point now,
                                          std::string* message);

// The signature the form carries.
struct PostCredentials {
  enum class Kind { kNone, kV4, kV2 } kind = Kind::kNone;
  std::string access_key;
  std::string date;    // V4: yyyymmdd of the credential scope
  std::string region;  // V4
  std::string signature;
};

// Reads the signature fields. kNone when the form has none (an anonymous upload). Errors:
// InvalidArgument (unknown x-amz-algorithm, malformed credential, missing policy, half a
// signature), AuthorizationQueryParametersError for a credential of another region.
Result<PostCredentials> ReadPostCredentials(const PostForm& form, std::string_view region,
                                            std::string* message);

// Whether `creds` signs the form's base64 policy under `secret`. Constant-time comparison.
bool PostSignatureMatches(const PostCredentials& creds, std::string_view secret,
                          std::string_view policy_base64);

// The form's key with "${filename}" replaced by the file's name.
std::string PostObjectKey(const PostForm& form);

// A ByteSource that enforces content-length-range while streaming: EntityTooLarge as soon as
// more than `max` bytes pass, EntityTooSmall at the end if fewer than `min` did.
class LengthRangeSource : public storage::ByteSource {
 public:
  LengthRangeSource(storage::ByteSource& in, uint64_t min, uint64_t max)
      : in_(in), min_(min), max_(max) {}
  Result<size_t> Read(std::span<std::byte> out) override;
  uint64_t size() const { return size_; }

 private:
  storage::ByteSource& in_;
  uint64_t min_;
  uint64_t max_;
  uint64_t size_ = 0;
};

}  // namespace strata::api
