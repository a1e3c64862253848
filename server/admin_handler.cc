#include "server/admin_handler.h"

#include <boost/beast/http/field.hpp>
#include <charconv>

#include "api/router.h"
#include "api/s3_errors.h"
#include "api/sigv4.h"
#include "api/uri.h"
#include "erasure/drive_format.h"
#include "server/admin_json.h"
#include "server/admin_usage.h"
#include "server/admin_users.h"
#include "server/console_handler.h"
#include "server/version.h"

namespace strata::server {
namespace {

constexpr std::string_view kAdminPrefix = "/strata/admin/v1/";

api::Response Json(http::status status, const nlohmann::ordered_json& body, std::string operation) {
  api::Response r;
  r.header.result(status);
  r.header.set(http::field::content_type, "application/json");
  r.header.set(http::field::cache_control, "no-store");
  r.body = body.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
  r.operation = std::move(operation);
  return r;
}

api::Response JsonError(http::status status, std::string_view code, std::string_view message,
                        std::string operation) {
  return Json(status, {{"error", code}, {"message", message}}, std::move(operation));
}

class AdminRequestHandler final : public RequestHandler {
 public:
  AdminRequestHandler(RequestHandler& s3, AdminContext context)
      : s3_(s3), ctx_(std::move(context)) {
    // The web console (console_handler.h) shows the same tiers and drives as GET info.
    console_ = NewConsoleHandler({ctx_.root, ctx_.identities, ctx_.store, ctx_.storage_classes,
                                  [this] { return Info(); }, ctx_.clock});
  }

  api::Response Handle(const http::request_header<>& request, storage::ByteSource& body,
                       const api::RequestContext& context) override {
    std::string_view target = request.target();
    const size_t q = target.find('?');
    std::string_view path = target.substr(0, q);
    const bool path_style =
        api::VirtualHostBucket(request[http::field::host], ctx_.virtual_host_domains).empty();
    // Only the bare path: "GET /metrics?list-type=2" is still a listing of a bucket "metrics".
    if (path_style && path == "/metrics" && q == std::string_view::npos &&
        (request.method() == http::verb::get || request.method() == http::verb::head)) {
      return Metrics(request, context);
    }
    if (path_style && path.starts_with(kAdminPrefix)) return Admin(request, body, context);
    if (path_style && IsConsolePath(path)) return console_->Handle(request, body, context);
    return s3_.Handle(request, body, context);
  }

  api::Response Overloaded(const http::request_header<>& request,
                           const api::RequestContext& context) override {
    return s3_.Overloaded(request, context);
  }

 private:
  // Root only: the signature must verify, and the key must be the root's. Returns the error
  // response, or nullopt when the request may proceed.
  // `verified` (optional) receives the request's AuthContext, for checking its body.
  std::optional<api::Response> CheckRoot(const http::request_header<>& request,
                                         const api::RequestContext& context, std::string operation,
                                         api::AuthContext* verified = nullptr) {
    // Users' keys verify too (a disabled one does not), and then get AccessDenied below.
    const api::Credentials& root = ctx_.root;
    api::IdentityProvider* identities = ctx_.identities;
    api::SecretLookup secrets = [&root,
                                 identities](std::string_view key) -> std::optional<std::string> {
      if (!root.access_key.empty() && key == root.access_key) return root.secret_key;
      if (identities == nullptr) return std::nullopt;
      auto record = identities->FindAccessKey(key);
      if (!record || !record->enabled) return std::nullopt;
      return record->secret_key;
    };
    std::string message;
    auto auth = api::VerifySigV4(request, secrets, ctx_.region, ctx_.clock(), &message);
    api::S3Errc error = api::S3Errc::kOk;
    if (!auth) {
      error = api::ToS3Error(auth.error());
    } else if (root.access_key.empty() || auth->access_key != root.access_key) {
      error = api::S3Errc::kAccessDenied;
    }
    if (error == api::S3Errc::kOk) {
      if (verified) *verified = std::move(*auth);
      return std::nullopt;
    }
    std::string_view target = request.target();
    api::Response r;
    r.header.result(api::GetS3ErrorInfo(error).http_status);
    r.header.set(http::field::content_type, "application/xml");
    if (request.method() != http::verb::head) {
      r.body = api::RenderErrorXml(error, target.substr(0, target.find('?')), context.request_id,
                                   message);
    }
    r.operation = std::move(operation);
    return r;
  }

  MetricsSnapshot Snapshot(bool with_drives) {
    MetricsSnapshot s;
    if (ctx_.metrics) ctx_.metrics->Fill(s);
    if (ctx_.gauges) ctx_.gauges(s);
    s.uptime_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - ctx_.started).count();
    if (!with_drives) return s;
    std::vector<erasure::DriveStatus> statuses;
    if (ctx_.chunks) statuses = ctx_.chunks->DriveStatuses();
    for (const TierConfig& t : ctx_.tiers) {
      const uint32_t width = t.data_shards + t.parity_shards;
      for (size_t i = 0; i < t.drives.size(); ++i) {
        DriveCapacity d = ProbeDriveCapacity(t.name, t.drives[i]);
        d.state = d.ok ? "online" : "offline";
        // The chunk store's verdict, when it has one, matched by slot (tier, set, position).
        for (const erasure::DriveStatus& st : statuses) {
          if (st.tier == t.name && width > 0 && st.set_index == i / width &&
              st.position == i % width) {
            d.state = erasure::DriveStateName(st.state);
          }
        }
        s.drives.push_back(std::move(d));
      }
    }
    if (ctx_.chunks) AddMaintenance(ctx_.chunks->Counters(), s);
    if (ctx_.lifecycle) AddLifecycle(ctx_.lifecycle->Counters(), s);
    if (ctx_.journal) AddJournal(ctx_.journal->Counters(), s);
    if (ctx_.heal) {
      HealStatus h = ctx_.heal->Status();
      s.extra.push_back({"strata_heal_running",
                         "1 while an operator heal pass runs.",
                         "gauge",
                         {},
                         h.state == HealStatus::State::kRunning ? 1.0 : 0.0});
      s.extra.push_back({"strata_heal_pass_blobs_scanned",
                         "Blobs verified by the current or last operator heal pass.",
                         "gauge",
                         {},
                         static_cast<double>(h.report.blobs_scanned)});
    }
    return s;
  }

  // Group commit shows as records / groups: how many writes share one fdatasync.
  static void AddJournal(const storage::JournalCounters& c, MetricsSnapshot& s) {
    auto add = [&s](std::string name, std::string help, std::string type, uint64_t v) {
      s.extra.push_back(
          {std::move(name), std::move(help), std::move(type), {}, static_cast<double>(v)});
    };
    add("strata_index_journal_records_total", "Metadata batches acknowledged by the journal.",
        "counter", c.records);
    add("strata_index_journal_groups_total",
        "Group commits (one write and one fdatasync per live copy each).", "counter", c.groups);
    add("strata_index_journal_bytes_total", "Journal bytes written per copy.", "counter", c.bytes);
    add("strata_index_journal_copies_live", "Journal copies being written.", "gauge",
        c.copies_live);
    add("strata_index_journal_copies_dropped", "Journal copies dropped after a failure.", "gauge",
        c.copies_dropped);
    add("strata_index_journal_checkpoints_total", "Index snapshots written.", "counter",
        c.checkpoints);
    add("strata_index_journal_snapshot_bytes_total",
        "Bytes of index snapshots written, per journal copy.", "counter", c.snapshot_bytes);
    add("strata_index_journal_checkpoint_failures_total", "Index snapshots that failed.", "counter",
        c.checkpoint_failures);
  }

  static void AddLifecycle(const storage::LifecycleCounters& c, MetricsSnapshot& s) {
    auto add = [&s](std::string name, std::string help, uint64_t v) {
      s.extra.push_back({std::move(name), std::move(help), "counter", {}, static_cast<double>(v)});
    };
    add("strata_lifecycle_passes_total", "Completed lifecycle passes.", c.passes);
    add("strata_lifecycle_versions_scanned_total", "Versions evaluated by lifecycle passes.",
        c.versions_scanned);
    add("strata_lifecycle_expired_total", "Current versions expired.", c.expired);
    add("strata_lifecycle_markers_written_total", "Delete markers written by expiration.",
        c.markers_written);
    add("strata_lifecycle_noncurrent_expired_total", "Noncurrent versions removed.",
        c.noncurrent_expired);
    add("strata_lifecycle_markers_removed_total", "Expired object delete markers removed.",
        c.markers_removed);
    add("strata_lifecycle_transitions_total", "Versions moved to another storage class.",
        c.transitions);
    add("strata_lifecycle_transition_bytes_total", "Bytes of the versions transitioned.",
        c.transition_bytes);
    add("strata_lifecycle_uploads_aborted_total", "Incomplete multipart uploads aborted.",
        c.uploads_aborted);
    add("strata_lifecycle_skipped_locked_total", "Removals skipped because of object lock.",
        c.skipped_locked);
    add("strata_lifecycle_errors_total", "Lifecycle actions that failed (retried next pass).",
        c.errors);
  }

  static void AddMaintenance(const erasure::MaintenanceCounters& c, MetricsSnapshot& s) {
    auto add = [&s](std::string name, std::string help, uint64_t v) {
      s.extra.push_back({std::move(name), std::move(help), "counter", {}, static_cast<double>(v)});
    };
    add("strata_scrub_passes_total", "Completed scrub passes.", c.scrub_passes);
    add("strata_scrub_blobs_scanned_total", "Blobs verified by scrub passes.", c.blobs_scanned);
    add("strata_heal_blobs_healed_total", "Damaged blobs fully repaired.", c.blobs_healed);
    add("strata_heal_blobs_failed_total", "Damaged blobs not fully repaired (retried).",
        c.blobs_heal_failed);
    add("strata_heal_blobs_unrecoverable_total", "Blobs with fewer than k good shards.",
        c.blobs_unrecoverable);
    add("strata_heal_shards_rewritten_total", "Shards rebuilt and rewritten.", c.shards_rewritten);
    add("strata_heal_bytes_read_total", "Bytes read by heal and scrub.", c.bytes_read);
    add("strata_heal_bytes_written_total", "Bytes written by heal.", c.bytes_written);
    add("strata_heal_queued_total", "Blobs queued for heal by readers that found damage.",
        c.heal_queued);
    add("strata_heal_dropped_total", "Blobs not queued for heal because the queue was full.",
        c.heal_dropped);
    add("strata_scrub_orphans_reclaimed_total",
        "Unreferenced blobs (crash leftovers) deleted by scrub passes.", c.orphans_reclaimed);
  }

  api::Response Metrics(const http::request_header<>& request, const api::RequestContext& context) {
    if (!ctx_.metrics_public) {
      if (auto denied = CheckRoot(request, context, "Metrics")) return std::move(*denied);
    }
    api::Response r;
    r.header.result(http::status::ok);
    r.header.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
    r.header.set(http::field::cache_control, "no-store");
    r.body = RenderPrometheus(Snapshot(/*with_drives=*/true));
    if (request.method() == http::verb::head) {
      r.header.set(http::field::content_length, std::to_string(r.body.size()));
      r.body.clear();
    }
    r.operation = "Metrics";
    return r;
  }

  api::Response Admin(const http::request_header<>& request, storage::ByteSource& body,
                      const api::RequestContext& context) {
    std::string_view target = request.target();
    std::string_view action = target.substr(0, target.find('?')).substr(kAdminPrefix.size());
    std::string operation = action == "info"          ? "AdminInfo"
                            : action == "heal"        ? "AdminHeal"
                            : action == "heal/status" ? "AdminHealStatus"
                            : action == "usage"       ? "AdminUsage"
                                                      : "Admin";
    if (action.starts_with("users") || action.starts_with("keys/")) {
      return Users(request, body, context);
    }
    // Authentication first: an unsigned caller learns nothing, not even which endpoints exist.
    if (auto denied = CheckRoot(request, context, operation)) return std::move(*denied);
    auto parsed = api::ParseTarget(target);
    if (!parsed) return JsonError(http::status::bad_request, "InvalidURI", "bad target", operation);
    const http::verb method = request.method();

    if (action == "info") {
      if (method != http::verb::get) return MethodNotAllowed(operation);
      return Json(http::status::ok, ServerInfoJson(Info()), operation);
    }
    if (action == "heal/status") {
      if (method != http::verb::get) return MethodNotAllowed(operation);
      if (!ctx_.heal) return NoHeal(operation);
      return Json(http::status::ok, HealStatusJson(ctx_.heal->Status()), operation);
    }
    if (action == "heal") {
      if (method != http::verb::post) return MethodNotAllowed(operation);
      if (!ctx_.heal) return NoHeal(operation);
      erasure::ScrubOptions options;
      options.dry_run = false;
      if (auto v = parsed->Query("dry_run")) options.dry_run = *v == "true" || *v == "1";
      if (auto v = parsed->Query("grace")) {
        uint64_t seconds = 0;
        auto [ptr, ec] = std::from_chars(v->data(), v->data() + v->size(), seconds);
        if (ec != std::errc() || ptr != v->data() + v->size() || seconds > 365ull * 86400) {
          return JsonError(http::status::bad_request, "InvalidArgument",
                           "grace must be a number of seconds", operation);
        }
        options.grace = std::chrono::seconds(seconds);
      }
      if (!ctx_.heal->Start(options)) {
        nlohmann::ordered_json body = {{"error", "HealInProgress"},
                                       {"message", "a heal pass is already running"},
                                       {"status", HealStatusJson(ctx_.heal->Status())}};
        return Json(http::status::conflict, body, operation);
      }
      return Json(http::status::accepted, HealStatusJson(ctx_.heal->Status()), operation);
    }
    if (action == "usage") {
      if (method != http::verb::get) return MethodNotAllowed(operation);
      if (!ctx_.store) {
        return JsonError(http::status::not_implemented, "NotImplemented", "no object store",
                         operation);
      }
      auto usage = ComputeUsage(*ctx_.store, ctx_.storage_classes);
      if (!usage) {
        return JsonError(http::status::internal_server_error, "InternalError",
                         usage.error().message(), operation);
      }
      std::vector<std::string> tier_names;
      for (const TierConfig& t : ctx_.tiers) tier_names.push_back(t.name);
      return Json(http::status::ok, UsageJson(*usage, tier_names), operation);
    }
    return JsonError(http::status::not_found, "NoSuchAdminEndpoint",
                     "unknown admin endpoint: " + std::string(action), operation);
  }

  // The user endpoints (admin_users.h): root only, like the rest.
  api::Response Users(const http::request_header<>& request, storage::ByteSource& body,
                      const api::RequestContext& context) {
    auto parsed = api::ParseTarget(request.target());
    std::string_view path;
    if (parsed && parsed->path.starts_with(kAdminPrefix)) {
      path = std::string_view(parsed->path).substr(kAdminPrefix.size());
    }
    std::optional<UserAdminRoute> route = RouteUserAdmin(request.method(), path);
    const std::string operation = route ? route->operation : "Admin";
    api::AuthContext auth;
    if (auto denied = CheckRoot(request, context, operation, &auth)) return std::move(*denied);
    if (!parsed) return JsonError(http::status::bad_request, "InvalidURI", "bad target", operation);
    if (!route) {
      return JsonError(http::status::not_found, "NoSuchAdminEndpoint",
                       "unknown admin endpoint: " + std::string(path), operation);
    }
    if (!route->method_allowed) return MethodNotAllowed(operation);
    if (!ctx_.identity_store) {
      return JsonError(http::status::not_implemented, "NotImplemented",
                       "this server has no identity store", operation);
    }
    auto query = [&parsed](std::string_view name) { return parsed->Query(name); };
    // The body (a policy document) is read only after the signature verified, through the
    // payload check (its signed SHA-256 or chunk signatures), and never beyond `limit` + 1 bytes.
    auto read_body = [&](size_t limit) -> storage::Result<std::string> {
      auto payload = api::NewPayloadSource(body, auth, request);
      if (!payload) return payload.error();
      std::string out(limit + 1, '\0');
      auto n = storage::ReadFull(**payload, std::as_writable_bytes(std::span(out)));
      if (!n) return n.error();
      if (*n > limit) return make_error_code(storage::Errc::kEntityTooLarge);
      out.resize(*n);  // ReadFull saw the end, where the payload's digest was checked
      return out;
    };
    AdminReply reply =
        HandleUserAdmin(*ctx_.identity_store, request.method(), path, query, read_body);
    if (!reply.raw) return Json(reply.status, reply.json, operation);
    api::Response r;
    r.header.result(reply.status);
    r.header.set(http::field::cache_control, "no-store");
    if (reply.status != http::status::no_content) {
      r.header.set(http::field::content_type, "application/json");
      r.body = std::move(*reply.raw);
    }
    r.operation = operation;
    return r;
  }

  static api::Response MethodNotAllowed(std::string operation) {
    return JsonError(http::status::method_not_allowed, "MethodNotAllowed",
                     "method not allowed on this admin endpoint", std::move(operation));
  }

  static api::Response NoHeal(std::string operation) {
    return JsonError(http::status::not_implemented, "NotImplemented",
                     "this server's chunk store cannot heal", std::move(operation));
  }

  ServerInfo Info() {
    ServerInfo info;
    info.version = std::string(kStrataVersion);
    info.region = ctx_.region;
    info.endpoints = ctx_.endpoints;
    info.metrics = Snapshot(/*with_drives=*/true);
    info.uptime_seconds = info.metrics.uptime_seconds;
    size_t next = 0;
    for (const TierConfig& t : ctx_.tiers) {
      TierInfo tier{t.name, t.data_shards, t.parity_shards, t.block_size, {}};
      for (size_t i = 0; i < t.drives.size() && next < info.metrics.drives.size(); ++i) {
        tier.drives.push_back(info.metrics.drives[next++]);
      }
      info.tiers.push_back(std::move(tier));
    }
    if (ctx_.chunks) info.maintenance = ctx_.chunks->Counters();
    if (ctx_.heal) info.heal = ctx_.heal->Status();
    if (ctx_.lifecycle) info.lifecycle = ctx_.lifecycle->Counters();
    return info;
  }

  RequestHandler& s3_;
  const AdminContext ctx_;
  std::unique_ptr<RequestHandler> console_;
};

}  // namespace

std::unique_ptr<RequestHandler> NewAdminRequestHandler(RequestHandler& s3, AdminContext context) {
  return std::make_unique<AdminRequestHandler>(s3, std::move(context));
}

}  // namespace strata::server
