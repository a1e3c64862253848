// Timing of durable audit appends (hidden: run with `server_tests "[.bench]" -s`). Not a
// pass/fail test: it prints appends per second and fdatasync calls for sequential appends (one
// sync each) and for concurrent ones (group commit).
#include <sys/resource.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <thread>
#include <vector>

#include "server/audit_log.h"
#include "tests/server/audit_fixture_fake.h"

namespace fs = std::filesystem;
using namespace strata::server;

namespace {

// User + system CPU seconds of the whole process so far (the appenders and the log's threads).
double ProcessCpuSeconds() {
  struct rusage u;
  ::getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

AuditEvent BenchEvent(int i) {
  AuditEvent e = testing::SampleAuditEvent("objects/key-" + std::to_string(i));
  e.bytes_in = 4096;
  return e;
}

}  // namespace

TEST_CASE("durable audit appends: sequential and grouped timings", "[.bench]") {
  const fs::path dir = fs::path(".") / ("strata-audit-bench-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  for (int threads : {1, 16}) {
    std::string detail;
    auto log = AuditLog::Open({.dir = dir.string(), .deployment = "bench"}, &detail);
    REQUIRE(log);
    const int each = threads == 1 ? 2000 : 500;
    const auto start = std::chrono::steady_clock::now();
    const double cpu_before = ProcessCpuSeconds();
    const uint64_t syncs_before = (*log)->sync_count();
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
      pool.emplace_back([&, t] {
        for (int i = 0; i < each; ++i) REQUIRE((*log)->Append(BenchEvent(t * each + i)));
      });
    }
    for (auto& th : pool) th.join();
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double cpu = ProcessCpuSeconds() - cpu_before;
    const uint64_t n = uint64_t(threads) * each;
    const uint64_t syncs = (*log)->sync_count() - syncs_before;
    std::cout << threads << " thread(s): " << n << " appends in " << seconds * 1e3 << " ms, "
              << n / seconds << " appends/s, " << syncs << " syncs, " << seconds * 1e6 / syncs
              << " us per sync, CPU " << cpu * 1e6 / n << " us per append\n";
  }
  fs::remove_all(dir);
}
