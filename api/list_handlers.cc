#include "api/list_handlers.h"

#include "api/http_date.h"
#include "api/request_headers.h"
#include "api/xml.h"
#include "storage/checksum.h"

namespace strata::api {
namespace {

// encoding-type=url: RFC 3986 encoding with '/' kept, which every SDK's decoder (including
// botocore's unquote_plus) reverses exactly; '+' and ' ' are both percent-encoded.
std::string MaybeEncode(const ListRequest& request, std::string_view text) {
  return request.url_encoding ? UriEncode(text, /*encode_slash=*/false) : std::string(text);
}

}  // namespace

std::string EncodeContinuationToken(std::string_view marker) {
  return storage::Base64Encode(marker);
}

std::optional<std::string> DecodeContinuationToken(std::string_view token) {
  auto marker = storage::Base64Decode(token);
  // We never issue a token for an empty marker, nor for one longer than a key.
  if (!marker || marker->empty() || marker->size() > 1024) return std::nullopt;
  return marker;
}

Result<ListRequest> ParseListRequest(const ParsedTarget& target, bool v2, std::string* message) {
  ListRequest request;
  request.v2 = v2;
  auto invalid = [&](std::string text) {
    *message = std::move(text);
    return make_error_code(S3Errc::kInvalidArgument);
  };
  request.prefix = target.Query("prefix").value_or("");
  request.delimiter = target.Query("delimiter").value_or("");
  if (auto max_keys = target.Query("max-keys")) {
    // Any non-negative integer is accepted (larger ones are capped); "10abc", "-1" and "" are
    // not, as AWS answers.
    std::optional<uint64_t> n = ParseDecimal(*max_keys);
    if (!n) {
      bool all_digits =
          !max_keys->empty() && max_keys->find_first_not_of("0123456789") == std::string::npos;
      if (!all_digits) {
        return invalid("Provided max-keys not an integer or within integer range");
      }
      n = kMaxListKeys;  // too many digits for 64 bits: still an integer, so capped
    }
    request.max_keys = *n > kMaxListKeys ? kMaxListKeys : static_cast<uint32_t>(*n);
  }
  if (auto encoding = target.Query("encoding-type")) {
    if (AsciiLower(*encoding) != "url") {
      return invalid("Invalid Encoding Method specified in Request");
    }
    request.url_encoding = true;
  }
  if (!v2) {
    request.marker = target.Query("marker").value_or("");
    request.resume_after = request.marker;
    return request;
  }
  request.start_after = target.Query("start-after").value_or("");
  request.fetch_owner = target.Query("fetch-owner") == "true";
  request.resume_after = request.start_after;
  if (auto token = target.Query("continuation-token"); token && !token->empty()) {
    auto marker = DecodeContinuationToken(*token);
    if (!marker) return invalid("The continuation token provided is incorrect");
    request.continuation_token = *token;
    // The token continues a listing; start-after only shaped its first page.
    if (*marker > request.resume_after) request.resume_after = *marker;
  }
  return request;
}

std::string RenderListResult(const std::string& bucket, const ListRequest& request,
                             const storage::ListResult& page, const OwnerInfo& owner) {
  XmlWriter xml;
  xml.Open("ListBucketResult", kS3XmlNamespace);
  xml.Element("Name", bucket);
  xml.Element("Prefix", MaybeEncode(request, request.prefix));
  if (request.v2) {
    if (request.continuation_token) {
      xml.Element("ContinuationToken", *request.continuation_token);
    }
    if (page.truncated && !page.next_marker.empty()) {
      xml.Element("NextContinuationToken", EncodeContinuationToken(page.next_marker));
    }
    if (!request.start_after.empty()) {
      xml.Element("StartAfter", MaybeEncode(request, request.start_after));
    }
    xml.NumberElement("KeyCount", page.objects.size() + page.common_prefixes.size());
  } else {
    xml.Element("Marker", MaybeEncode(request, request.marker));
    // AWS sends NextMarker only with a delimiter; without one, clients continue from the last
    // key of the page.
    if (page.truncated && !request.delimiter.empty() && !page.next_marker.empty()) {
      xml.Element("NextMarker", MaybeEncode(request, page.next_marker));
    }
  }
  xml.NumberElement("MaxKeys", request.max_keys);
  if (!request.delimiter.empty()) {
    xml.Element("Delimiter", MaybeEncode(request, request.delimiter));
  }
  if (request.url_encoding) xml.Element("EncodingType", "url");
  xml.BoolElement("IsTruncated", page.truncated);
  const bool with_owner = !request.v2 || request.fetch_owner;
  for (const storage::ObjectInfo& object : page.objects) {
    xml.Open("Contents");
    xml.Element("Key", MaybeEncode(request, object.key));
    xml.Element("LastModified", FormatIso8601(object.last_modified));
    xml.Element("ETag", "\"" + object.etag + "\"");
    xml.NumberElement("Size", object.size);
    if (with_owner) {
      xml.Open("Owner").Element("ID", owner.id).Element("DisplayName", owner.display_name);
      xml.Close("Owner");
    }
    xml.Element("StorageClass", object.storage_class.empty() ? "STANDARD" : object.storage_class);
    xml.Close("Contents");
  }
  for (const std::string& prefix : page.common_prefixes) {
    xml.Open("CommonPrefixes").Element("Prefix", MaybeEncode(request, prefix));
    xml.Close("CommonPrefixes");
  }
  xml.Close("ListBucketResult");
  return xml.Finish();
}

HandlerResult ListObjects(HandlerContext& ctx) {
  const bool v2 = ctx.route.operation == Operation::kListObjectsV2;
  std::string message;
  auto request = ParseListRequest(ctx.target, v2, &message);
  if (!request) return Fail(ctx, ToS3Error(request.error()), std::move(message));

  storage::ListOptions options;
  options.prefix = request->prefix;
  options.delimiter = request->delimiter;
  options.start_after = request->resume_after;
  options.max_keys = request->max_keys;
  auto page = ctx.store.List(ctx.route.bucket, options);
  if (!page) return page.error();

  Response response;
  response.header.result(http::status::ok);
  response.header.set(http::field::content_type, "application/xml");
  response.body = RenderListResult(ctx.route.bucket, *request, *page, RootOwner(ctx.config));
  return response;
}

}  // namespace strata::api
