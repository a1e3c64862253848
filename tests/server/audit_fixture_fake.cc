#include "tests/server/audit_fixture_fake.h"

#include <unistd.h>

#include <atomic>
#include <chrono>

namespace strata::server::testing {

AuditTempDir::AuditTempDir() {
  static std::atomic<int> counter{0};
  path = std::filesystem::temp_directory_path() /
         ("strata-audit-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  std::filesystem::remove_all(path);
  std::filesystem::create_directories(path);
}

AuditTempDir::~AuditTempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path, ignored);
}

AuditEvent SampleAuditEvent(std::string key, unsigned status) {
  AuditEvent e;
  e.time = std::chrono::system_clock::now();
  e.request_id = "req-" + key;
  e.principal = "AKIDEXAMPLE";
  e.remote = "127.0.0.1";
  e.operation = "PutObject";
  e.bucket = "b";
  e.key = std::move(key);
  e.status = status;
  e.bytes_in = 5;
  return e;
}

}  // namespace strata::server::testing
