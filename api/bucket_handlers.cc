#include "api/bucket_handlers.h"

#include <pugixml.hpp>

#include "api/bucket_name.h"
#include "api/http_date.h"
#include "api/request_headers.h"
#include "api/xml.h"
#include "storage/checksum.h"

namespace strata::api {
namespace {

Response Empty(http::status status) {
  Response response;
  response.header.result(status);
  return response;
}

Response XmlDocument(std::string xml) {
  Response response;
  response.header.result(http::status::ok);
  response.header.set(http::field::content_type, "application/xml");
  response.body = std::move(xml);
  return response;
}

}  // namespace

OwnerInfo RootOwner(const ApiConfig& config) {
  return {storage::HexEncode(storage::Sha256("strata-owner:" + config.root.access_key)),
          config.root.access_key};
}

Result<std::string> ParseLocationConstraint(std::string_view xml) {
  pugi::xml_document doc;
  // parse_default without DOCTYPE processing: pugixml never expands external entities, and an
  // in-memory parse of a <= 64 KiB buffer is bounded.
  pugi::xml_parse_result parsed = doc.load_buffer(xml.data(), xml.size(), pugi::parse_default);
  if (!parsed) return make_error_code(S3Errc::kMalformedXML);
  pugi::xml_node root = doc.document_element();
  if (!root || XmlLocalName(root.name()) != "CreateBucketConfiguration") {
    return make_error_code(S3Errc::kMalformedXML);
  }
  for (pugi::xml_node child : root.children()) {
    if (child.type() == pugi::node_element && XmlLocalName(child.name()) == "LocationConstraint") {
      return std::string(child.text().get());
    }
  }
  return std::string();
}

HandlerResult CreateBucket(HandlerContext& ctx) {
  const std::string& bucket = ctx.route.bucket;
  if (!IsValidBucketName(bucket)) return Fail(ctx, S3Errc::kInvalidBucketName);

  std::string constraint;
  if (ctx.body != nullptr) {
    auto xml = ReadXmlBody(*ctx.body, kMaxBucketConfigurationBytes);
    if (!xml) return xml.error();
    // Some SDKs send an empty body, or only whitespace, when no configuration is given.
    if (xml->find_first_not_of(" \t\r\n") != std::string::npos) {
      auto parsed = ParseLocationConstraint(*xml);
      if (!parsed) return parsed.error();
      constraint = std::move(*parsed);
    }
  }
  const std::string& region = ctx.config.region;
  // The endpoint serves one region. An absent or empty constraint means that region (MinIO
  // behaves so; AWS regional endpoints insist on the constraint), and "us-east-1" is accepted
  // for a us-east-1 endpoint even though AWS wants it omitted there.
  if (!constraint.empty() && constraint != region) {
    return Fail(ctx, S3Errc::kIllegalLocationConstraintException,
                "The " + constraint +
                    " location constraint is incompatible for the region specific endpoint this "
                    "request was sent to.");
  }
  const std::string stored_region = region == "us-east-1" ? std::string() : region;
  storage::CreateBucketOptions options;
  if (auto lock = HeaderValue(ctx.request, "x-amz-bucket-object-lock-enabled")) {
    std::string value = AsciiLower(TrimSpaces(*lock));
    if (value != "true" && value != "false") {
      return Fail(ctx, S3Errc::kInvalidArgument,
                  "x-amz-bucket-object-lock-enabled must be either true or false");
    }
    options.object_lock_enabled = value == "true";
  }
  boost::system::error_code ec =
      options.object_lock_enabled
          ? ctx.store.CreateBucketWithOptions(bucket, stored_region, options)
          : ctx.store.CreateBucket(bucket, stored_region);
  if (ec && ToS3Error(ec) == S3Errc::kBucketAlreadyOwnedByYou && region == "us-east-1") {
    // AWS us-east-1 legacy: re-creating a bucket you own there succeeds.
    ec = {};
  }
  if (ec) return ec;
  Response response = Empty(http::status::ok);
  response.header.set(http::field::location, "/" + bucket);
  return response;
}

HandlerResult HeadBucket(HandlerContext& ctx) {
  auto info = ctx.store.GetBucket(ctx.route.bucket);
  if (!info) return info.error();
  Response response = Empty(http::status::ok);
  response.header.set("x-amz-bucket-region", BucketRegion(*info));
  return response;
}

HandlerResult DeleteBucket(HandlerContext& ctx) {
  if (boost::system::error_code ec = ctx.store.DeleteBucket(ctx.route.bucket)) return ec;
  return Empty(http::status::no_content);
}

HandlerResult ListBuckets(HandlerContext& ctx) {
  auto buckets = ctx.store.ListBuckets();
  if (!buckets) return buckets.error();
  OwnerInfo owner = RootOwner(ctx.config);
  XmlWriter xml;
  xml.Open("ListAllMyBucketsResult", kS3XmlNamespace);
  xml.Open("Owner").Element("ID", owner.id).Element("DisplayName", owner.display_name);
  xml.Close("Owner");
  xml.Open("Buckets");
  for (const storage::BucketInfo& b : *buckets) {
    xml.Open("Bucket")
        .Element("Name", b.name)
        .Element("CreationDate", FormatIso8601(b.created))
        .Element("BucketRegion", BucketRegion(b))
        .Close("Bucket");
  }
  xml.Close("Buckets");
  xml.Close("ListAllMyBucketsResult");
  return XmlDocument(xml.Finish());
}

HandlerResult GetBucketLocation(HandlerContext& ctx) {
  auto info = ctx.store.GetBucket(ctx.route.bucket);
  if (!info) return info.error();
  // us-east-1 is reported as an empty constraint, as AWS does.
  XmlWriter xml;
  xml.Open("LocationConstraint", kS3XmlNamespace)
      .Text(info->region == "us-east-1" ? std::string() : info->region)
      .Close("LocationConstraint");
  return XmlDocument(xml.Finish());
}

}  // namespace strata::api
