// Internal to erasure/: a few process-wide threads for data-path work that overlaps the request
// thread: encoding and writing stripes, committing shards in parallel, reading ahead. Jobs must
// not block on other jobs (they may queue behind them). Thread-safe.
#pragma once

#include <functional>

namespace strata::erasure {

// Runs job on a background thread, in FIFO order of submission across all callers. The caller
// keeps whatever the job touches alive until the job has finished (jobs are never dropped).
void RunInBackground(std::function<void()> job);

}  // namespace strata::erasure
