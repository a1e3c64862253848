#include "api/multipart_handlers.h"

#include <pugixml.hpp>

#include "api/acl_request.h"
#include "api/http_date.h"
#include "api/object_handlers.h"
#include "api/object_headers.h"
#include "api/request_headers.h"
#include "api/sse_headers.h"
#include "api/upload_body.h"
#include "api/version_headers.h"
#include "api/xml.h"
#include "storage/body_source.h"

namespace strata::api {
namespace {

using storage::ChecksumAlgorithm;

constexpr uint32_t kMaxListParts = 1000;
constexpr uint32_t kMaxListUploads = 1000;

Response XmlDocument(std::string xml) {
  Response response;
  response.header.result(http::status::ok);
  response.header.set(http::field::content_type, "application/xml");
  response.body = std::move(xml);
  return response;
}

std::string LowerAlgorithmName(ChecksumAlgorithm a) {
  return AsciiLower(storage::ChecksumAlgorithmName(a));
}

// "ChecksumCRC32", ... : the XML element that carries a checksum of `a`.
std::string ChecksumElementName(ChecksumAlgorithm a) {
  return "Checksum" + std::string(storage::ChecksumAlgorithmName(a));
}

// A listing bound ("max-parts", "max-uploads"): any non-negative integer, capped at `cap`.
Result<uint32_t> ReadMaxCount(HandlerContext& ctx, std::string_view name, uint32_t cap) {
  auto text = ctx.target.Query(name);
  if (!text) return cap;
  std::optional<uint64_t> n = ParseDecimal(*text);
  if (!n) {
    return Fail(ctx, S3Errc::kInvalidArgument,
                "Provided " + std::string(name) + " not an integer or within integer range")
        .error();
  }
  return *n > cap ? cap : static_cast<uint32_t>(*n);
}

void AppendOwner(XmlWriter& xml, std::string_view element, const OwnerInfo& owner) {
  xml.Open(element).Element("ID", owner.id).Element("DisplayName", owner.display_name);
  xml.Close(element);
}

// Where the completed object lives, as S3 reports it (path style unless the request came
// virtual-hosted).
std::string ObjectLocation(HandlerContext& ctx) {
  std::string host(HeaderValue(ctx.request, "host").value_or("localhost"));
  std::string path = UriEncode(ctx.route.key, /*encode_slash=*/false);
  if (VirtualHostBucket(host, ctx.config.virtual_host_domains).empty()) {
    path = UriEncode(ctx.route.bucket, true) + "/" + path;
  }
  return "http://" + host + "/" + path;
}

}  // namespace

std::string MissingPartChecksumMessage(ChecksumAlgorithm algorithm, uint32_t part_number) {
  return "The upload was created using a " + LowerAlgorithmName(algorithm) +
         " checksum. The complete request must include the checksum for each part. It was "
         "missing for part " +
         std::to_string(part_number) + " in the request.";
}

Result<std::vector<storage::CompletedPart>> ParseCompleteMultipartUpload(
    std::string_view xml, ChecksumAlgorithm upload_algorithm, std::string* message) {
  message->clear();
  auto malformed = [] { return make_error_code(S3Errc::kMalformedXML); };
  pugi::xml_document doc;
  // No DOCTYPE processing: pugixml never expands external entities, and the caller bounds the
  // buffer, so parsing is bounded too.
  if (!doc.load_buffer(xml.data(), xml.size(), pugi::parse_default)) return malformed();
  pugi::xml_node root = XmlSingleRoot(doc);
  if (!root || XmlLocalName(root.name()) != "CompleteMultipartUpload") return malformed();

  const std::string checksum_element = upload_algorithm == ChecksumAlgorithm::kNone
                                           ? std::string()
                                           : ChecksumElementName(upload_algorithm);
  std::vector<storage::CompletedPart> parts;
  for (pugi::xml_node node : root.children()) {
    if (node.type() != pugi::node_element || XmlLocalName(node.name()) != "Part") continue;
    if (parts.size() == storage::kMaxPartNumber) return malformed();
    std::optional<std::string_view> number_text;
    std::optional<std::string_view> etag_text;
    std::optional<std::string_view> checksum_text;
    for (pugi::xml_node field : node.children()) {
      if (field.type() != pugi::node_element) continue;
      std::string_view name = XmlLocalName(field.name());
      if (name == "PartNumber") {
        number_text = field.text().get();
      } else if (name == "ETag") {
        etag_text = field.text().get();
      } else if (!checksum_element.empty() && name == checksum_element) {
        checksum_text = field.text().get();
      }
    }
    if (!number_text || !etag_text) return malformed();
    std::string_view number = TrimSpaces(*number_text);
    std::optional<uint64_t> n = ParseDecimal(number);
    if (!n) return malformed();
    if (*n < 1 || *n > storage::kMaxPartNumber) {
      *message = "Part number must be an integer between 1 and 10000, inclusive";
      return make_error_code(S3Errc::kInvalidArgument);
    }
    storage::CompletedPart part;
    part.part_number = static_cast<uint32_t>(*n);
    part.etag = std::string(UnquoteEtag(*etag_text));
    if (!checksum_element.empty()) {
      if (!checksum_text || TrimSpaces(*checksum_text).empty()) {
        *message = MissingPartChecksumMessage(upload_algorithm, part.part_number);
        return make_error_code(S3Errc::kInvalidRequest);
      }
      // A value that is not base64 cannot match the part's checksum: storage answers
      // InvalidPart for it, as for any other mismatch.
      std::string_view text = TrimSpaces(*checksum_text);
      part.checksum = storage::Base64Decode(text).value_or(std::string(text));
    }
    parts.push_back(std::move(part));
  }
  if (parts.empty()) return malformed();
  return parts;
}

Result<uint32_t> ReadPartNumber(HandlerContext& ctx) {
  std::optional<uint32_t> n = ParsePartNumber(ctx.target.Query("partNumber").value_or(""));
  if (!n) {
    return Fail(ctx, S3Errc::kInvalidArgument,
                "Part number must be an integer between 1 and 10000, inclusive")
        .error();
  }
  return *n;
}

Result<storage::UploadInfo> FindUpload(HandlerContext& ctx) {
  storage::ListPartsOptions options;
  options.max_parts = 1;
  auto listed = ctx.store.ListParts(ctx.route.bucket, ctx.route.key,
                                    ctx.target.Query("uploadId").value_or(""), options);
  if (!listed) return listed.error();
  return std::move(listed->upload);
}

HandlerResult CreateMultipartUpload(HandlerContext& ctx) {
  if (ctx.route.key.size() > kMaxKeyLength) return Fail(ctx, S3Errc::kKeyTooLongError);
  auto headers = ReadStoredHeaders(ctx);
  if (!headers) return headers.error();

  auto version = ReadVersionOptions(ctx);
  if (!version) return version.error();
  auto sse = ReadWriteSse(ctx);
  if (!sse) return sse.error();

  storage::MultipartOptions options;
  options.headers = std::move(*headers);
  options.version = std::move(*version);
  options.sse = sse->ToRequest();
  // The requested ACL (checked by Authorize) goes with the upload to the completed version.
  const GranteeDirectory directory = MakeRequestGranteeDirectory(ctx.config, ctx.request);
  auto acl = ReadRequestAcl(ctx.request, directory, /*bucket_level=*/false, &ctx.error_message);
  if (!acl) return acl.error();
  if (*acl) options.acl = EncodeAclRecord(**acl, directory.owner_id);
  if (auto storage_class = HeaderValue(ctx.request, "x-amz-storage-class")) {
    options.storage_class = std::string(TrimSpaces(*storage_class));
  }
  if (auto algorithm = HeaderValue(ctx.request, "x-amz-checksum-algorithm")) {
    auto a = storage::ParseChecksumAlgorithm(TrimSpaces(*algorithm));
    if (!a || *a == ChecksumAlgorithm::kNone) {
      return Fail(ctx, S3Errc::kInvalidRequest,
                  "Checksum algorithm provided is unsupported. Please try again with any of the "
                  "valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]");
    }
    options.checksum_algorithm = *a;
  }
  if (auto type = HeaderValue(ctx.request, "x-amz-checksum-type")) {
    std::string value = AsciiLower(TrimSpaces(*type));
    // Parts' checksums combine into a checksum of checksums; a full-object CRC of the
    // concatenation is not implemented.
    if (value == "full_object") {
      return Fail(ctx, S3Errc::kNotImplemented,
                  "Only the COMPOSITE checksum type is implemented for multipart uploads.");
    }
    if (value != "composite" || options.checksum_algorithm == ChecksumAlgorithm::kNone) {
      return Fail(ctx, S3Errc::kInvalidRequest, "Value for x-amz-checksum-type header is invalid.");
    }
  }

  auto upload = ctx.store.CreateMultipartUpload(ctx.route.bucket, ctx.route.key, options);
  if (!upload) return upload.error();

  XmlWriter xml;
  xml.Open("InitiateMultipartUploadResult", kS3XmlNamespace)
      .Element("Bucket", ctx.route.bucket)
      .Element("Key", ctx.route.key)
      .Element("UploadId", upload->upload_id)
      .Close("InitiateMultipartUploadResult");
  Response response = XmlDocument(xml.Finish());
  if (upload->checksum_algorithm != ChecksumAlgorithm::kNone) {
    response.header.set("x-amz-checksum-algorithm",
                        storage::ChecksumAlgorithmName(upload->checksum_algorithm));
    response.header.set("x-amz-checksum-type", "COMPOSITE");
  }
  SetSseResponseHeaders(response.header, sse->mode, sse->customer_key_md5);
  return response;
}

HandlerResult UploadPart(HandlerContext& ctx) {
  auto part_number = ReadPartNumber(ctx);
  if (!part_number) return part_number.error();
  if (boost::system::error_code ec = CheckUploadLength(ctx, storage::kMaxPartSize)) return ec;
  auto spec = ReadDigestSpec(ctx);
  if (!spec) return spec.error();
  // An SSE-C upload's key (issue 7), checked by storage against the upload's.
  auto sse = ReadSseCustomerKey(ctx);
  if (!sse) return sse.error();
  // Before a byte is read: the upload must exist, and fixes which checksum its parts carry.
  auto upload = FindUpload(ctx);
  if (!upload) return upload.error();
  const ChecksumAlgorithm expected = upload->checksum_algorithm;
  if (expected != ChecksumAlgorithm::kNone) {
    if (spec->algorithm == ChecksumAlgorithm::kNone) {
      // AWS computes the upload's checksum of a part sent without one.
      spec->algorithm = expected;
    } else if (spec->algorithm != expected) {
      return Fail(ctx, S3Errc::kInvalidRequest,
                  "Checksum Type mismatch occurred, expected checksum Type: " +
                      LowerAlgorithmName(expected) +
                      ", actual checksum Type: " + LowerAlgorithmName(spec->algorithm));
    }
  }

  std::unique_ptr<storage::BodySource> body = storage::NewDigestingSource(*ctx.body, *spec);
  auto part = ctx.store.UploadPart(ctx.route.bucket, ctx.route.key, upload->upload_id, *part_number,
                                   *body, storage::PartOptions{sse->customer_key});
  if (!part) return UploadPartSseError(ctx, part.error());

  Response response;
  response.header.result(http::status::ok);
  response.header.set(http::field::etag, QuotedEtag(part->etag));
  SetChecksumHeader(response.header, part->checksum);
  SetSseResponseHeaders(response.header, upload->sse, sse->customer_key_md5);
  return response;
}

HandlerResult CompleteMultipartUpload(HandlerContext& ctx) {
  auto upload = FindUpload(ctx);
  if (!upload) return upload.error();
  auto xml_body = ReadXmlBody(*ctx.body, kMaxCompleteBodyBytes);
  if (!xml_body) return xml_body.error();
  std::string message;
  auto parts = ParseCompleteMultipartUpload(*xml_body, upload->checksum_algorithm, &message);
  if (!parts) return Fail(ctx, ToS3Error(parts.error()), std::move(message));
  auto condition = ReadWriteCondition(ctx);
  if (!condition) return condition.error();

  // We answer only when the commit is done, so a failure is a plain error status (AWS, which
  // may answer 200 early to keep the connection alive, then puts the error in the body).
  auto info = ctx.store.CompleteMultipartUpload(ctx.route.bucket, ctx.route.key, upload->upload_id,
                                                *parts, *condition);
  if (!info) return WriteConditionError(ctx, info.error(), *condition);

  XmlWriter xml;
  xml.Open("CompleteMultipartUploadResult", kS3XmlNamespace)
      .Element("Location", ObjectLocation(ctx))
      .Element("Bucket", ctx.route.bucket)
      .Element("Key", ctx.route.key)
      .Element("ETag", QuotedEtag(info->etag));
  if (info->checksum.algorithm != ChecksumAlgorithm::kNone) {
    xml.Element(ChecksumElementName(info->checksum.algorithm),
                ChecksumText(info->checksum, info->parts.size()));
    xml.Element("ChecksumType", "COMPOSITE");
  }
  xml.Close("CompleteMultipartUploadResult");
  Response response = XmlDocument(xml.Finish());
  SetWrittenVersionHeader(response.header, *info);
  // SSE-C completions need no key (no data is read); the key's MD5 is echoed when sent.
  std::string key_md5;
  if (info->sse == storage::SseMode::kCustomer) {
    auto sse = ParseSseCustomerHeaders(ctx.request, kSseCustomerPrefix, nullptr);
    if (sse) key_md5 = sse->customer_key_md5;
  }
  SetSseResponseHeaders(response.header, info->sse, key_md5);
  return response;
}

HandlerResult AbortMultipartUpload(HandlerContext& ctx) {
  if (boost::system::error_code ec = ctx.store.AbortMultipartUpload(
          ctx.route.bucket, ctx.route.key, ctx.target.Query("uploadId").value_or(""))) {
    return ec;
  }
  Response response;
  response.header.result(http::status::no_content);
  return response;
}

HandlerResult ListParts(HandlerContext& ctx) {
  storage::ListPartsOptions options;
  auto max_parts = ReadMaxCount(ctx, "max-parts", kMaxListParts);
  if (!max_parts) return max_parts.error();
  options.max_parts = *max_parts;
  if (auto marker = ctx.target.Query("part-number-marker"); marker && !marker->empty()) {
    std::optional<uint64_t> n = ParseDecimal(*marker);
    if (!n) {
      return Fail(ctx, S3Errc::kInvalidArgument,
                  "Provided part-number-marker not an integer or within integer range");
    }
    options.part_number_marker =
        *n > storage::kMaxPartNumber ? storage::kMaxPartNumber : static_cast<uint32_t>(*n);
  }
  auto page = ctx.store.ListParts(ctx.route.bucket, ctx.route.key,
                                  ctx.target.Query("uploadId").value_or(""), options);
  if (!page) return page.error();

  const OwnerInfo owner = RootOwner(ctx.config);
  const storage::UploadInfo& upload = page->upload;
  XmlWriter xml;
  xml.Open("ListPartsResult", kS3XmlNamespace)
      .Element("Bucket", ctx.route.bucket)
      .Element("Key", ctx.route.key)
      .Element("UploadId", ctx.target.Query("uploadId").value_or(""));
  AppendOwner(xml, "Initiator", owner);
  AppendOwner(xml, "Owner", owner);
  xml.Element("StorageClass", upload.storage_class.empty() ? "STANDARD" : upload.storage_class);
  xml.NumberElement("PartNumberMarker", options.part_number_marker);
  uint32_t next_marker = page->next_part_number_marker;
  if (next_marker == 0 && !page->parts.empty()) next_marker = page->parts.back().part_number;
  xml.NumberElement("NextPartNumberMarker", next_marker);
  xml.NumberElement("MaxParts", options.max_parts);
  xml.BoolElement("IsTruncated", page->truncated);
  if (upload.checksum_algorithm != ChecksumAlgorithm::kNone) {
    xml.Element("ChecksumAlgorithm", storage::ChecksumAlgorithmName(upload.checksum_algorithm));
    xml.Element("ChecksumType", "COMPOSITE");
  }
  for (const storage::PartInfo& part : page->parts) {
    xml.Open("Part")
        .NumberElement("PartNumber", part.part_number)
        .Element("LastModified", FormatIso8601(part.last_modified))
        .Element("ETag", QuotedEtag(part.etag))
        .NumberElement("Size", part.size);
    if (part.checksum.algorithm != ChecksumAlgorithm::kNone) {
      xml.Element(ChecksumElementName(part.checksum.algorithm), ChecksumText(part.checksum));
    }
    xml.Close("Part");
  }
  xml.Close("ListPartsResult");
  return XmlDocument(xml.Finish());
}

HandlerResult ListMultipartUploads(HandlerContext& ctx) {
  storage::ListUploadsOptions options;
  options.prefix = ctx.target.Query("prefix").value_or("");
  options.delimiter = ctx.target.Query("delimiter").value_or("");
  options.key_marker = ctx.target.Query("key-marker").value_or("");
  // Without a key marker S3 ignores the upload id marker.
  if (!options.key_marker.empty()) {
    options.upload_id_marker = ctx.target.Query("upload-id-marker").value_or("");
  }
  auto max_uploads = ReadMaxCount(ctx, "max-uploads", kMaxListUploads);
  if (!max_uploads) return max_uploads.error();
  options.max_uploads = *max_uploads;
  bool url_encoding = false;
  if (auto encoding = ctx.target.Query("encoding-type")) {
    if (AsciiLower(*encoding) != "url") {
      return Fail(ctx, S3Errc::kInvalidArgument, "Invalid Encoding Method specified in Request");
    }
    url_encoding = true;
  }
  auto page = ctx.store.ListMultipartUploads(ctx.route.bucket, options);
  if (!page) return page.error();

  // encoding-type=url: keys, prefixes and markers percent-encoded as ListObjects does.
  auto encode = [url_encoding](std::string_view text) {
    return url_encoding ? UriEncode(text, /*encode_slash=*/false) : std::string(text);
  };
  const OwnerInfo owner = RootOwner(ctx.config);
  XmlWriter xml;
  xml.Open("ListMultipartUploadsResult", kS3XmlNamespace)
      .Element("Bucket", ctx.route.bucket)
      .Element("KeyMarker", encode(options.key_marker))
      .Element("UploadIdMarker", options.upload_id_marker);
  if (page->truncated) {
    xml.Element("NextKeyMarker", encode(page->next_key_marker))
        .Element("NextUploadIdMarker", page->next_upload_id_marker);
  }
  if (!options.delimiter.empty()) xml.Element("Delimiter", encode(options.delimiter));
  xml.Element("Prefix", encode(options.prefix));
  if (url_encoding) xml.Element("EncodingType", "url");
  xml.NumberElement("MaxUploads", options.max_uploads);
  xml.BoolElement("IsTruncated", page->truncated);
  for (const storage::UploadInfo& upload : page->uploads) {
    xml.Open("Upload").Element("Key", encode(upload.key)).Element("UploadId", upload.upload_id);
    AppendOwner(xml, "Initiator", owner);
    AppendOwner(xml, "Owner", owner);
    xml.Element("StorageClass", upload.storage_class.empty() ? "STANDARD" : upload.storage_class)
        .Element("Initiated", FormatIso8601(upload.initiated));
    if (upload.checksum_algorithm != ChecksumAlgorithm::kNone) {
      xml.Element("ChecksumAlgorithm", storage::ChecksumAlgorithmName(upload.checksum_algorithm));
      xml.Element("ChecksumType", "COMPOSITE");
    }
    xml.Close("Upload");
  }
  for (const std::string& prefix : page->common_prefixes) {
    xml.Open("CommonPrefixes").Element("Prefix", encode(prefix)).Close("CommonPrefixes");
  }
  xml.Close("ListMultipartUploadsResult");
  return XmlDocument(xml.Finish());
}

}  // namespace strata::api
