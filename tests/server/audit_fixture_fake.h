// Shared by the audit log tests: a temporary folder and a typical audited request.
#pragma once

#include <filesystem>
#include <string>

#include "server/audit_log.h"

namespace strata::server::testing {

// A fresh, empty folder under the system's temp folder, removed with everything in it.
struct AuditTempDir {
  AuditTempDir();
  ~AuditTempDir();
  AuditTempDir(const AuditTempDir&) = delete;
  AuditTempDir& operator=(const AuditTempDir&) = delete;
  std::string str() const { return path.string(); }
  std::filesystem::path path;
};

// A PutObject of `key` in bucket "b" by AKIDEXAMPLE from 127.0.0.1, 5 bytes in, now.
AuditEvent SampleAuditEvent(std::string key, unsigned status = 200);

}  // namespace strata::server::testing
