// strata-server: reads the configuration, opens the storage stack (LevelDB index, drives, erasure
// chunk store, object store), and serves S3 over HTTP until SIGTERM/SIGINT.
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <mutex>
#include <sstream>
#include <thread>

#include "api/router.h"
#include "api/s3_api.h"
#include "api/uri.h"
#include "erasure/chunk_store.h"
#include "erasure/drive.h"
#include "erasure/drive_format.h"
#include "server/access_log.h"
#include "server/admin_handler.h"
#include "server/audit_archive.h"
#include "server/audit_handler.h"
#include "server/audit_log.h"
#include "server/config.h"
#include "server/heal_job.h"
#include "server/http_server.h"
#include "server/identity_provider.h"
#include "server/log.h"
#include "server/metrics.h"
#include "server/rebuild_index.h"
#include "server/request_handler.h"
#include "server/thread_slice.h"
#include "server/tls.h"
#include "server/worker_pool.h"
#include "storage/identity_store.h"
#include "storage/journaled_metadata_store.h"
#include "storage/lifecycle_worker.h"
#include "storage/metadata_store.h"
#include "storage/object_store.h"
#include "storage/orphan_check.h"
#include "storage/sse.h"

namespace strata::server {
namespace {

// Background scrub: every shard block of every blob verified (and healed) once a day, throttled
// so that foreground requests keep the disks.
constexpr std::chrono::seconds kScrubInterval = std::chrono::hours(24);
constexpr uint64_t kScrubBytesPerSecond = 32ull << 20;
// Clients count as being served this long after a request: a closed-loop client's next request
// is sub-millisecond away, a metrics scrape a second.
constexpr std::chrono::milliseconds kForegroundBusyWindow{100};

namespace fs = std::filesystem;

int Fail(const std::string& message) {
  std::cerr << "strata-server: " << message << "\n";
  return 1;
}

// Creates `dir` and checks that we can write into it, so a read-only or foreign folder fails at
// startup with its name rather than at the first PUT.
bool EnsureWritableDir(const std::string& dir, std::string& error) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    error = "cannot create folder \"" + dir + "\": " + ec.message();
    return false;
  }
  fs::path probe = fs::path(dir) / ".strata-write-probe";
  {
    std::ofstream out(probe);
    if (!out || !(out << "probe") || !out.flush()) {
      error = "folder \"" + dir + "\" is not writable";
      return false;
    }
  }
  fs::remove(probe, ec);
  return true;
}

std::string UrlHost(const std::string& host) {
  return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

// Forwards to the S3 handler once the storage stack is open; the server binds before that and
// serves nothing until Run().
struct LateHandler final : RequestHandler {
  api::Response Handle(const http::request_header<>& request, storage::ByteSource& body,
                       const api::RequestContext& context) override {
    return target->Handle(request, body, context);
  }
  api::Response Overloaded(const http::request_header<>& request,
                           const api::RequestContext& context) override {
    return target->Overloaded(request, context);
  }
  std::unique_ptr<RequestHandler> target;
};

int Main(int argc, char** argv) {
  auto flags = ParseFlags(std::vector<std::string>(argv + 1, argv + argc));
  if (!flags) {
    std::cerr << "strata-server: " << flags.error().message << "\n\n" << UsageText();
    return 2;
  }
  if (flags->help) {
    std::cout << UsageText();
    return 0;
  }

  std::string json_text;
  if (flags->config) {
    std::ifstream in(*flags->config, std::ios::binary);
    if (!in) return Fail("cannot read config file \"" + *flags->config + "\"");
    std::ostringstream ss;
    ss << in.rdbuf();
    json_text = ss.str();
    if (json_text.empty()) return Fail("config file \"" + *flags->config + "\" is empty");
  }
  auto config = ParseConfig(json_text, *flags, std::thread::hardware_concurrency());
  if (!config) {
    return Fail("bad configuration" +
                (flags->config ? " in \"" + *flags->config + "\"" : std::string()) + ": " +
                config.error().message);
  }
  for (const std::string& w : config->warnings)
    std::cerr << "strata-server: warning: " << w << "\n";
  SetLogLevel(config->log_level);
  const auto started = std::chrono::steady_clock::now();

  if (flags->rebuild_index) {
    // Offline: the lock keeps a server off the data folder while the index is swapped.
    std::string error;
    if (!EnsureWritableDir(config->data_dir, error)) return Fail(error);
    if (!LockDataDir(config->data_dir, error)) return Fail(error);
    return RunRebuildIndex(*config, std::cout);
  }

  // Request telemetry: the access log and the metrics, fed by the HTTP layer.
  std::unique_ptr<LineWriter> access_file;
  if (!config->access_log.empty()) {
    std::string error;
    access_file = LineWriter::OpenFile(config->access_log, &error);
    if (!access_file) return Fail("access log: " + error);
  }
  AccessLog access_log(std::move(access_file));
  RequestMetrics request_metrics;

  std::shared_ptr<boost::asio::ssl::context> tls_context;
  if (config->tls) {
    std::string error;
    tls_context = MakeServerTlsContext(config->tls->cert_file, config->tls->key_file, &error);
    if (!tls_context) return Fail(error);
  }

  RootCredentials root = LoadRootCredentials([](const char* name) -> std::optional<std::string> {
    const char* v = std::getenv(name);
    return v ? std::optional<std::string>(v) : std::nullopt;
  });
  if (root.is_default) {
    std::cerr << "\n"
                 "*********************************************************************\n"
                 "* WARNING: STRATA_ROOT_ACCESS_KEY / STRATA_ROOT_SECRET_KEY are unset. *\n"
                 "* Using the PUBLIC development credentials printed below. Anyone who *\n"
                 "* can reach this port can read and write everything. Set both       *\n"
                 "* variables before exposing the server.                             *\n"
                 "*********************************************************************\n\n";
  }

  // Bind first: a busy port fails fast, before the data folder is touched.
  LateHandler handler;
  // Workers block on disk and on request bodies; the queue bounds what waits beyond them.
  // Short slices for the workers (thread_slice.h): a woken worker runs almost at once.
  std::function<void()> worker_start;
  if (config->worker_slice_us != 0) {
    worker_start = [slice = std::chrono::microseconds(config->worker_slice_us)] {
      static std::once_flag refused;
      if (!RequestThreadSlice(slice)) {
        std::call_once(refused, [] {
          Log(LogLevel::kInfo, "workers keep the kernel's default time slice (refused)");
        });
      }
    };
  }
  WorkerPool pool(config->workers, std::max<size_t>(64, 8 * size_t{config->workers}),
                  std::move(worker_start));
  HttpServerOptions http_options;
  http_options.serve_plain = config->http_enabled;
  http_options.host = config->listen_host;
  http_options.port = config->listen_port;
  if (config->tls) {
    http_options.tls_context = tls_context;
    http_options.tls_host = config->tls->listen_host;
    http_options.tls_port = config->tls->listen_port;
  }
  http_options.io_threads = std::thread::hardware_concurrency() > 1 ? 2 : 1;
  {
    const LimitsConfig& l = config->limits;
    http_options.max_connections = l.max_connections;
    http_options.header_limit = l.header_bytes;
    http_options.header_line_limit = l.header_line_bytes;
    http_options.max_header_fields = l.header_fields;
    http_options.max_uri = l.uri_bytes;
    http_options.header_timeout = std::chrono::seconds(l.header_timeout_seconds);
    http_options.idle_timeout = std::chrono::seconds(l.idle_timeout_seconds);
    http_options.body_timeout = std::chrono::seconds(l.body_timeout_seconds);
  }
  http_options.on_request = [&access_log, &request_metrics](const RequestRecord& record) {
    request_metrics.RecordRequest(record);
    access_log.Record(record);
  };
  HttpServer server(http_options, handler, pool);
  std::string failed_address;
  if (auto ec = server.Listen(&failed_address)) {
    return Fail("cannot listen on " + failed_address + ": " + ec.message());
  }

  // The storage stack, bottom up.
  std::string error;
  if (!EnsureWritableDir(config->data_dir, error)) return Fail(error);
  if (!LockDataDir(config->data_dir, error)) return Fail(error);
  // Never start empty over existing data: a lost index is rebuilt from the journal, offline.
  if (!IndexExists(config->index_dir) && JournalHasData(*config)) {
    return Fail("the metadata index at \"" + config->index_dir +
                "\" is missing, but the drives hold an index journal with records. Refusing to "
                "start with an empty index over existing data. Rebuild it with: strata-server "
                "--rebuild-index" +
                (flags->config ? " --config " + *flags->config : " --data " + config->data_dir));
  }
  if (!EnsureWritableDir(config->index_dir, error)) return Fail(error);
  // The audit log: continues its hash chain from the last record on disk.
  std::unique_ptr<AuditLog> audit;
  if (config->audit.enabled) {
    if (!EnsureWritableDir(config->audit.dir, error)) return Fail("audit log: " + error);
    std::string detail;
    auto opened = AuditLog::Open({.dir = config->audit.dir,
                                  .segment_bytes = config->audit.segment_bytes,
                                  .deployment = fs::absolute(config->data_dir).string(),
                                  .sync = true},
                                 &detail);
    if (!opened) return Fail("cannot open the audit log: " + detail);
    audit = std::move(*opened);
  }
  // The journal in front of the index is the durable log, so LevelDB need not sync.
  auto index = storage::OpenLevelDbMetadataStore(config->index_dir, {.sync = false});
  if (!index) {
    return Fail("cannot open the metadata index at \"" + config->index_dir +
                "\": " + index.error().message() + " (is another strata-server using it?)");
  }
  std::vector<erasure::TierSpec> tiers;
  for (const TierConfig& t : config->tiers) {
    erasure::TierSpec spec;
    spec.name = t.name;
    spec.data_shards = t.data_shards;
    spec.parity_shards = t.parity_shards;
    spec.block_size = t.block_size;
    for (const std::string& dir : t.drives) {
      if (!EnsureWritableDir(dir, error)) return Fail("tier \"" + t.name + "\": " + error);
      auto drive = erasure::OpenLocalDrive(dir);
      if (!drive) {
        return Fail("tier \"" + t.name + "\": cannot open drive \"" + dir +
                    "\": " + drive.error().message());
      }
      spec.drives.push_back(std::move(*drive));
    }
    tiers.push_back(std::move(spec));
  }
  erasure::ChunkStoreOptions chunk_options;
  // Each drive carries a format record (deployment, tier, set, slot): a foreign, swapped or
  // corrupt drive is refused and kept offline instead of being mixed in; an empty replacement is
  // formatted and rebuilt by the next scrub (which starts at once when that happens).
  chunk_options.check_drive_identity = true;
  chunk_options.scrub_interval = kScrubInterval;
  chunk_options.scrub.max_bytes_per_second = kScrubBytesPerSecond;
  // Orphan reclamation: scrub passes delete blobs no index record references (leftovers of
  // crashes between a blob's commit and its record). The index opens after the chunk store,
  // so the check binds late; until then every blob counts as referenced.
  std::atomic<storage::MetadataStore*> orphan_index{nullptr};
  chunk_options.scrub.is_referenced = [&orphan_index](const erasure::ScrubBlob& blob) {
    storage::MetadataStore* index = orphan_index.load();
    return index == nullptr || storage::CheckBlobReference(*index, blob.label, blob.blob_id) !=
                                   storage::BlobReference::kUnreferenced;
  };
  auto chunks = erasure::NewErasureChunkStore(std::move(tiers), chunk_options);
  if (!chunks) return Fail("cannot build the erasure chunk store: " + chunks.error().message());
  for (const erasure::DriveStatus& drive : (*chunks)->DriveStatuses()) {
    if (drive.state == erasure::DriveState::kOnline) continue;
    Log(drive.online() ? LogLevel::kInfo : LogLevel::kWarn,
        "drive " + drive.path + " (tier " + drive.tier + ", set " +
            std::to_string(drive.set_index) + ", slot " + std::to_string(drive.position) +
            "): " + erasure::DriveStateName(drive.state) +
            (drive.detail.empty() ? "" : ": " + drive.detail));
  }

  // The index journal: every metadata batch, durable on a majority of its copies (on the data
  // drives) before it reaches the index.
  storage::IndexJournalOptions journal_options;
  journal_options.segment_bytes = config->index_journal_segment_bytes;
  journal_options.log = [](const std::string& m) { Log(LogLevel::kWarn, m); };
  std::string journal_detail;
  auto metadata = storage::OpenJournaledMetadataStore(std::move(*index), OpenJournalCopies(*config),
                                                      journal_options, &journal_detail);
  if (!metadata) {
    return Fail("cannot open the index journal: " +
                (journal_detail.empty() ? metadata.error().message() : journal_detail));
  }
  orphan_index.store(metadata->get());
  if ((*metadata)->replayed_at_open() > 0) {
    Log(LogLevel::kInfo, "index journal: replayed " +
                             std::to_string((*metadata)->replayed_at_open()) +
                             " records into the index");
  }

  storage::StoreOptions store_options;
  store_options.storage_class_tiers = config->storage_classes;
  store_options.inline_threshold = config->inline_threshold;
  // Encryption at rest (issue 7): the master key that wraps SSE-S3 data keys, private (0600)
  // and 32 bytes like the identity key, and kept apart from it so either can be rotated alone.
  {
    std::string sse_detail;
    bool sse_created = false;
    auto sse_key =
        storage::LoadOrCreateMasterKey(config->sse_master_key_file, &sse_detail, &sse_created);
    if (!sse_key) return Fail("encryption: " + sse_detail);
    if (auto ec = storage::CheckSseMasterKey(*sse_key, **metadata)) {
      return Fail("encryption: the master key file \"" + config->sse_master_key_file +
                  "\" is not the one this index's objects were encrypted under (" + ec.message() +
                  ")");
    }
    if (sse_created) {
      Log(LogLevel::kInfo, "encryption: created master key file " + config->sse_master_key_file +
                               " (back it up: SSE-S3 objects cannot be read without it)");
    }
    store_options.sse_keyring = std::make_shared<const storage::SseKeyring>(std::move(*sse_key));
  }
  std::unique_ptr<storage::ObjectStore> store =
      storage::NewObjectStore(**metadata, **chunks, store_options);

  // Lifecycle rules, applied in the background through the ObjectStore (object lock enforced).
  // Transitions slow down to the busy rate while clients are being served (issue 8).
  storage::LifecycleWorkerOptions lifecycle_options;
  lifecycle_options.day_length = std::chrono::seconds(config->lifecycle.day_seconds);
  lifecycle_options.interval = std::chrono::seconds(config->lifecycle.interval_seconds);
  lifecycle_options.transition_bytes_per_second = config->lifecycle.transition_mb_per_second << 20;
  lifecycle_options.transition_busy_bytes_per_second =
      config->lifecycle.transition_busy_mb_per_second << 20;
  lifecycle_options.foreground_busy = [&server] {
    return server.ForegroundBusy(kForegroundBusyWindow);
  };
  storage::LifecycleWorker lifecycle(*store, std::move(lifecycle_options));
  lifecycle.Start();

  // Users and their access keys (issue 7): secrets sealed under the master key file, which
  // must be private (0600) and 32 bytes; a key file that does not match the index is refused.
  std::string key_detail;
  bool key_created = false;
  auto master_key =
      storage::LoadOrCreateMasterKey(config->identity_master_key_file, &key_detail, &key_created);
  if (!master_key) return Fail("identity: " + key_detail);
  if (key_created) {
    Log(LogLevel::kInfo, "identity: created master key file " + config->identity_master_key_file +
                             " (back it up: users' secret keys cannot be read without it)");
  }
  auto identity_store = storage::IdentityStore::Open(**metadata, std::move(*master_key));
  if (!identity_store) {
    return Fail("identity: cannot open the user store with the master key file \"" +
                config->identity_master_key_file + "\": " + identity_store.error().message());
  }
  std::unique_ptr<api::IdentityProvider> identities = NewStoreIdentityProvider(**identity_store);

  // The audit log's locked copy: closed segments go into the archive bucket (audit_archive.h).
  std::unique_ptr<AuditArchiver> audit_archiver;
  if (audit && !config->audit.archive_bucket.empty()) {
    AuditArchiverOptions archive_options;
    archive_options.dir = config->audit.dir;
    archive_options.bucket = config->audit.archive_bucket;
    archive_options.retain_days = config->audit.archive_retain_days;
    audit_archiver = std::make_unique<AuditArchiver>(*store, std::move(archive_options));
    audit->SetRotationListener([a = audit_archiver.get()](const std::string&) { a->Notify(); });
    audit_archiver->Start();
  }

  api::ApiConfig api_config;
  api_config.region = config->region;
  api_config.virtual_host_domains = config->domains;
  api_config.root = {root.access_key, root.secret_key};
  api_config.identities = identities.get();
  api_config.sse_customer_keys_need_tls = !config->sse_customer_keys_over_http;
  api::S3Api s3(*store, api_config);
  std::unique_ptr<RequestHandler> s3_handler = NewS3RequestHandler(s3);

  // The operator's heal: one ScrubAll pass on demand (the admin API).
  erasure::ChunkStore& chunk_store = **chunks;
  HealJob heal(
      [&chunk_store](const erasure::ScrubOptions& options, const erasure::ScrubProgress& progress)
          -> erasure::Result<erasure::ScrubReport> {
        auto r = chunk_store.ScrubAll(options, progress);
        // ChunkStore's default: this store cannot scrub.
        if (!r && r.error() == erasure::Errc::kInvalidArgument) {
          return make_error_code(boost::system::errc::function_not_supported);
        }
        return r;
      },
      chunk_options.scrub.is_referenced);

  std::vector<std::string> endpoints;
  if (server.local_port() != 0) {
    endpoints.push_back("http://" + UrlHost(config->listen_host) + ":" +
                        std::to_string(server.local_port()));
  }
  if (server.tls_port() != 0) {
    endpoints.push_back("https://" + UrlHost(config->tls->listen_host) + ":" +
                        std::to_string(server.tls_port()));
  }
  AdminContext admin;
  admin.region = config->region;
  admin.virtual_host_domains = config->domains;
  admin.root = api_config.root;
  admin.metrics_public = config->metrics_public;
  admin.tiers = config->tiers;
  admin.endpoints = endpoints;
  admin.started = started;
  admin.metrics = &request_metrics;
  admin.heal = &heal;
  admin.chunks = &chunk_store;
  admin.lifecycle = &lifecycle;
  admin.journal = &(*metadata)->journal();
  admin.store = store.get();
  admin.storage_classes = config->storage_classes;
  admin.identities = identities.get();
  admin.identity_store = identity_store->get();
  admin.gauges = [&server, &pool, archiver = audit_archiver.get()](MetricsSnapshot& s) {
    s.connections_open = server.connection_count();
    s.worker_queue_depth = pool.queued();
    s.workers_busy = pool.busy();
    s.workers = pool.threads();
    if (archiver) {
      const AuditArchiveCounters c = archiver->counters();
      s.extra.push_back({"strata_audit_archived_segments_total",
                         "Audit segments stored in the archive bucket.",
                         "counter",
                         {},
                         static_cast<double>(c.archived)});
      s.extra.push_back({"strata_audit_archive_failures_total",
                         "Failed attempts to archive an audit segment (retried).",
                         "counter",
                         {},
                         static_cast<double>(c.failures)});
      s.extra.push_back({"strata_audit_archive_mismatches_total",
                         "Local audit segments that differ from their archived copy.",
                         "counter",
                         {},
                         static_cast<double>(c.mismatches)});
    }
  };
  std::unique_ptr<RequestHandler> admin_handler =
      NewAdminRequestHandler(*s3_handler, std::move(admin));
  if (audit) {
    AuditHandlerOptions audit_options;
    audit_options.reads = config->audit.reads;
    audit_options.locate = [domains = config->domains](const http::request_header<>& request) {
      AuditTarget t;
      if (auto target = api::ParseTarget(request.target())) {
        api::Route route = api::RouteRequest(request, *target, domains);
        t.bucket = std::move(route.bucket);
        t.key = std::move(route.key);
      }
      return t;
    };
    handler.target = NewAuditRequestHandler(*admin_handler, *audit, std::move(audit_options));
  } else {
    handler.target = std::move(admin_handler);
  }

  for (const std::string& e : endpoints) std::cout << "Strata listening on " << e << "\n";
  std::cout << "  region:     " << config->region << "\n"
            << "  data:       " << config->data_dir << " (index " << config->index_dir << ")\n";
  {
    const auto paths = (*metadata)->journal().CopyPaths();
    std::cout << "  journal:    " << paths.size() << " copies:";
    for (const std::string& p : paths) std::cout << " " << p;
    std::cout << "\n";
  }
  for (const TierConfig& t : config->tiers) {
    std::cout << "  tier " << t.name << ":"
              << std::string(t.name.size() < 6 ? 6 - t.name.size() : 1, ' ') << t.data_shards << "+"
              << t.parity_shards << " over " << t.drives.size() << " drives (" << t.drives.front()
              << " ...)\n";
  }
  std::cout << "  classes:   ";
  for (const auto& [cls, tier] : config->storage_classes) std::cout << " " << cls << "->" << tier;
  std::cout << "\n  workers:    " << config->workers << "\n"
            << "  audit:      "
            << (audit ? config->audit.dir + (config->audit.reads ? " (writes and reads)" : "") +
                            (audit_archiver ? ", archived to bucket " + config->audit.archive_bucket
                                            : std::string())
                      : std::string("off"))
            << "\n"
            << "  access key: " << root.access_key << "\n";
  if (root.is_default)
    std::cout << "  secret key: " << root.secret_key << " (development default)\n";
  std::cout << "  metrics:    /metrics (" << (config->metrics_public ? "public" : "root only")
            << ")\n";
  std::cout << std::flush;

  server.Run(/*handle_signals=*/true);
  pool.Shutdown();  // finishes queued requests before the stack below is destroyed
  if (audit_archiver) {
    // No forced rotation: the live segment is archived after it closes, in a later run.
    audit->SetRotationListener({});
    audit_archiver->Stop();  // before the object store goes
  }
  heal.Stop();       // before the chunk store goes
  lifecycle.Stop();  // before the object store goes
  // The background scrubber asks the index (orphan check), which is destroyed before the
  // chunk store: stop it first.
  (*chunks)->StopBackgroundWork();
  std::cout << "Strata stopped\n";
  return 0;
}

}  // namespace
}  // namespace strata::server

int main(int argc, char** argv) {
  try {
    return strata::server::Main(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "strata-server: fatal: " << e.what() << "\n";
    return 1;
  }
}
