#include "api/batch_delete.h"

#include <pugixml.hpp>

#include "api/authorize.h"
#include "api/object_handlers.h"
#include "api/request_headers.h"
#include "api/upload_body.h"
#include "api/version_headers.h"
#include "api/xml.h"
#include "storage/body_source.h"

namespace strata::api {

Result<DeleteRequest> ParseDeleteRequest(std::string_view xml) {
  auto malformed = [] { return make_error_code(S3Errc::kMalformedXML); };
  pugi::xml_document doc;
  // No DOCTYPE processing (no entity expansion); the caller bounds the buffer.
  if (!doc.load_buffer(xml.data(), xml.size(), pugi::parse_default)) return malformed();
  pugi::xml_node root = XmlSingleRoot(doc);
  if (!root || XmlLocalName(root.name()) != "Delete") return malformed();
  DeleteRequest request;
  for (pugi::xml_node node : root.children()) {
    if (node.type() != pugi::node_element) continue;
    std::string_view name = XmlLocalName(node.name());
    if (name == "Quiet") {
      std::string value = AsciiLower(TrimSpaces(node.text().get()));
      if (value != "true" && value != "false") return malformed();
      request.quiet = value == "true";
    } else if (name == "Object") {
      if (request.objects.size() == kMaxDeleteKeys) return malformed();
      DeleteEntry entry;
      bool has_key = false;
      for (pugi::xml_node field : node.children()) {
        if (field.type() != pugi::node_element) continue;
        std::string_view field_name = XmlLocalName(field.name());
        if (field_name == "Key") {
          // Keys are taken verbatim: spaces are part of a key.
          entry.key = field.text().get();
          has_key = true;
        } else if (field_name == "VersionId") {
          entry.version_id = TrimSpaces(field.text().get());
        }
      }
      if (!has_key) return malformed();
      request.objects.push_back(std::move(entry));
    }
  }
  if (request.objects.empty()) return malformed();
  return request;
}

HandlerResult DeleteObjects(HandlerContext& ctx) {
  // Content-MD5 and x-amz-checksum-* are verified when sent, never required: botocore stopped
  // sending Content-MD5 (it sends a CRC32 instead).
  auto spec = ReadDigestSpec(ctx);
  if (!spec) return spec.error();
  std::unique_ptr<storage::BodySource> body = storage::NewDigestingSource(*ctx.body, *spec);
  auto xml_body = ReadXmlBody(*body, kMaxDeleteBodyBytes);
  if (!xml_body) return xml_body.error();
  if (auto digests = body->Finish(); !digests) return digests.error();
  auto request = ParseDeleteRequest(*xml_body);
  if (!request) return request.error();
  // A missing bucket fails the whole request rather than each key.
  if (auto bucket = ctx.store.GetBucket(ctx.route.bucket); !bucket) return bucket.error();

  XmlWriter xml;
  xml.Open("DeleteResult", kS3XmlNamespace);
  auto bypass_header = HeaderValue(ctx.request, "x-amz-bypass-governance-retention");
  const bool bypass_asked = bypass_header && AsciiLower(TrimSpaces(*bypass_header)) == "true";
  const AccessChecker* access = ctx.auth.access.get();
  for (const DeleteEntry& entry : request->objects) {
    S3Errc error = S3Errc::kOk;
    storage::DeleteResult deleted;
    if (entry.key.empty() || entry.key.size() > kMaxKeyLength) {
      error = entry.key.empty() ? S3Errc::kInvalidArgument : S3Errc::kKeyTooLongError;
    } else if (access != nullptr &&
               !access->Allowed(
                   entry.version_id.empty() ? "s3:DeleteObject" : "s3:DeleteObjectVersion",
                   ctx.route.bucket, entry.key, entry.version_id)) {
      // Each key is authorized on its own (issue 7), as S3 does.
      error = S3Errc::kAccessDenied;
    } else {
      // The bypass needs s3:BypassGovernanceRetention, per key too (issue 7).
      const bool bypass =
          bypass_asked &&
          (access == nullptr || access->Allowed("s3:BypassGovernanceRetention", ctx.route.bucket,
                                                entry.key, entry.version_id));
      // A key (or well-formed version) that does not exist counts as deleted, as for
      // DeleteObject.
      storage::DeleteOptions options;
      options.version_id = entry.version_id;
      options.bypass_governance = bypass;
      auto result = ctx.store.DeleteObject(ctx.route.bucket, entry.key, options);
      if (result) {
        deleted = std::move(*result);
      } else {
        error = ToS3Error(result.error());
        // A malformed version id: DeleteObject says InvalidArgument, DeleteObjects (as AWS)
        // reports the key's version as NoSuchVersion.
        if (error == S3Errc::kInvalidArgument && !entry.version_id.empty()) {
          error = S3Errc::kNoSuchVersion;
        }
      }
    }
    if (error == S3Errc::kOk) {
      if (request->quiet) continue;
      xml.Open("Deleted").Element("Key", entry.key);
      if (!entry.version_id.empty()) xml.Element("VersionId", entry.version_id);
      if (deleted.delete_marker) {
        xml.BoolElement("DeleteMarker", true);
        if (!deleted.version_id.empty()) {
          xml.Element("DeleteMarkerVersionId", deleted.version_id);
        }
      }
      xml.Close("Deleted");
      continue;
    }
    const S3ErrorInfo& info = GetS3ErrorInfo(error);
    xml.Open("Error").Element("Key", entry.key);
    if (!entry.version_id.empty()) xml.Element("VersionId", entry.version_id);
    xml.Element("Code", info.code).Element("Message", info.message).Close("Error");
  }
  xml.Close("DeleteResult");
  Response response;
  response.header.result(http::status::ok);
  response.header.set(http::field::content_type, "application/xml");
  response.body = xml.Finish();
  return response;
}

}  // namespace strata::api
