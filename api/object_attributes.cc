#include "api/object_attributes.h"

#include "api/http_date.h"
#include "api/object_headers.h"
#include "api/request_headers.h"
#include "api/sse_headers.h"
#include "api/version_headers.h"
#include "api/xml.h"
#include "storage/checksum.h"

namespace strata::api {
namespace {

using storage::ChecksumAlgorithm;

constexpr uint32_t kMaxAttributeParts = 1000;

std::string ChecksumElementName(ChecksumAlgorithm a) {
  return "Checksum" + std::string(storage::ChecksumAlgorithmName(a));
}

}  // namespace

Result<AttributeSelection> ParseObjectAttributes(const http::request_header<>& request,
                                                 std::string* message) {
  message->clear();
  AttributeSelection selection;
  bool any = false;
  auto [first, last] = request.equal_range("x-amz-object-attributes");
  for (auto it = first; it != last; ++it) {
    std::string_view list = it->value();
    while (true) {
      size_t comma = list.find(',');
      std::string_view name = TrimSpaces(list.substr(0, comma));
      if (!name.empty()) {
        any = true;
        if (name == "ETag") {
          selection.etag = true;
        } else if (name == "Checksum") {
          selection.checksum = true;
        } else if (name == "ObjectParts") {
          selection.object_parts = true;
        } else if (name == "StorageClass") {
          selection.storage_class = true;
        } else if (name == "ObjectSize") {
          selection.object_size = true;
        } else {
          *message = "Invalid attribute name specified.";
          return make_error_code(S3Errc::kInvalidArgument);
        }
      }
      if (comma == std::string_view::npos) break;
      list.remove_prefix(comma + 1);
    }
  }
  if (!any) {
    *message =
        "The x-amz-object-attributes header specifying the attributes to be retrieved is either "
        "missing or empty";
    return make_error_code(S3Errc::kInvalidRequest);
  }
  return selection;
}

HandlerResult GetObjectAttributes(HandlerContext& ctx) {
  std::string message;
  auto selection = ParseObjectAttributes(ctx.request, &message);
  if (!selection) return Fail(ctx, ToS3Error(selection.error()), std::move(message));
  uint32_t max_parts = kMaxAttributeParts;
  if (auto text = HeaderValue(ctx.request, "x-amz-max-parts")) {
    std::optional<uint64_t> n = ParseDecimal(TrimSpaces(*text));
    if (!n) return Fail(ctx, S3Errc::kInvalidArgument, "Invalid value for x-amz-max-parts.");
    max_parts = *n > kMaxAttributeParts ? kMaxAttributeParts : static_cast<uint32_t>(*n);
  }
  uint32_t marker = 0;
  if (auto text = HeaderValue(ctx.request, "x-amz-part-number-marker")) {
    std::optional<uint64_t> n = ParseDecimal(TrimSpaces(*text));
    if (!n) {
      return Fail(ctx, S3Errc::kInvalidArgument, "Invalid value for x-amz-part-number-marker.");
    }
    marker = *n > storage::kMaxPartNumber ? storage::kMaxPartNumber : static_cast<uint32_t>(*n);
  }

  // An SSE-C object's attributes need its key, as its GET does (issue 7).
  auto sse = ReadSseCustomerKey(ctx);
  if (!sse) return sse.error();
  const std::string version_id = RequestVersionId(ctx);
  auto info = ctx.store.HeadVersion(ctx.route.bucket, ctx.route.key, version_id);
  if (!info) return AddDeleteMarkerHeaders(ctx, info.error(), version_id);
  if (auto ec = storage::CheckSseCustomerKey(*info, sse->customer_key)) {
    return SseReadError(ctx, ec);
  }
  switch (EvaluatePreconditions(ReadPreconditions(ctx.request), info->etag, info->last_modified)) {
    case ConditionOutcome::kProceed:
      break;
    case ConditionOutcome::kPreconditionFailed:
      return Fail(ctx, S3Errc::kPreconditionFailed);
    case ConditionOutcome::kNotModified: {
      Response response;
      response.header.result(http::status::not_modified);
      SetValidators(response.header, *info);
      return response;
    }
  }

  XmlWriter xml;
  xml.Open("GetObjectAttributesResponse", kS3XmlNamespace);
  // The attributes document carries the ETag unquoted, unlike every other S3 document.
  if (selection->etag) xml.Element("ETag", info->etag);
  if (selection->checksum && info->checksum.algorithm != ChecksumAlgorithm::kNone) {
    xml.Open("Checksum")
        .Element(ChecksumElementName(info->checksum.algorithm), ChecksumText(info->checksum))
        .Element("ChecksumType", info->parts.empty() ? "FULL_OBJECT" : "COMPOSITE")
        .Close("Checksum");
  }
  if (selection->object_parts && !info->parts.empty()) {
    xml.Open("ObjectParts");
    xml.NumberElement("PartsCount", info->parts.size());
    xml.NumberElement("PartNumberMarker", marker);
    std::vector<const storage::PartSummary*> page;
    for (const storage::PartSummary& part : info->parts) {
      if (part.part_number <= marker) continue;
      if (page.size() == max_parts) break;
      page.push_back(&part);
    }
    const bool truncated =
        !info->parts.empty() && !page.empty() && page.back() != &info->parts.back();
    xml.NumberElement("NextPartNumberMarker", page.empty() ? marker : page.back()->part_number);
    xml.NumberElement("MaxParts", max_parts);
    xml.BoolElement("IsTruncated", truncated);
    for (const storage::PartSummary* part : page) {
      xml.Open("Part")
          .NumberElement("PartNumber", part->part_number)
          .NumberElement("Size", part->size);
      if (part->checksum.algorithm != ChecksumAlgorithm::kNone) {
        xml.Element(ChecksumElementName(part->checksum.algorithm), ChecksumText(part->checksum));
      }
      xml.Close("Part");
    }
    xml.Close("ObjectParts");
  }
  if (selection->storage_class) {
    xml.Element("StorageClass", info->storage_class.empty() ? "STANDARD" : info->storage_class);
  }
  if (selection->object_size) xml.NumberElement("ObjectSize", info->size);
  xml.Close("GetObjectAttributesResponse");

  Response response;
  response.header.result(http::status::ok);
  response.header.set(http::field::content_type, "application/xml");
  response.header.set(http::field::last_modified, FormatHttpDate(info->last_modified));
  SetVersionHeaders(ctx, response.header, *info);
  SetSseResponseHeaders(response.header, info->sse, sse->customer_key_md5);
  response.body = xml.Finish();
  return response;
}

}  // namespace strata::api
