// `strata-admin pipeline create NAME`: one bucket per stage of an AI data pipeline, configured
// over the S3 API (CreateBucket, PutBucketVersioning, PutBucketTagging,
// PutObjectLockConfiguration, PutBucketLifecycleConfiguration):
//
//   NAME-raw          versioned, lifecycle: transition to GLACIER after raw_days
//   NAME-curated      STANDARD (fast tier)
//   NAME-checkpoints  versioned, noncurrent versions expire after 1 day keeping the newest
//                     keep_checkpoints, incomplete uploads aborted after 1 day
//   NAME-models       object lock, default retention GOVERNANCE models_retention_days
//   NAME-archive      object lock, default retention COMPLIANCE archive_retention_days,
//                     lifecycle: transition to DEEP_ARCHIVE at day 0
//
// Every bucket is tagged stage=<stage> and pipeline=NAME. Idempotent where S3 allows: an existing
// bucket is configured again (status "exists"). Not thread-safe.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tools/admin/admin_client.h"

namespace strata::admin {

struct PipelineOptions {
  std::string name;
  uint32_t raw_days = 30;
  uint32_t keep_checkpoints = 5;
  uint32_t models_retention_days = 30;
  uint32_t archive_retention_days = 365;
};

// What one bucket of the pipeline gets.
struct BucketPlan {
  std::string bucket;
  std::string stage;          // raw, curated, checkpoints, models, archive
  std::string storage_class;  // where its objects live (after the lifecycle's day-0 moves)
  bool versioning = false;
  std::string lock_mode;  // "" (no object lock), GOVERNANCE or COMPLIANCE
  uint32_t lock_days = 0;
  std::vector<std::pair<std::string, std::string>> tags;
  std::string lifecycle_xml;      // "" when the stage has no lifecycle rules
  std::string lifecycle_summary;  // one line for the table
  std::string status;             // planned, created, exists, or "error: ..."
};

// "" when `name` makes valid bucket names for every stage (lower-case letters, digits, '-' and
// '.', starting and ending with a letter or digit, NAME-checkpoints at most 63 characters);
// otherwise the problem.
std::string CheckPipelineName(const std::string& name);

// The buckets, in stage order. REQUIRES: CheckPipelineName(options.name) is "".
std::vector<BucketPlan> PlanPipeline(const PipelineOptions& options);

// Creates and configures each planned bucket, recording each one's status; continues after a
// failed bucket. Returns true when every bucket is configured.
bool ApplyPipeline(AdminClient& client, std::vector<BucketPlan>& plan);

// The table (bucket, class, versioning, lock, lifecycle, status) and the JSON document.
std::string FormatPipelineTable(const std::vector<BucketPlan>& plan);
nlohmann::json PipelineJson(const std::vector<BucketPlan>& plan, bool dry_run);

}  // namespace strata::admin
