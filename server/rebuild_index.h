// The index journal as the server sees it: where its copies live, the start-up refusal over a
// lost index, and the offline rebuild (`strata-server --rebuild-index`). See README.md.
#pragma once

#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "server/config.h"
#include "storage/index_journal.h"

namespace strata::server {

// <drive>/index-journal: a journal copy's folder on a drive.
std::string JournalFolder(const std::string& drive);

// The configured copies (IndexJournalDrives), opened (created if missing); an entry is null
// when its folder cannot be created (the drive is gone): the journal counts it as dropped.
std::vector<std::unique_ptr<storage::JournalDir>> OpenJournalCopies(const ServerConfig& config);

// True if the index folder holds a LevelDB index (its CURRENT file).
bool IndexExists(const std::string& index_dir);

// True if some drive of the configuration (any drive, not only the configured copies) has an
// index-journal folder with a valid record or snapshot.
bool JournalHasData(const ServerConfig& config);

// Takes an exclusive lock on <data>/strata.lock for the life of the process (flock), so the
// offline rebuild and a server never run on one data folder together. Returns false (with
// `error` set) if another process holds it.
bool LockDataDir(const std::string& data_dir, std::string& error);

// The offline rebuild: reads every drive's journal copy, loads the newest valid snapshot and
// replays the records after it into a new index folder, swaps it in (the old folder, if any,
// is kept as index.broken-<unix time>), then checks it against the drives: every blob an
// object or part record references must open, and shards of blobs no record references are
// reported (not deleted). Prints progress and a summary to `out`. Returns the exit code:
// 0 when the journal was complete and no referenced blob is missing, 1 otherwise.
// REQUIRES: LockDataDir succeeded (no server runs on the data folder).
int RunRebuildIndex(const ServerConfig& config, std::ostream& out);

}  // namespace strata::server
