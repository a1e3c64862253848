// The pieces of SigV4 that both sides compute: credential scopes, the Authorization header
// grammar, canonical requests, strings to sign and the signing-key chain. Pure functions; every
// one is thread-safe. VerifySigV4 (sigv4.h) and the signing helpers (sigv4_sign.h) are built on
// these; tests use them directly.
#pragma once

#include <boost/beast/http/message.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/s3_errors.h"

namespace strata::api::sigv4 {

inline constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
inline constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";
inline constexpr std::string_view kStreamingSigned = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
inline constexpr std::string_view kStreamingSignedTrailer =
    "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER";
inline constexpr std::string_view kStreamingUnsignedTrailer = "STREAMING-UNSIGNED-PAYLOAD-TRAILER";
// hex(SHA-256("")), the "previous hash" slot of every chunk string to sign.
inline constexpr std::string_view kEmptySha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

// "AKIDEXAMPLE/20130524/us-east-1/s3/aws4_request".
struct Credential {
  std::string access_key;
  std::string date;  // yyyymmdd
  std::string region;
  std::string service;
  std::string terminator;
  // "20130524/us-east-1/s3/aws4_request".
  std::string Scope() const;
};

// Splits from the right, so an access key containing '/' still parses. nullopt unless there are
// five non-empty parts and the date is 8 digits.
std::optional<Credential> ParseCredential(std::string_view text);

// "host;range;x-amz-date" -> names. nullopt for empty names, upper case, characters that are
// not header-name characters, or more than 256 names.
std::optional<std::vector<std::string>> ParseSignedHeaders(std::string_view text);

struct AuthorizationFields {
  Credential credential;
  std::string signed_headers;  // as sent, e.g. "host;x-amz-date"
  std::vector<std::string> signed_header_names;
  std::string signature;  // lower-case hex, 64 characters
};

// Parses an Authorization header value that starts with "AWS4-HMAC-SHA256". Like S3 it accepts
// the three fields separated by commas and/or spaces, in any order. Errors:
// AuthorizationHeaderMalformed (with *message set when a more specific text applies).
Result<AuthorizationFields> ParseAuthorization(std::string_view value, std::string* message);

// Trims leading/trailing spaces and tabs and collapses inner runs of them to one space.
std::string CanonicalHeaderValue(std::string_view value);

// "name:value\n" for each signed header name, values of repeated fields joined by ','. A signed
// header that is absent contributes an empty value.
std::string CanonicalHeaders(const boost::beast::http::request_header<>& request,
                             const std::vector<std::string>& signed_header_names);

// The canonical query string from the raw query as sent: pairs split on '&' and the first '=',
// decoded (with '+' as space when plus_as_space), the pair named `exclude` dropped, each name
// and value UriEncoded, sorted by name then value, joined "n=v&n=v". nullopt on bad escapes.
std::optional<std::string> CanonicalQueryString(std::string_view raw_query, bool plus_as_space,
                                                std::string_view exclude = {});

std::string CanonicalRequest(std::string_view method, std::string_view canonical_uri,
                             std::string_view canonical_query, std::string_view canonical_headers,
                             std::string_view signed_headers, std::string_view payload_hash);

// "AWS4-HMAC-SHA256\n<amz_date>\n<scope>\n<hex sha256(canonical_request)>".
std::string StringToSign(std::string_view amz_date, std::string_view scope,
                         std::string_view canonical_request);

// kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request").
std::string DeriveSigningKey(std::string_view secret, std::string_view date,
                             std::string_view region, std::string_view service);

// Lower-case hex HMAC-SHA256(signing_key, string_to_sign).
std::string SignatureHex(std::string_view signing_key, std::string_view string_to_sign);

// "AWS4-HMAC-SHA256-PAYLOAD\n<date>\n<scope>\n<previous>\n<hex sha256("")>\n<chunk_sha256>".
std::string ChunkStringToSign(std::string_view amz_date, std::string_view scope,
                              std::string_view previous_signature,
                              std::string_view chunk_sha256_hex);

// "AWS4-HMAC-SHA256-TRAILER\n<date>\n<scope>\n<previous>\n<trailer_sha256>", where the trailer
// hash covers the trailing headers as "name:value\n" lines.
std::string TrailerStringToSign(std::string_view amz_date, std::string_view scope,
                                std::string_view previous_signature,
                                std::string_view trailer_sha256_hex);

}  // namespace strata::api::sigv4
