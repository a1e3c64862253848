// `strata-admin audit ...`: offline commands over an audit log folder (server/audit_log.h). They
// read the files directly (no server, no credentials), so they work on a copy of the folder and
// while the server is down.
//
//   strata-admin audit verify [--dir DIR] [--json]
//   strata-admin audit verify --bucket NAME [--endpoint URL] [--ca FILE] [--insecure]
//                             [--region R] [--json]
//   strata-admin audit tail [--dir DIR] [-n N] [--follow]
//
// DIR defaults to $STRATA_AUDIT_DIR, else ./strata-data/audit. With --bucket, verify reads the
// archived copy (server/audit_archive.h) over S3 instead, signing as the root
// (STRATA_ROOT_ACCESS_KEY / STRATA_ROOT_SECRET_KEY; endpoint default $STRATA_ENDPOINT, else
// http://127.0.0.1:9000): the oldest version of audit/GENESIS and of each audit/audit-*.log, the
// copies object lock keeps, so a later overwrite changes nothing.
#pragma once

#include <string>
#include <vector>

namespace strata::admin {

// `args` are the words after "audit". Returns the exit status: verify 0 when the chain is intact,
// 1 when broken or unreadable; tail 0, 1 on an unreadable folder; 2 for usage errors.
int RunAuditCommand(const std::vector<std::string>& args);

}  // namespace strata::admin
