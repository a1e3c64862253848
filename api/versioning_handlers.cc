#include <cstdint>

#include "api/governance_handlers.h"
#include "api/governance_xml.h"
#include "api/http_date.h"
#include "api/list_handlers.h"
#include "api/request_headers.h"
#include "api/upload_body.h"
#include "api/uri.h"
#include "api/xml.h"
#include "storage/body_source.h"

namespace strata::api {

Result<std::string> ReadGovernanceBody(HandlerContext& ctx, bool integrity_required,
                                       size_t max_bytes) {
  if (ctx.body == nullptr) return make_error_code(S3Errc::kMalformedXML);
  auto spec = ReadDigestSpec(ctx);
  if (!spec) return spec.error();
  if (integrity_required && !HasIntegrityDigest(*spec)) {
    return Fail(ctx, S3Errc::kInvalidRequest,
                "Missing required header for this request: Content-MD5")
        .error();
  }
  std::unique_ptr<storage::BodySource> body = storage::NewDigestingSource(*ctx.body, *spec);
  auto xml = ReadXmlBody(*body, max_bytes);
  if (!xml) return xml.error();
  if (auto digests = body->Finish(); !digests) return digests.error();
  return xml;
}

Response GovernanceXml(std::string xml, http::status status) {
  Response response;
  response.header.result(status);
  response.header.set(http::field::content_type, "application/xml");
  response.body = std::move(xml);
  return response;
}

HandlerResult PutBucketVersioning(HandlerContext& ctx) {
  auto xml = ReadGovernanceBody(ctx);
  if (!xml) return xml.error();
  auto request = ParseVersioningConfiguration(*xml);
  if (!request) return request.error();
  if (request->mfa_delete) {
    return Fail(ctx, S3Errc::kNotImplemented, "MFA Delete is not implemented.");
  }
  if (!request->status) {
    // No Status: nothing changes, but the bucket must exist.
    if (auto bucket = ctx.store.GetBucket(ctx.route.bucket); !bucket) return bucket.error();
  } else if (auto ec = ctx.store.SetBucketVersioning(ctx.route.bucket, *request->status)) {
    if (ToS3Error(ec) == S3Errc::kInvalidBucketState) {
      return Fail(ctx, S3Errc::kInvalidBucketState,
                  "An Object Lock configuration is present on this bucket, so the versioning "
                  "state cannot be changed.");
    }
    return ec;
  }
  Response response;
  response.header.result(http::status::ok);
  return response;
}

HandlerResult GetBucketVersioning(HandlerContext& ctx) {
  auto state = ctx.store.GetBucketVersioning(ctx.route.bucket);
  if (!state) return state.error();
  XmlWriter xml;
  xml.Open("VersioningConfiguration", kS3XmlNamespace);
  if (*state == storage::VersioningState::kEnabled) xml.Element("Status", "Enabled");
  if (*state == storage::VersioningState::kSuspended) xml.Element("Status", "Suspended");
  xml.Close("VersioningConfiguration");
  return GovernanceXml(xml.Finish());
}

HandlerResult ListObjectVersions(HandlerContext& ctx) {
  storage::ListVersionsOptions options;
  options.prefix = ctx.target.Query("prefix").value_or("");
  options.delimiter = ctx.target.Query("delimiter").value_or("");
  options.key_marker = ctx.target.Query("key-marker").value_or("");
  options.version_id_marker = ctx.target.Query("version-id-marker").value_or("");
  if (!options.version_id_marker.empty() && options.key_marker.empty()) {
    return Fail(ctx, S3Errc::kInvalidArgument,
                "A version-id marker cannot be specified without a key marker.");
  }
  if (auto text = ctx.target.Query("max-keys")) {
    auto value = ParseDecimal(*text);
    if (!value)
      return Fail(ctx, S3Errc::kInvalidArgument,
                  "Provided max-keys not an integer or within integer range");
    options.max_keys = static_cast<uint32_t>(std::min<uint64_t>(*value, kMaxListKeys));
  }
  bool url = false;
  if (auto encoding = ctx.target.Query("encoding-type")) {
    if (*encoding != "url")
      return Fail(ctx, S3Errc::kInvalidArgument, "Invalid Encoding Method specified in Request");
    url = true;
  }
  auto page = ctx.store.ListObjectVersions(ctx.route.bucket, options);
  if (!page) return page.error();

  auto encode = [url](std::string_view text) {
    return url ? UriEncode(text, /*encode_slash=*/false) : std::string(text);
  };
  const OwnerInfo owner = RootOwner(ctx.config);
  XmlWriter xml;
  xml.Open("ListVersionsResult", kS3XmlNamespace)
      .Element("Name", ctx.route.bucket)
      .Element("Prefix", encode(options.prefix))
      .Element("KeyMarker", encode(options.key_marker))
      .Element("VersionIdMarker", options.version_id_marker);
  if (page->truncated) {
    xml.Element("NextKeyMarker", encode(page->next_key_marker));
    xml.Element("NextVersionIdMarker", page->next_version_id_marker);
  }
  xml.NumberElement("MaxKeys", options.max_keys);
  if (!options.delimiter.empty()) xml.Element("Delimiter", encode(options.delimiter));
  if (url) xml.Element("EncodingType", "url");
  xml.BoolElement("IsTruncated", page->truncated);
  for (const storage::ObjectInfo& v : page->versions) {
    const char* element = v.delete_marker ? "DeleteMarker" : "Version";
    xml.Open(element)
        .Element("Key", encode(v.key))
        .Element("VersionId", v.version_id)
        .BoolElement("IsLatest", v.is_latest)
        .Element("LastModified", FormatIso8601(v.last_modified));
    if (!v.delete_marker) {
      xml.Element("ETag", QuotedEtag(v.etag))
          .NumberElement("Size", v.size)
          .Element("StorageClass", v.storage_class.empty() ? "STANDARD" : v.storage_class);
    }
    xml.Open("Owner")
        .Element("ID", owner.id)
        .Element("DisplayName", owner.display_name)
        .Close("Owner")
        .Close(element);
  }
  for (const std::string& prefix : page->common_prefixes) {
    xml.Open("CommonPrefixes").Element("Prefix", encode(prefix)).Close("CommonPrefixes");
  }
  xml.Close("ListVersionsResult");
  return GovernanceXml(xml.Finish());
}

}  // namespace strata::api
