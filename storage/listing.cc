// Listing as one forward scan over "<base><prefix>...". With a delimiter, the first entry of
// each common prefix is turned into that prefix, and the cursor then seeks to the prefix's
// successor: the entries under it are never visited. Objects ("o/<bucket>\0<key>") and uploads
// ("u/<bucket>\0<key>\0<id>") share the walk; only how a page starts and what an entry becomes
// differ.
#include "storage/listing.h"

#include <algorithm>

#include "storage/metadata_keys.h"
#include "storage/object_record.h"
#include "storage/upload_record.h"

namespace strata::storage {
namespace {

// The common prefix `name` rolls up into, or "" if it is listed as itself.
std::string_view CommonPrefixOf(std::string_view name, std::string_view prefix,
                                std::string_view delimiter) {
  if (delimiter.empty()) return {};
  size_t pos = name.find(delimiter, prefix.size());
  if (pos == std::string_view::npos) return {};
  return name.substr(0, pos + delimiter.size());
}

}  // namespace

std::optional<std::string> ListingStart(std::string_view prefix, std::string_view delimiter,
                                        std::string_view marker, std::string_view after_marker) {
  if (marker.empty() || marker < prefix) return std::string(prefix);
  std::string_view cp =
      marker.starts_with(prefix) ? CommonPrefixOf(marker, prefix, delimiter) : std::string_view();
  if (!cp.empty()) return PrefixSuccessor(cp);
  std::string start(marker);
  start.append(after_marker);
  return start;
}

Result<bool> WalkListing(MetadataStore& metadata, const ListingScan& scan,
                         const std::function<boost::system::error_code(
                             std::string_view, std::string_view, std::string_view)>& on_entry,
                         const std::function<void(std::string_view)>& on_prefix) {
  std::unique_ptr<Cursor> cursor = metadata.Scan(scan.base + std::string(scan.prefix));
  cursor->Seek(scan.base + scan.start);
  bool truncated = false;
  size_t count = 0;
  while (cursor->Valid()) {
    std::string_view suffix = cursor->key().substr(scan.base.size());
    std::string_view name = suffix.substr(0, suffix.find('\0'));
    if (scan.skip && scan.skip(cursor->value())) {
      cursor->Next();
      continue;
    }
    if (count == scan.max_entries) {
      truncated = true;
      break;
    }
    ++count;
    std::string_view cp = CommonPrefixOf(name, scan.prefix, scan.delimiter);
    if (!cp.empty()) {
      on_prefix(cp);
      auto next = PrefixSuccessor(cp);
      if (!next) break;  // nothing sorts after this prefix
      cursor->Seek(scan.base + *next);
      continue;
    }
    if (auto ec = on_entry(name, suffix, cursor->value())) {
      return Result<bool>(boost::system::in_place_error, ec);
    }
    cursor->Next();
  }
  if (auto ec = cursor->status()) return Result<bool>(boost::system::in_place_error, ec);
  return truncated;
}

namespace {

// The walk both ListObjects share: every listed object with its record decoded into views.
Result<ListPageEnd> WalkObjects(
    MetadataStore& metadata, std::string_view bucket, const ListOptions& options,
    const std::function<void(std::string_view key, const ObjectRecordSummary& record)>& on_object,
    const std::function<void(std::string_view common_prefix)>& on_prefix) {
  ListPageEnd end;
  // "\0" after the marker: the smallest key greater than it.
  auto start = ListingStart(options.prefix, options.delimiter, options.start_after,
                            std::string_view("\0", 1));
  if (!start) return end;
  ListingScan scan{ObjectRecordPrefix(bucket),
                   options.prefix,
                   options.delimiter,
                   std::move(*start),
                   std::min(options.max_keys, kMaxListKeys),
                   {}};
  // A key whose latest is a delete marker is not listed; its versions are never visited.
  // Each record is decoded once, into views of the cursor's value: WalkListing calls on_entry
  // right after `skip` for the same entry, before the cursor moves (listing.h).
  Result<ObjectRecordSummary> decoded = make_error_code(Errc::kCorrupt);
  scan.skip = [&](std::string_view value) {
    decoded = DecodeObjectRecordSummary(value);
    return decoded && decoded->delete_marker;
  };
  // Only a full page can be truncated, and its next marker is its last entry: copied once per
  // page, not once per key.
  uint32_t listed = 0;
  auto count = [&](std::string_view name) {
    if (++listed == scan.max_entries) end.next_marker.assign(name);
  };
  auto truncated = WalkListing(
      metadata, scan,
      [&](std::string_view name, std::string_view, std::string_view) {
        if (!decoded) return decoded.error();
        on_object(name, *decoded);
        count(name);
        return boost::system::error_code();
      },
      [&](std::string_view common_prefix) {
        on_prefix(common_prefix);
        count(common_prefix);
      });
  if (!truncated) return truncated.error();
  end.truncated = *truncated;
  return end;
}

}  // namespace

Result<ListPageEnd> ListObjects(MetadataStore& metadata, std::string_view bucket,
                                const ListOptions& options, ListVisitor& visitor) {
  return WalkObjects(
      metadata, bucket, options,
      [&](std::string_view key, const ObjectRecordSummary& record) {
        visitor.Object(ListedObject{.key = key,
                                    .version_id = record.version_id,
                                    .etag = record.etag,
                                    .storage_class = record.storage_class,
                                    .size = record.size,
                                    .last_modified = FromUnixMillis(record.last_modified_ms),
                                    .tag_count = record.tag_count});
      },
      [&](std::string_view common_prefix) { visitor.CommonPrefix(common_prefix); });
}

Result<ListResult> ListObjects(MetadataStore& metadata, std::string_view bucket,
                               const ListOptions& options) {
  ListResult result;
  result.objects.reserve(std::min(options.max_keys, kMaxListKeys));
  auto end = WalkObjects(
      metadata, bucket, options,
      [&](std::string_view key, const ObjectRecordSummary& record) {
        FillListedObjectInfo(result.objects.emplace_back(), bucket, key, record);
      },
      [&](std::string_view common_prefix) { result.common_prefixes.emplace_back(common_prefix); });
  if (!end) return end.error();
  static_cast<ListPageEnd&>(result) = std::move(*end);
  return result;
}

Result<ListUploadsResult> ListUploads(MetadataStore& metadata, std::string_view bucket,
                                      const ListUploadsOptions& options) {
  ListUploadsResult result;
  // Upload suffixes are "<key>\0<id>". After key_marker alone: past every "<key_marker>\0..."
  // ("\x01" sorts right after them; keys never contain NUL). With an id marker: the smallest
  // suffix greater than "<key_marker>\0<id>". S3 ignores upload_id_marker without key_marker.
  std::string after = options.upload_id_marker.empty()
                          ? std::string("\x01")
                          : std::string(1, '\0') + options.upload_id_marker + std::string(1, '\0');
  auto start = ListingStart(options.prefix, options.delimiter, options.key_marker, after);
  if (!start) return result;
  ListingScan scan{UploadRecordPrefix(bucket),
                   options.prefix,
                   options.delimiter,
                   std::move(*start),
                   std::min(options.max_uploads, kMaxListKeys),
                   {}};
  auto truncated = WalkListing(
      metadata, scan,
      [&](std::string_view name, std::string_view suffix, std::string_view value) {
        std::string_view key, id;
        if (!SplitUploadSuffix(suffix, key, id)) return make_error_code(Errc::kCorrupt);
        auto record = DecodeUploadRecord(value);
        if (!record) return record.error();
        UploadInfo info = ToUploadInfo(bucket, name, id, std::move(*record));
        result.next_key_marker = info.key;
        result.next_upload_id_marker = info.upload_id;
        result.uploads.push_back(std::move(info));
        return boost::system::error_code();
      },
      [&](std::string_view cp) {
        result.common_prefixes.emplace_back(cp);
        result.next_key_marker.assign(cp);
        result.next_upload_id_marker.clear();
      });
  if (!truncated) return truncated.error();
  result.truncated = *truncated;
  if (!result.truncated) {
    result.next_key_marker.clear();
    result.next_upload_id_marker.clear();
  }
  return result;
}

}  // namespace strata::storage
