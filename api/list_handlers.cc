#include "api/list_handlers.h"

#include "api/http_date.h"
#include "api/request_headers.h"
#include "api/xml.h"
#include "storage/checksum.h"

namespace strata::api {
namespace {

// <name>text</name>, the text URL-encoded when the request asked (encoding-type=url: RFC 3986
// encoding with '/' kept, which every SDK's decoder, including botocore's unquote_plus,
// reverses exactly; '+' and ' ' are both percent-encoded). Without it (the usual case) the
// text is escaped straight from the view: no copy per key.
void MaybeEncodedElement(XmlWriter& xml, const ListRequest& request, std::string_view name,
                         std::string_view text) {
  if (request.url_encoding) {
    xml.Element(name, UriEncode(text, /*encode_slash=*/false));
  } else {
    xml.Element(name, text);
  }
}

// Bytes of one <Contents> entry besides its key (and, when asked, the owner's ID and name): a
// little over this; reserving the page once keeps it from being copied as it grows.
constexpr size_t kContentsOverhead = 224;
constexpr size_t kOwnerOverhead = 64;

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
  MaybeEncodedElement(xml, request, "Prefix", request.prefix);
  if (request.v2) {
    if (request.continuation_token) {
      xml.Element("ContinuationToken", *request.continuation_token);
    }
    if (page.truncated && !page.next_marker.empty()) {
      xml.Element("NextContinuationToken", EncodeContinuationToken(page.next_marker));
    }
    if (!request.start_after.empty()) {
      MaybeEncodedElement(xml, request, "StartAfter", request.start_after);
    }
    xml.NumberElement("KeyCount", page.objects.size() + page.common_prefixes.size());
  } else {
    MaybeEncodedElement(xml, request, "Marker", request.marker);
    // AWS sends NextMarker only with a delimiter; without one, clients continue from the last
    // key of the page.
    if (page.truncated && !request.delimiter.empty() && !page.next_marker.empty()) {
      MaybeEncodedElement(xml, request, "NextMarker", page.next_marker);
    }
  }
  xml.NumberElement("MaxKeys", request.max_keys);
  if (!request.delimiter.empty()) {
    MaybeEncodedElement(xml, request, "Delimiter", request.delimiter);
  }
  if (request.url_encoding) xml.Element("EncodingType", "url");
  xml.BoolElement("IsTruncated", page.truncated);
  const bool with_owner = !request.v2 || request.fetch_owner;
  size_t estimate = 0;
  const size_t per_object =
      kContentsOverhead +
      (with_owner ? kOwnerOverhead + owner.id.size() + owner.display_name.size() : 0);
  for (const storage::ObjectInfo& object : page.objects) estimate += per_object + object.key.size();
  for (const std::string& prefix : page.common_prefixes) estimate += 48 + prefix.size();
  xml.Reserve(estimate);
  for (const storage::ObjectInfo& object : page.objects) {
    xml.Open("Contents");
    MaybeEncodedElement(xml, request, "Key", object.key);
    xml.Element("LastModified", FormatIso8601(object.last_modified));
    // The quotes are part of the ETag's text (escaped like the rest), not of the markup.
    xml.Open("ETag").Text("\"").Text(object.etag).Text("\"").Close("ETag");
    xml.NumberElement("Size", object.size);
    if (with_owner) {
      xml.Open("Owner").Element("ID", owner.id).Element("DisplayName", owner.display_name);
      xml.Close("Owner");
    }
    xml.Element("StorageClass", object.storage_class.empty()
                                    ? std::string_view("STANDARD")
                                    : std::string_view(object.storage_class));
    xml.Close("Contents");
  }
  for (const std::string& prefix : page.common_prefixes) {
    xml.Open("CommonPrefixes");
    MaybeEncodedElement(xml, request, "Prefix", prefix);
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
