#include "api/list_handlers.h"

#include <algorithm>
#include <charconv>

#include "api/request_headers.h"
#include "api/xml.h"
#include "erasure/utc_time.h"
#include "storage/checksum.h"

namespace strata::api {
namespace {

// A key, prefix or marker as the request asked for it: URL-encoded with encoding-type=url (RFC
// 3986 encoding with '/' kept, which every SDK's decoder, including botocore's unquote_plus,
// reverses exactly; '+' and ' ' are both percent-encoded), in `scratch`. Without it (the usual
// case) the text itself, escaped by the caller straight from the view: no copy per key.
std::string_view MaybeEncoded(const ListRequest& request, std::string_view text,
                              std::string& scratch) {
  if (!request.url_encoding) return text;
  scratch = UriEncode(text, /*encode_slash=*/false);
  return scratch;
}

// <name>text</name>, the text encoded as the request asked.
void MaybeEncodedElement(XmlWriter& xml, const ListRequest& request, std::string_view name,
                         std::string_view text) {
  std::string scratch;
  xml.Element(name, MaybeEncoded(request, text, scratch));
}

// Bytes of one <Contents> entry besides its key and owner: a little more than it takes.
constexpr size_t kContentsOverhead = 224;

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

ListPageWriter::ListPageWriter(std::string bucket, ListRequest request, const OwnerInfo& owner)
    : bucket_(std::move(bucket)), request_(std::move(request)) {
  if (!request_.v2 || request_.fetch_owner) {
    owner_xml_ = "<Owner><ID>";
    AppendXmlEscaped(owner_xml_, owner.id);
    owner_xml_ += "</ID><DisplayName>";
    AppendXmlEscaped(owner_xml_, owner.display_name);
    owner_xml_ += "</DisplayName></Owner>";
  }
}

void ListPageWriter::AppendMaybeEncoded(std::string& out, std::string_view text) const {
  std::string scratch;
  AppendXmlEscaped(out, MaybeEncoded(request_, text, scratch));
}

void ListPageWriter::Object(const storage::ListedObject& object) {
  if (contents_.empty()) {
    // Room for the whole page at once, guessed from its first key: growing a few hundred KiB
    // by doubling copied it several times.
    contents_.reserve(std::max<size_t>(request_.max_keys, 1) *
                      (kContentsOverhead + owner_xml_.size() + 2 * object.key.size()));
  }
  ++entries_;
  contents_ += "<Contents><Key>";
  AppendMaybeEncoded(contents_, object.key);
  contents_ += "</Key><LastModified>";
  erasure::AppendIso8601Millis(contents_, object.last_modified);
  // The quotes are part of the ETag's text (escaped like the rest), not of the markup.
  contents_ += "</LastModified><ETag>&quot;";
  AppendXmlEscaped(contents_, object.etag);
  contents_ += "&quot;</ETag><Size>";
  char digits[20];  // 2^64 - 1 has 20 digits
  contents_.append(digits, std::to_chars(digits, digits + sizeof(digits), object.size).ptr);
  contents_ += "</Size>";
  contents_ += owner_xml_;
  contents_ += "<StorageClass>";
  AppendXmlEscaped(contents_, object.storage_class.empty() ? std::string_view("STANDARD")
                                                           : object.storage_class);
  contents_ += "</StorageClass></Contents>";
}

void ListPageWriter::CommonPrefix(std::string_view prefix) {
  ++entries_;
  common_prefixes_ += "<CommonPrefixes><Prefix>";
  AppendMaybeEncoded(common_prefixes_, prefix);
  common_prefixes_ += "</Prefix></CommonPrefixes>";
}

std::string ListPageWriter::Finish(const storage::ListPageEnd& end) {
  XmlWriter xml;
  xml.Reserve(512 + bucket_.size() + 3 * request_.prefix.size() + 4 * end.next_marker.size() +
              contents_.size() + common_prefixes_.size());
  xml.Open("ListBucketResult", kS3XmlNamespace);
  xml.Element("Name", bucket_);
  MaybeEncodedElement(xml, request_, "Prefix", request_.prefix);
  if (request_.v2) {
    if (request_.continuation_token) {
      xml.Element("ContinuationToken", *request_.continuation_token);
    }
    if (end.truncated && !end.next_marker.empty()) {
      xml.Element("NextContinuationToken", EncodeContinuationToken(end.next_marker));
    }
    if (!request_.start_after.empty()) {
      MaybeEncodedElement(xml, request_, "StartAfter", request_.start_after);
    }
    xml.NumberElement("KeyCount", entries_);
  } else {
    MaybeEncodedElement(xml, request_, "Marker", request_.marker);
    // AWS sends NextMarker only with a delimiter; without one, clients continue from the last
    // key of the page.
    if (end.truncated && !request_.delimiter.empty() && !end.next_marker.empty()) {
      MaybeEncodedElement(xml, request_, "NextMarker", end.next_marker);
    }
  }
  xml.NumberElement("MaxKeys", request_.max_keys);
  if (!request_.delimiter.empty()) {
    MaybeEncodedElement(xml, request_, "Delimiter", request_.delimiter);
  }
  if (request_.url_encoding) xml.Element("EncodingType", "url");
  xml.BoolElement("IsTruncated", end.truncated);
  xml.Raw(contents_).Raw(common_prefixes_);
  xml.Close("ListBucketResult");
  return xml.Finish();
}

std::string RenderListResult(const std::string& bucket, const ListRequest& request,
                             const storage::ListResult& page, const OwnerInfo& owner) {
  ListPageWriter writer(bucket, request, owner);
  for (const storage::ObjectInfo& object : page.objects) {
    writer.Object(storage::ListedObject{.key = object.key,
                                        .version_id = object.version_id,
                                        .etag = object.etag,
                                        .storage_class = object.storage_class,
                                        .size = object.size,
                                        .last_modified = object.last_modified,
                                        .tag_count = object.tag_count});
  }
  for (const std::string& prefix : page.common_prefixes) writer.CommonPrefix(prefix);
  return writer.Finish(page);
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
  ListPageWriter writer(ctx.route.bucket, std::move(*request), RootOwner(ctx.config));
  auto end = ctx.store.ListInto(ctx.route.bucket, options, writer);
  if (!end) return end.error();

  Response response;
  response.header.result(http::status::ok);
  response.header.set(http::field::content_type, "application/xml");
  response.body = writer.Finish(*end);
  return response;
}

}  // namespace strata::api
