#include "api/post_upload.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "api/hmac.h"
#include "api/http_date.h"
#include "api/sigv4_canonical.h"
#include "storage/checksum.h"

namespace strata::api {
namespace {

constexpr size_t kReadChunk = 16 * 1024;

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

boost::system::error_code Error(S3Errc e, std::string* message, std::string text) {
  if (message) *message = std::move(text);
  return make_error_code(e);
}

// The value of parameter `param` in a header value like `form-data; name="x"; filename="y"`.
// Quoted values may contain ';'; a backslash escapes the next character.
std::optional<std::string> HeaderParam(std::string_view value, std::string_view param) {
  size_t i = value.find(';');
  while (i != std::string_view::npos && i < value.size()) {
    ++i;
    while (i < value.size() && (value[i] == ' ' || value[i] == '\t')) ++i;
    size_t eq = value.find('=', i);
    if (eq == std::string_view::npos) return std::nullopt;
    std::string name = Lower(Trim(value.substr(i, eq - i)));
    size_t j = eq + 1;
    std::string parsed;
    if (j < value.size() && value[j] == '"') {
      ++j;
      while (j < value.size() && value[j] != '"') {
        if (value[j] == '\\' && j + 1 < value.size()) ++j;
        parsed.push_back(value[j]);
        ++j;
      }
      if (j >= value.size()) return std::nullopt;  // unterminated quote
      ++j;
      i = value.find(';', j);
    } else {
      size_t end = value.find(';', j);
      parsed = std::string(Trim(value.substr(j, end == std::string_view::npos ? end : end - j)));
      i = end;
    }
    if (name == param) return parsed;
  }
  return std::nullopt;
}

std::string HmacSha1(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha1(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
  return std::string(reinterpret_cast<const char*>(out), len);
}

// A JSON value used as a condition value: strings as is, numbers as text.
std::optional<std::string> ConditionValue(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
  return std::nullopt;
}

std::optional<uint64_t> LengthValue(const nlohmann::json& v) {
  if (v.is_number_unsigned()) return v.get<uint64_t>();
  if (v.is_number_integer()) {
    int64_t n = v.get<int64_t>();
    if (n < 0) return std::nullopt;
    return static_cast<uint64_t>(n);
  }
  if (v.is_string()) {
    const std::string& s = v.get_ref<const std::string&>();
    if (s.empty() || s.size() > 19) return std::nullopt;
    uint64_t n = 0;
    for (char c : s) {
      if (c < '0' || c > '9') return std::nullopt;
      n = n * 10 + static_cast<uint64_t>(c - '0');
    }
    return n;
  }
  return std::nullopt;
}

// Fields that need no condition (AWS's exemptions, plus the V2 signature fields).
bool ExemptField(std::string_view name) {
  return name == "x-amz-signature" || name == "file" || name == "policy" || name == "signature" ||
         name == "awsaccesskeyid" || name.starts_with("x-ignore-");
}

}  // namespace

std::optional<std::string> FormDataBoundary(std::string_view content_type) {
  size_t semi = content_type.find(';');
  if (Lower(Trim(content_type.substr(0, semi))) != "multipart/form-data") return std::nullopt;
  if (semi == std::string_view::npos) return std::nullopt;
  auto boundary = HeaderParam(content_type, "boundary");
  if (!boundary || boundary->empty() || boundary->size() > 70) return std::nullopt;
  for (char c : *boundary) {
    if (c == '\r' || c == '\n') return std::nullopt;
  }
  return boundary;
}

FormDataReader::FormDataReader(storage::ByteSource& in, std::string boundary)
    : in_(in), delimiter_("\r\n--" + boundary) {
  // The first delimiter may start the body without a preceding CRLF: pretend one was there,
  // so every delimiter looks the same.
  buf_ = "\r\n";
  body_done_ = false;
}

void FormDataReader::Compact() {
  if (pos_ > kReadChunk) {
    buf_.erase(0, pos_);
    pos_ = 0;
  }
}

Result<size_t> FormDataReader::Fill() {
  if (eof_) return size_t{0};
  Compact();
  size_t old = buf_.size();
  buf_.resize(old + kReadChunk);
  auto n = in_.Read(std::as_writable_bytes(std::span<char>(buf_.data() + old, kReadChunk)));
  if (!n) {
    buf_.resize(old);
    return n.error();
  }
  buf_.resize(old + *n);
  if (*n == 0) eof_ = true;
  return *n;
}

Result<size_t> FormDataReader::ReadBody(std::span<std::byte> out) {
  if (body_done_ || finished_) return size_t{0};
  if (out.empty()) return size_t{0};
  for (;;) {
    std::string_view avail = std::string_view(buf_).substr(pos_);
    size_t at = avail.find(delimiter_);
    size_t safe;
    if (at != std::string_view::npos) {
      if (at == 0) {
        pos_ += delimiter_.size();
        body_done_ = true;
        return size_t{0};
      }
      safe = at;
    } else {
      // Anything that could be the start of a delimiter split across reads stays buffered.
      safe = avail.size() >= delimiter_.size() ? avail.size() - (delimiter_.size() - 1) : 0;
    }
    if (safe > 0) {
      size_t n = std::min(safe, out.size());
      std::memcpy(out.data(), avail.data(), n);
      pos_ += n;
      return n;
    }
    auto more = Fill();
    if (!more) return more.error();
    if (!*more) return make_error_code(S3Errc::kMalformedPOSTRequest);
  }
}

Result<std::optional<FormDataReader::PartHeader>> FormDataReader::NextPart(std::string* message) {
  // Skip what is left of the current part (or the preamble) up to its delimiter.
  std::array<std::byte, 4096> sink;
  while (!body_done_) {
    auto n = ReadBody(sink);
    if (!n) {
      if (message) *message = "Unexpected end of the POST body.";
      return n.error();
    }
  }
  // After a delimiter: "--" closes the form, else (transport padding) CRLF starts a part.
  for (;;) {
    std::string_view avail = std::string_view(buf_).substr(pos_);
    if (avail.size() >= 2 && avail.substr(0, 2) == "--") {
      finished_ = true;
      pos_ += 2;
      return std::optional<PartHeader>();
    }
    size_t crlf = avail.find("\r\n");
    if (crlf != std::string_view::npos) {
      if (!Trim(avail.substr(0, crlf)).empty()) {
        return Error(S3Errc::kMalformedPOSTRequest, message, "Malformed multipart delimiter.");
      }
      pos_ += crlf + 2;
      break;
    }
    if (avail.size() > 256) {
      return Error(S3Errc::kMalformedPOSTRequest, message, "Malformed multipart delimiter.");
    }
    auto more = Fill();
    if (!more) return more.error();
    if (!*more) {
      return Error(S3Errc::kMalformedPOSTRequest, message, "Unexpected end of the POST body.");
    }
  }
  // The part's headers, up to an empty line.
  size_t end;
  for (;;) {
    std::string_view avail = std::string_view(buf_).substr(pos_);
    end = avail.find("\r\n\r\n");
    // A part with no headers at all starts directly with the empty line.
    if (avail.starts_with("\r\n")) {
      end = 0;
      break;
    }
    if (end != std::string_view::npos) {
      end += 2;
      break;
    }
    if (avail.size() > kMaxPostPartHeaderSize) {
      return Error(S3Errc::kMalformedPOSTRequest, message, "Part headers too large.");
    }
    auto more = Fill();
    if (!more) return more.error();
    if (!*more) {
      return Error(S3Errc::kMalformedPOSTRequest, message, "Unexpected end of the POST body.");
    }
  }
  if (end > kMaxPostPartHeaderSize) {
    return Error(S3Errc::kMalformedPOSTRequest, message, "Part headers too large.");
  }
  std::string_view headers = std::string_view(buf_).substr(pos_, end);
  PartHeader part;
  bool has_disposition = false;
  while (!headers.empty()) {
    size_t eol = headers.find("\r\n");
    std::string_view line = headers.substr(0, eol);
    headers = eol == std::string_view::npos ? std::string_view() : headers.substr(eol + 2);
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) {
      return Error(S3Errc::kMalformedPOSTRequest, message, "Malformed part header.");
    }
    std::string name = Lower(Trim(line.substr(0, colon)));
    std::string_view value = Trim(line.substr(colon + 1));
    if (name == "content-disposition") {
      if (Lower(Trim(value.substr(0, value.find(';')))) != "form-data") {
        return Error(S3Errc::kMalformedPOSTRequest, message, "Part is not form-data.");
      }
      auto field = HeaderParam(value, "name");
      if (!field || field->empty()) {
        return Error(S3Errc::kMalformedPOSTRequest, message, "Part without a field name.");
      }
      part.name = Lower(*field);
      part.filename = HeaderParam(value, "filename");
      has_disposition = true;
    } else if (name == "content-type") {
      part.content_type = std::string(value);
    }
  }
  if (!has_disposition) {
    return Error(S3Errc::kMalformedPOSTRequest, message, "Part without Content-Disposition.");
  }
  pos_ += end + 2;
  body_done_ = false;
  return std::optional<PartHeader>(std::move(part));
}

Result<PostForm> FormDataReader::ReadFields(std::string* message) {
  PostForm form;
  size_t total = 0;
  for (;;) {
    auto part = NextPart(message);
    if (!part) return part.error();
    if (!*part) {
      return Error(S3Errc::kInvalidArgument, message,
                   "POST requires exactly one file upload per request.");
    }
    if ((*part)->name == "file") {
      form.filename = (*part)->filename.value_or("");
      form.file_content_type = (*part)->content_type;
      return form;
    }
    if (form.order.size() >= kMaxPostFields) {
      return Error(S3Errc::kMaxPostPreDataLengthExceededError, message,
                   "Too many POST form fields.");
    }
    const size_t limit = (*part)->name == "policy" ? kMaxPostPolicySize : kMaxPostFieldsSize;
    std::string value;
    std::array<std::byte, 4096> chunk;
    for (;;) {
      auto n = ReadBody(chunk);
      if (!n) {
        if (message) *message = "Unexpected end of the POST body.";
        return n.error();
      }
      if (*n == 0) break;
      total += *n;
      if (value.size() + *n > limit || total > kMaxPostFieldsSize) {
        return Error(S3Errc::kMaxPostPreDataLengthExceededError, message,
                     "Your POST request fields preceding the upload file were too large.");
      }
      value.append(reinterpret_cast<const char*>(chunk.data()), *n);
    }
    total += (*part)->name.size();
    if (total > kMaxPostFieldsSize) {
      return Error(S3Errc::kMaxPostPreDataLengthExceededError, message,
                   "Your POST request fields preceding the upload file were too large.");
    }
    if (form.fields.emplace((*part)->name, std::move(value)).second) {
      form.order.push_back((*part)->name);
    }
  }
}

void FormDataReader::Drain(uint64_t limit) {
  std::array<std::byte, 4096> sink;
  uint64_t seen = 0;
  while (!finished_ && seen <= limit) {
    if (!body_done_) {
      auto n = ReadBody(sink);
      if (!n) return;
      seen += *n;
      continue;
    }
    auto part = NextPart(nullptr);
    if (!part || !*part) return;
  }
}

Result<PostPolicy> ParsePostPolicy(std::string_view policy_base64, std::string* message) {
  const auto invalid = [message](std::string text) -> boost::system::error_code {
    return Error(S3Errc::kInvalidPolicyDocument, message, "Invalid Policy: " + text);
  };
  // Browsers and some SDKs wrap base64 in lines: whitespace is not part of the policy.
  std::string compact;
  for (char c : policy_base64) {
    if (c != '\r' && c != '\n' && c != ' ' && c != '\t') compact.push_back(c);
  }
  auto decoded = storage::Base64Decode(compact);
  if (!decoded) return invalid("Invalid Base64 encoding.");
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(*decoded);
  } catch (const nlohmann::json::exception&) {
    return invalid("Invalid JSON.");
  }
  if (!doc.is_object()) return invalid("Invalid JSON.");
  auto expiration = doc.find("expiration");
  if (expiration == doc.end() || !expiration->is_string()) {
    return invalid("Policy missing expiration.");
  }
  auto when = ParseIso8601(expiration->get<std::string>());
  if (!when) return invalid("Invalid 'expiration' value.");
  PostPolicy policy;
  policy.expiration = *when;
  auto conditions = doc.find("conditions");
  if (conditions == doc.end() || !conditions->is_array()) {
    return invalid("Policy missing conditions.");
  }
  for (const auto& c : *conditions) {
    if (c.is_object()) {
      if (c.size() != 1) return invalid("Invalid Simple-Condition: needs one property.");
      auto value = ConditionValue(c.begin().value());
      if (!value) return invalid("Invalid Simple-Condition value.");
      policy.conditions.push_back({PostPolicy::Match::kEq, Lower(c.begin().key()), *value});
      continue;
    }
    if (!c.is_array() || c.size() != 3 || !c[0].is_string()) {
      return invalid("Invalid condition.");
    }
    std::string op = Lower(c[0].get<std::string>());
    if (op == "content-length-range") {
      auto min = LengthValue(c[1]);
      auto max = LengthValue(c[2]);
      if (!min || !max) return invalid("Invalid content-length-range condition.");
      policy.min_length = *min;
      policy.max_length = *max;
      continue;
    }
    PostPolicy::Match match;
    if (op == "eq") {
      match = PostPolicy::Match::kEq;
    } else if (op == "starts-with") {
      match = PostPolicy::Match::kStartsWith;
    } else {
      return invalid("Invalid condition: unknown operation " + c[0].get<std::string>() + ".");
    }
    if (!c[1].is_string() || !c[1].get_ref<const std::string&>().starts_with("$")) {
      return invalid("Invalid condition: field must start with '$'.");
    }
    auto value = ConditionValue(c[2]);
    if (!value) return invalid("Invalid condition value.");
    policy.conditions.push_back({match, Lower(c[1].get<std::string>().substr(1)), *value});
  }
  return policy;
}

boost::system::error_code CheckPostPolicy(const PostPolicy& policy, const PostForm& form,
                                          std::string_view bucket,
                                          std::chrono::system_clock::time_point now,
                                          std::string* message) {
  const auto denied = [message](std::string text) {
    return Error(S3Errc::kAccessDenied, message, "Invalid according to Policy: " + text);
  };
  if (policy.expiration <= now) return denied("Policy expired.");
  std::vector<std::string> covered;
  for (const auto& c : policy.conditions) {
    std::string actual;
    if (c.field == "bucket") {
      actual = std::string(bucket);
    } else {
      auto it = form.fields.find(c.field);
      if (it != form.fields.end()) actual = it->second;
      covered.push_back(c.field);
    }
    const bool ok = c.match == PostPolicy::Match::kEq
                        ? actual == c.value
                        : std::string_view(actual).starts_with(c.value);
    if (!ok) {
      return denied("Policy Condition failed: [\"" +
                    std::string(c.match == PostPolicy::Match::kEq ? "eq" : "starts-with") +
                    "\", \"$" + c.field + "\", \"" + c.value + "\"]");
    }
  }
  std::string extra;
  for (const std::string& name : form.order) {
    if (ExemptField(name) || name == "bucket") continue;
    if (std::find(covered.begin(), covered.end(), name) != covered.end()) continue;
    extra += extra.empty() ? name : ", " + name;
  }
  if (!extra.empty()) return denied("Extra input fields: " + extra);
  return {};
}

Result<PostCredentials> ReadPostCredentials(const PostForm& form, std::string_view region,
                                            std::string* message) {
  const auto field = [&form](const char* name) -> const std::string* {
    auto it = form.fields.find(name);
    return it == form.fields.end() ? nullptr : &it->second;
  };
  const auto invalid = [message](std::string text) {
    return Error(S3Errc::kInvalidArgument, message, std::move(text));
  };
  PostCredentials creds;
  const std::string* v4_signature = field("x-amz-signature");
  const std::string* v2_signature = field("signature");
  const std::string* algorithm = field("x-amz-algorithm");
  const std::string* credential = field("x-amz-credential");
  const std::string* v2_key = field("awsaccesskeyid");
  if (!v4_signature && !v2_signature && !algorithm && !credential && !v2_key) return creds;
  if (!field("policy")) return invalid("Bucket POST must contain a field named 'policy'.");
  if (v4_signature || algorithm || credential) {
    if (!algorithm || *algorithm != sigv4::kAlgorithm) {
      return invalid("POST requires x-amz-algorithm AWS4-HMAC-SHA256.");
    }
    if (!credential) return invalid("Bucket POST must contain a field named 'x-amz-credential'.");
    if (!v4_signature) return invalid("Bucket POST must contain a field named 'x-amz-signature'.");
    if (!field("x-amz-date"))
      return invalid("Bucket POST must contain a field named 'x-amz-date'.");
    auto parsed = sigv4::ParseCredential(*credential);
    if (!parsed || parsed->service != "s3" || parsed->terminator != "aws4_request") {
      return invalid("Invalid x-amz-credential.");
    }
    if (parsed->region != region) {
      return Error(S3Errc::kAuthorizationQueryParametersError, message,
                   "Error parsing the X-Amz-Credential parameter; the region '" + parsed->region +
                       "' is wrong; expecting '" + std::string(region) + "'");
    }
    // The signing key is derived for the credential's day: a form dated another day was not
    // signed as it claims (AWS refuses such forms too).
    const std::string& amz_date = *field("x-amz-date");
    if (!ParseAmzDate(amz_date) || amz_date.substr(0, 8) != parsed->date) {
      return invalid("X-Amz-Date must be a date of the form YYYYMMDDTHHMMSSZ on the day of " +
                     std::string("the x-amz-credential scope (") + parsed->date + ").");
    }
    creds.kind = PostCredentials::Kind::kV4;
    creds.access_key = parsed->access_key;
    creds.date = parsed->date;
    creds.region = parsed->region;
    creds.signature = Lower(*v4_signature);
    return creds;
  }
  if (!v2_key) return invalid("Bucket POST must contain a field named 'AWSAccessKeyId'.");
  if (!v2_signature) return invalid("Bucket POST must contain a field named 'signature'.");
  creds.kind = PostCredentials::Kind::kV2;
  creds.access_key = *v2_key;
  creds.signature = *v2_signature;
  return creds;
}

bool PostSignatureMatches(const PostCredentials& creds, std::string_view secret,
                          std::string_view policy_base64) {
  switch (creds.kind) {
    case PostCredentials::Kind::kV4: {
      std::string key = sigv4::DeriveSigningKey(secret, creds.date, creds.region, "s3");
      return ConstantTimeEquals(HexLower(HmacSha256(key, policy_base64)), creds.signature);
    }
    case PostCredentials::Kind::kV2:
      return ConstantTimeEquals(storage::Base64Encode(HmacSha1(secret, policy_base64)),
                                creds.signature);
    case PostCredentials::Kind::kNone:
      break;
  }
  return false;
}

std::string PostObjectKey(const PostForm& form) {
  auto it = form.fields.find("key");
  if (it == form.fields.end()) return {};
  std::string key = it->second;
  constexpr std::string_view kVar = "${filename}";
  size_t at = key.find(kVar);
  if (at != std::string::npos) key.replace(at, kVar.size(), form.filename);
  return key;
}

Result<size_t> LengthRangeSource::Read(std::span<std::byte> out) {
  auto n = in_.Read(out);
  if (!n) return n;
  size_ += *n;
  if (size_ > max_) return make_error_code(S3Errc::kEntityTooLarge);
  if (*n == 0 && size_ < min_) return make_error_code(S3Errc::kEntityTooSmall);
  return n;
}

}  // namespace strata::api
