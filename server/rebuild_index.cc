// The offline index rebuild and the journal's wiring (see rebuild_index.h). Includes storage's
// record codecs to inventory the rebuilt index, like the offline tools do.
#include "server/rebuild_index.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <set>

#include "erasure/chunk_store.h"
#include "erasure/drive.h"
#include "erasure/shard_format.h"
#include "storage/coding.h"
#include "storage/journaled_metadata_store.h"
#include "storage/metadata_store.h"
#include "storage/object_record.h"
#include "storage/upload_record.h"

namespace strata::server {
namespace {

namespace fs = std::filesystem;
using boost::system::error_code;

std::vector<std::string> AllDrives(const ServerConfig& config) {
  std::vector<std::string> drives;
  for (const TierConfig& t : config.tiers)
    drives.insert(drives.end(), t.drives.begin(), t.drives.end());
  return drives;
}

// Every existing journal folder of every drive (a rebuild reads them all: copies move when the
// configuration changes, and a stale copy only contributes what it holds).
std::vector<std::unique_ptr<storage::JournalDir>> ExistingJournalCopies(
    const ServerConfig& config) {
  std::vector<std::unique_ptr<storage::JournalDir>> dirs;
  for (const std::string& drive : AllDrives(config)) {
    std::error_code ec;
    if (!fs::is_directory(JournalFolder(drive), ec)) continue;
    auto dir = storage::OpenLocalJournalDir(JournalFolder(drive));
    if (dir) dirs.push_back(std::move(*dir));
  }
  return dirs;
}

std::vector<storage::JournalDir*> Raw(const std::vector<std::unique_ptr<storage::JournalDir>>& d) {
  std::vector<storage::JournalDir*> raw;
  for (const auto& x : d) raw.push_back(x.get());
  return raw;
}

struct Inventory {
  uint64_t records = 0;
  uint64_t buckets = 0;
  uint64_t objects = 0;  // keys whose latest is not a delete marker
  uint64_t versions = 0;
  uint64_t delete_markers = 0;
  uint64_t uploads = 0;
  uint64_t parts = 0;
  uint64_t undecodable = 0;
  // Blob id -> reference and who references it (for the report).
  std::map<std::string, std::pair<erasure::BlobRef, std::string>> blobs;
};

void AddBlob(Inventory& inv, std::string_view encoded, std::string owner) {
  auto ref = erasure::BlobRef::Decode(encoded);
  if (!ref) {
    ++inv.undecodable;
    return;
  }
  std::string id = ref->blob_id;
  inv.blobs.emplace(std::move(id), std::make_pair(std::move(*ref), std::move(owner)));
}

std::string Printable(std::string_view key) {
  std::string out;
  for (char c : key) out += (c == '\0') ? '/' : c;
  return out;
}

Inventory TakeInventory(storage::MetadataStore& index) {
  Inventory inv;
  for (auto c = index.Scan(""); c->Valid(); c->Next()) {
    ++inv.records;
    const std::string_view key = c->key();
    const std::string_view value = c->value();
    if (key.starts_with("b/")) {
      ++inv.buckets;
    } else if (key.starts_with("o/") || key.starts_with("v/")) {
      auto record = storage::DecodeObjectRecord(value, /*with_payload=*/true);
      if (!record) {
        ++inv.undecodable;
        continue;
      }
      const bool version = key.starts_with("v/");
      if (record->delete_marker) {
        if (version) ++inv.delete_markers;
        continue;
      }
      ++(version ? inv.versions : inv.objects);
      const std::string owner = Printable(key.substr(2)) + " (version " + record->version_id + ")";
      if (record->payload_kind == storage::PayloadKind::kBlob) {
        AddBlob(inv, record->payload, owner);
      } else if (record->payload_kind == storage::PayloadKind::kParts) {
        for (const auto& part : record->parts.parts) {
          if (part.kind == storage::PayloadKind::kBlob) {
            AddBlob(inv, part.data, owner + " part " + std::to_string(part.part_number));
          }
        }
      }
    } else if (key.starts_with("u/")) {
      ++inv.uploads;
    } else if (key.starts_with("p/")) {
      ++inv.parts;
      auto part = storage::DecodePartRecord(value);
      if (!part) {
        ++inv.undecodable;
      } else if (part->kind == storage::PayloadKind::kBlob) {
        AddBlob(inv, part->data, "upload part " + Printable(key.substr(2)));
      }
    }
  }
  return inv;
}

// "bucket/key version V" or "bucket/key upload U part N" from a shard label.
std::string DescribeLabel(std::string_view label) {
  storage::Decoder d(label);
  uint8_t format = 0;
  std::string_view bucket, key, id;
  if (!d.GetByte(format) || !d.GetLengthPrefixed(bucket) || !d.GetLengthPrefixed(key) ||
      !d.GetLengthPrefixed(id)) {
    return "(no readable label)";
  }
  std::string out = std::string(bucket) + "/" + std::string(key);
  if (format == storage::kPartBlobLabelFormat) {
    uint64_t part = 0;
    if (!d.GetVarint64(part)) return "(no readable label)";
    return out + " upload " + std::string(id) + " part " + std::to_string(part);
  }
  return out + " version " + std::string(id);
}

std::string ReadLabel(erasure::Drive& drive, const erasure::ChunkId& id) {
  std::vector<std::byte> fixed(erasure::kShardHeaderFixedSize);
  auto n = drive.ReadChunk(id, 0, fixed);
  if (!n || *n != fixed.size()) return "(no readable header)";
  auto len = erasure::ShardHeaderLength(fixed);
  if (!len) return "(no readable header)";
  std::vector<std::byte> header(*len);
  n = drive.ReadChunk(id, 0, header);
  if (!n || *n != header.size()) return "(no readable header)";
  auto decoded = erasure::DecodeShardHeader(header);
  if (!decoded) return "(no readable header)";
  return DescribeLabel(decoded->label);
}

error_code LoadInto(storage::MetadataStore& index, storage::JournalDir& copy, uint64_t seq,
                    uint64_t& entries) {
  storage::WriteBatch batch;
  size_t bytes = 0;
  error_code ec = storage::ReadSnapshot(copy, seq, [&](std::string_view k, std::string_view v) {
    batch.Put(k, v);
    ++entries;
    bytes += k.size() + v.size();
    if (bytes < (4u << 20)) return error_code();
    error_code w = index.Write(batch);
    batch = storage::WriteBatch();
    bytes = 0;
    return w;
  });
  if (ec) return ec;
  return batch.empty() ? error_code() : index.Write(batch);
}

}  // namespace

std::string JournalFolder(const std::string& drive) {
  return (fs::path(drive) / "index-journal").string();
}

std::vector<std::unique_ptr<storage::JournalDir>> OpenJournalCopies(const ServerConfig& config) {
  std::vector<std::unique_ptr<storage::JournalDir>> copies;
  for (const std::string& drive : IndexJournalDrives(config)) {
    auto dir = storage::OpenLocalJournalDir(JournalFolder(drive));
    copies.push_back(dir ? std::move(*dir) : nullptr);
  }
  return copies;
}

bool IndexExists(const std::string& index_dir) {
  std::error_code ec;
  return fs::exists(fs::path(index_dir) / "CURRENT", ec);
}

bool JournalHasData(const ServerConfig& config) {
  auto dirs = ExistingJournalCopies(config);
  if (dirs.empty()) return false;
  auto info = storage::InspectJournal(Raw(dirs));
  return info && info->has_data;
}

bool LockDataDir(const std::string& data_dir, std::string& error) {
  const std::string path = (fs::path(data_dir) / "strata.lock").string();
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    error = "cannot open the lock file \"" + path + "\"";
    return false;
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    error = "another strata-server (or --rebuild-index) is using the data folder \"" + data_dir +
            "\" (" + path + " is locked)";
    return false;
  }
  return true;  // the descriptor stays open (and locked) until the process exits
}

int RunRebuildIndex(const ServerConfig& config, std::ostream& out) {
  const auto now_s = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
  auto copies = ExistingJournalCopies(config);
  out << "rebuild-index: " << copies.size() << " journal copies found on "
      << AllDrives(config).size() << " drives\n";
  for (const auto& c : copies) out << "  " << c->path() << "\n";
  auto info = storage::InspectJournal(Raw(copies));
  if (!info || !info->has_data) {
    out << "rebuild-index: no index journal records on the drives; nothing to rebuild from\n";
    return 1;
  }

  // 1. The new index, in a folder of its own.
  const std::string new_dir = config.index_dir + ".rebuild-" + std::to_string(now_s);
  std::error_code fec;
  fs::remove_all(new_dir, fec);
  uint64_t last = 0;
  uint64_t snapshot_entries = 0, replayed = 0;
  {
    auto index = storage::OpenLevelDbMetadataStore(new_dir, {.sync = false});
    if (!index) {
      out << "rebuild-index: cannot create \"" << new_dir << "\": " << index.error().message()
          << "\n";
      return 1;
    }
    uint64_t first = 1;
    if (info->snapshot_seq) {
      out << "rebuild-index: loading snapshot " << *info->snapshot_seq << " from "
          << copies[info->snapshot_copy]->path() << "\n";
      if (auto ec = LoadInto(**index, *copies[info->snapshot_copy], *info->snapshot_seq,
                             snapshot_entries)) {
        out << "rebuild-index: loading the snapshot failed: " << ec.message() << "\n";
        return 1;
      }
      first = *info->snapshot_seq + 1;
      last = *info->snapshot_seq;
    }
    auto r = storage::ReplayJournal(Raw(copies), first, [&](const storage::JournalRecord& rec) {
      const storage::WriteBatch* one = &rec.batch;
      ++replayed;
      return storage::ApplyJournalBatches(**index, rec.seq, std::span(&one, 1));
    });
    if (!r) {
      out << "rebuild-index: writing the new index failed: " << r.error().message() << "\n";
      return 1;
    }
    last = std::max(last, *r);
    if (!info->snapshot_seq && replayed == 0) {
      out << "rebuild-index: the journal has neither a snapshot nor record 1; cannot rebuild\n";
      return 1;
    }
    if (auto ec = (*index)->Flush()) {
      out << "rebuild-index: syncing the new index failed: " << ec.message() << "\n";
      return 1;
    }
  }
  const bool journal_complete = last >= info->max_seq;
  out << "rebuild-index: " << snapshot_entries << " snapshot entries, " << replayed
      << " journal records replayed, up to seq " << last << " (journal reaches " << info->max_seq
      << ")\n";

  // 2. Swap it in.
  if (fs::exists(config.index_dir, fec)) {
    const std::string broken = config.index_dir + ".broken-" + std::to_string(now_s);
    fs::rename(config.index_dir, broken, fec);
    if (fec) {
      out << "rebuild-index: cannot move the old index aside: " << fec.message() << "\n";
      return 1;
    }
    out << "rebuild-index: the old index folder is kept as " << broken << "\n";
  }
  fs::rename(new_dir, config.index_dir, fec);
  if (fec) {
    out << "rebuild-index: cannot move the new index into place: " << fec.message() << "\n";
    return 1;
  }
  if (int dfd = ::open(config.data_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
    (void)::fsync(dfd);
    ::close(dfd);
  }

  // 3. Check it against the drives.
  auto index = storage::OpenLevelDbMetadataStore(config.index_dir);
  if (!index) {
    out << "rebuild-index: cannot reopen the rebuilt index: " << index.error().message() << "\n";
    return 1;
  }
  Inventory inv = TakeInventory(**index);
  std::vector<erasure::TierSpec> tiers;
  for (const TierConfig& t : config.tiers) {
    erasure::TierSpec spec;
    spec.name = t.name;
    spec.data_shards = t.data_shards;
    spec.parity_shards = t.parity_shards;
    spec.block_size = t.block_size;
    for (const std::string& dir : t.drives) {
      auto drive = erasure::OpenLocalDrive(dir);
      if (!drive) {
        out << "rebuild-index: cannot open drive " << dir << ": " << drive.error().message()
            << "\n";
        return 1;
      }
      spec.drives.push_back(std::move(*drive));
    }
    tiers.push_back(std::move(spec));
  }
  erasure::ChunkStoreOptions chunk_options;
  chunk_options.check_drive_identity = true;
  chunk_options.start_healer = false;
  auto chunks = erasure::NewErasureChunkStore(std::move(tiers), chunk_options);
  if (!chunks) {
    out << "rebuild-index: cannot open the chunk store: " << chunks.error().message() << "\n";
    return 1;
  }
  uint64_t missing = 0;
  for (const auto& [id, entry] : inv.blobs) {
    auto reader = (*chunks)->Open(entry.first);
    if (reader) continue;
    if (++missing <= 20) {
      out << "  missing blob " << id << " of " << entry.second << ": " << reader.error().message()
          << "\n";
    }
  }
  // Orphans: shards of blobs no record references.
  std::map<std::string, std::string> orphans;  // blob id -> label
  static constexpr std::string_view kIdChars = "0123456789abcdefghijklmnopqrstuvwxyz";
  for (const std::string& dir : AllDrives(config)) {
    auto drive = erasure::OpenLocalDrive(dir);
    if (!drive) continue;
    for (char a : kIdChars) {
      for (char b : kIdChars) {
        auto listed = (*drive)->ListChunks(std::string{a, b});
        if (!listed) continue;
        for (const erasure::ChunkInfo& chunk : *listed) {
          if (inv.blobs.contains(chunk.id.blob_id) || orphans.contains(chunk.id.blob_id)) continue;
          orphans[chunk.id.blob_id] = ReadLabel(**drive, chunk.id);
        }
      }
    }
  }
  size_t shown = 0;
  for (const auto& [id, label] : orphans) {
    if (++shown > 20) break;
    out << "  orphan blob " << id << ": " << label << "\n";
  }

  out << "rebuild-index summary:\n"
      << "  records:        " << inv.records << "\n"
      << "  buckets:        " << inv.buckets << "\n"
      << "  objects:        " << inv.objects << "\n"
      << "  versions:       " << inv.versions << "\n"
      << "  delete markers: " << inv.delete_markers << "\n"
      << "  uploads:        " << inv.uploads << " (" << inv.parts << " parts)\n"
      << "  blobs:          " << inv.blobs.size() << " referenced, " << missing << " missing\n"
      << "  orphan blobs:   " << orphans.size() << " (not deleted; the scrubber reclaims them)\n"
      << "  undecodable:    " << inv.undecodable << "\n"
      << "  journal:        " << (journal_complete ? "complete" : "INCOMPLETE") << " (seq " << last
      << " of " << info->max_seq << ")\n";
  const bool ok = journal_complete && missing == 0 && inv.undecodable == 0;
  out << (ok ? "rebuild-index: the index is complete\n"
             : "rebuild-index: the index is NOT complete (see above)\n");
  return ok ? 0 : 1;
}

}  // namespace strata::server
