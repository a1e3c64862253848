// The operator's endpoints in front of the S3 handler: GET /metrics (Prometheus) and the admin
// API under /strata/admin/v1/ (SigV4-signed by the root credentials only, JSON answers):
//   GET  /strata/admin/v1/info          version, uptime, tiers, drives (capacity, state), counters
//   POST /strata/admin/v1/heal          start a scrub-and-heal pass (?dry_run=true, ?grace=SECONDS)
//   GET  /strata/admin/v1/heal/status   the running or last pass
//   GET  /strata/admin/v1/usage         objects and bytes per bucket and tier (admin_usage.h)
//   users/..., keys/...                 users, access keys, user policies (admin_users.h)
//   /console, /console/...              the read-only web console (console_handler.h)
// Everything else goes to the S3 handler. Like s3_request_handler.cc this file needs api/'s
// compiled code (SigV4, the error table) and is linked only into the executable.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "api/s3_api.h"
#include "erasure/chunk_store.h"
#include "server/config.h"
#include "server/heal_job.h"
#include "server/metrics.h"
#include "server/request_handler.h"
#include "storage/identity_store.h"
#include "storage/index_journal.h"
#include "storage/lifecycle_worker.h"

namespace strata::server {

struct AdminContext {
  std::string region;
  std::vector<std::string> virtual_host_domains;  // GET /metrics is path-style only
  api::Credentials root;
  bool metrics_public = true;  // else /metrics needs a root signature too
  std::vector<TierConfig> tiers;
  std::vector<std::string> endpoints;
  std::chrono::steady_clock::time_point started;
  // Not owned; must outlive the handler.
  RequestMetrics* metrics = nullptr;
  HealJob* heal = nullptr;
  erasure::ChunkStore* chunks = nullptr;
  storage::LifecycleWorker* lifecycle = nullptr;  // null: no worker
  storage::IndexJournal* journal = nullptr;       // null: no index journal
  // GET usage (issue 9) lists it; storage class -> tier names its versions' tiers. Null: 501.
  storage::ObjectStore* store = nullptr;
  std::map<std::string, std::string> storage_classes;
  // Users (issue 7): their keys authenticate (and are then refused: the admin API is root
  // only), and the user endpoints (admin_users.h) manage them. Null: root only, no endpoints.
  api::IdentityProvider* identities = nullptr;
  storage::IdentityStore* identity_store = nullptr;
  // Fills the live gauges: connections_open, worker_queue_depth, workers, workers_busy.
  std::function<void(MetricsSnapshot&)> gauges;
  std::function<std::chrono::system_clock::time_point()> clock = [] {
    return std::chrono::system_clock::now();
  };
};

// `s3` is not owned and must outlive the result. Thread-safe.
std::unique_ptr<RequestHandler> NewAdminRequestHandler(RequestHandler& s3, AdminContext context);

}  // namespace strata::server
