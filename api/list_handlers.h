// ListObjects (v1) and ListObjectsV2: query parsing, one storage List call, XML rendering.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "api/handler.h"

namespace strata::api {

inline constexpr uint32_t kMaxListKeys = 1000;

// The listing parameters of a request, validated.
struct ListRequest {
  bool v2 = false;
  std::string prefix;
  std::string delimiter;
  std::string marker;                             // v1 "marker"
  std::string start_after;                        // v2 "start-after"
  std::optional<std::string> continuation_token;  // v2, as sent (non-empty)
  std::string resume_after;          // where the page starts: marker, decoded token, or start-after
  uint32_t max_keys = kMaxListKeys;  // "max-keys", capped at 1000
  bool url_encoding = false;         // encoding-type=url
  bool fetch_owner = false;          // v2 fetch-owner=true (v1 always lists owners)
};

// Validates the query. InvalidArgument (with `*message` set) for a max-keys that is not a
// non-negative integer, an encoding-type other than "url", or a continuation token we did not
// issue. Pure.
Result<ListRequest> ParseListRequest(const ParsedTarget& target, bool v2, std::string* message);

// Writes the ListBucketResult document of one page as storage visits it: each <Contents>
// straight from the index's views (no ObjectInfo or string per key; a 1000-key page is ~250
// KiB of XML). The elements before the entries (KeyCount, IsTruncated, NextContinuationToken)
// depend on how the page ended, so entries collect in their own buffers and Finish joins them
// under the header: one copy of the page.
class ListPageWriter final : public storage::ListVisitor {
 public:
  ListPageWriter(std::string bucket, ListRequest request, const OwnerInfo& owner);
  void Object(const storage::ListedObject& object) override;
  void CommonPrefix(std::string_view prefix) override;
  // The whole document; call once, after the page.
  std::string Finish(const storage::ListPageEnd& end);

 private:
  void AppendMaybeEncoded(std::string& out, std::string_view text) const;

  std::string bucket_;
  ListRequest request_;
  std::string owner_xml_;  // the <Owner> element every entry repeats; empty: not shown
  std::string contents_;
  std::string common_prefixes_;
  size_t entries_ = 0;
};

// The ListBucketResult document for one collected page (ListPageWriter over its entries). Pure.
std::string RenderListResult(const std::string& bucket, const ListRequest& request,
                             const storage::ListResult& page, const OwnerInfo& owner);

// Continuation tokens are opaque to clients: base64 of the key (or common prefix) the next page
// starts after.
std::string EncodeContinuationToken(std::string_view marker);
std::optional<std::string> DecodeContinuationToken(std::string_view token);

HandlerResult ListObjects(HandlerContext& ctx);  // v1 or v2 by ctx.route.operation

}  // namespace strata::api
