// GetObjectAttributes (GET /bucket/key?attributes): the attributes named in
// x-amz-object-attributes (ETag, Checksum, ObjectParts, StorageClass, ObjectSize) without the
// object's bytes.
#pragma once

#include <optional>
#include <string_view>

#include "api/handler.h"

namespace strata::api {

// Which attributes a request asks for.
struct AttributeSelection {
  bool etag = false;
  bool checksum = false;
  bool object_parts = false;
  bool storage_class = false;
  bool object_size = false;
};

// Parses the comma-separated x-amz-object-attributes values (names as S3 spells them, any
// spacing). InvalidArgument for an unknown name; InvalidRequest when none is given. Pure.
Result<AttributeSelection> ParseObjectAttributes(const http::request_header<>& request,
                                                 std::string* message);

HandlerResult GetObjectAttributes(HandlerContext& ctx);

}  // namespace strata::api
