// Listing over the metadata index: objects of a bucket and in-progress multipart uploads, both
// as one forward scan with the same common-prefix skipping (WalkListing). Internal to storage/.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "storage/metadata_store.h"
#include "storage/object_store.h"

namespace strata::storage {

// Pages are capped at this many entries whatever max_keys / max_uploads asks (as S3 does).
inline constexpr uint32_t kMaxListKeys = 1000;

// One page of the bucket's current objects, handed to `visitor` as the scan meets them. Does
// not check that the bucket exists. Cost: O(page) cursor moves: each common prefix is skipped
// with one Seek; each record is decoded once, into views (nothing copied per key).
Result<ListPageEnd> ListObjects(MetadataStore& metadata, std::string_view bucket,
                                const ListOptions& options, ListVisitor& visitor);
// The same page collected. The ObjectInfos carry what a listing shows (FillListedObjectInfo):
// headers, checksum, parts and the SSE envelope are left empty.
Result<ListResult> ListObjects(MetadataStore& metadata, std::string_view bucket,
                               const ListOptions& options);

// One page of the bucket's in-progress uploads, by key then initiation time, with AWS marker
// semantics: key_marker alone starts after every upload of that key; with upload_id_marker,
// at the uploads of key_marker initiated after it. Does not check that the bucket exists.
Result<ListUploadsResult> ListUploads(MetadataStore& metadata, std::string_view bucket,
                                      const ListUploadsOptions& options);

// The generic walk both use. The index keys of a namespace are `base` + suffix; an entry's
// listed name is its suffix up to the first NUL (the whole suffix for objects, the key for
// uploads), and prefix/delimiter apply to that name.
struct ListingScan {
  std::string base;
  std::string_view prefix;
  std::string_view delimiter;
  std::string start;  // the first suffix to visit (see ListingStart)
  uint32_t max_entries = kMaxListKeys;
  // Entries for which this returns true are stepped over as if absent (not counted, never
  // turned into a common prefix): ListObjects skips keys whose latest is a delete marker.
  // Called with every entry's value before anything else looks at the entry; when on_entry
  // follows for that entry, it comes next, before the cursor moves (so a decoding made here
  // may be reused there).
  std::function<bool(std::string_view value)> skip;
};

// Where a page starts: at `prefix`, or after `marker`. If the marker lies inside (or is) a
// common prefix, that whole prefix was returned already, so the page starts after all of it;
// otherwise at marker + after_marker (the smallest suffix the caller means by "after").
// nullopt: nothing can follow.
std::optional<std::string> ListingStart(std::string_view prefix, std::string_view delimiter,
                                        std::string_view marker, std::string_view after_marker);

// Visits up to max_entries entries and common prefixes in index order. on_entry gets the
// listed name, the whole suffix and the value; an error from it ends the walk. Returns whether
// the page was truncated (another entry or prefix follows).
Result<bool> WalkListing(
    MetadataStore& metadata, const ListingScan& scan,
    const std::function<boost::system::error_code(std::string_view name, std::string_view suffix,
                                                  std::string_view value)>& on_entry,
    const std::function<void(std::string_view common_prefix)>& on_prefix);

}  // namespace strata::storage
