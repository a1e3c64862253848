// strata-admin: the operator's CLI for a running Strata server.
//
//   strata-admin [--endpoint URL] [--json] [--ca FILE] [--insecure] [--region R] info
//   strata-admin ... heal [--wait] [--dry-run] [--grace SECONDS]
//   strata-admin ... heal status
//   strata-admin ... user add|list|remove|key ...|policy ...   (tools/admin/users.h)
//   strata-admin ... drives | usage
//   strata-admin ... pipeline create NAME [--raw-days N] [--keep-checkpoints N]
//                    [--models-retention-days N] [--archive-retention-days N] [--dry-run]
//
// Credentials come from STRATA_ROOT_ACCESS_KEY / STRATA_ROOT_SECRET_KEY (the server's root).
// Exit status: 0 success (heal --wait: the pass finished and everything is fully redundant),
// 1 failure (server error, heal failed or left damage), 2 usage error.
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "tools/admin/admin_client.h"
#include "tools/admin/audit.h"
#include "tools/admin/format.h"
#include "tools/admin/inventory.h"
#include "tools/admin/pipeline.h"
#include "tools/admin/users.h"

namespace strata::admin {
namespace {

using json = nlohmann::json;

constexpr std::string_view kUsage = R"(Usage: strata-admin [options] COMMAND

Commands:
  info                     server version, uptime, tiers, drives (capacity, state), counters
  heal [--wait] [--dry-run] [--grace SECONDS]
                           start a scrub-and-heal pass over every drive; with --wait, show its
                           progress and exit 0 only when it finished with full redundancy
  heal status              the running or last heal pass
  drives                   every drive: tier, erasure set, slot, path, state, capacity used/total
  usage                    objects and bytes per bucket and tier (sums the version listings)
  audit verify|tail ...    the audit log, offline (strata-admin audit --help)
  pipeline create NAME [--raw-days N] [--keep-checkpoints N] [--models-retention-days N]
                       [--archive-retention-days N] [--dry-run]
                           create (or reconfigure) the buckets of a data pipeline over the S3
                           API: NAME-raw (versioned, GLACIER after --raw-days, default 30),
                           NAME-curated, NAME-checkpoints (versioned, noncurrent versions expire
                           keeping the newest --keep-checkpoints, default 5), NAME-models
                           (GOVERNANCE retention, --models-retention-days, default 30),
                           NAME-archive (COMPLIANCE retention, --archive-retention-days, default
                           365; DEEP_ARCHIVE at day 0); --dry-run prints the plan, sends nothing
  user add NAME            create a user and its first access key (prints the key and secret)
  user list                the users, with their number of keys and policies
  user remove NAME         delete a user with its access keys and policies
  user key add NAME        a new access key for the user (prints the key and secret)
  user key list NAME       the user's access keys: id, status, created (never the secret)
  user key disable|enable|remove ACCESS_KEY
  user policy put NAME POLICY FILE
                           attach (or replace) the user policy POLICY from FILE ("-": stdin)
  user policy list NAME | get NAME POLICY | remove NAME POLICY

Options:
  --endpoint URL           server address (default $STRATA_ENDPOINT, else http://127.0.0.1:9000)
  --json                   print the server's JSON instead of tables
  --ca FILE                https: trust this CA certificate (PEM)
  --insecure               https: do not verify the server certificate (testing only)
  --region R               SigV4 region (default us-east-1)
  --help                   this text

Environment: STRATA_ROOT_ACCESS_KEY, STRATA_ROOT_SECRET_KEY (the server's root credentials).
)";

struct Args {
  std::string endpoint;
  bool json = false;
  std::string ca_file;
  bool insecure = false;
  std::string region = "us-east-1";
  std::vector<std::string> command;
  bool wait = false;
  bool dry_run = false;
  std::optional<std::string> grace;
  PipelineOptions pipeline;
};

int Usage(const std::string& problem) {
  std::cerr << "strata-admin: " << problem << "\n\n" << kUsage;
  return 2;
}

class Cli {
 public:
  Cli(Args args, AdminClient client) : args_(std::move(args)), client_(std::move(client)) {}

  int Run() {
    const auto& c = args_.command;
    if (c.size() == 1 && c[0] == "info") return Info();
    if (c.size() == 1 && c[0] == "heal") return Heal();
    if (c.size() == 2 && c[0] == "heal" && c[1] == "status") return HealStatus();
    if (c.size() == 1 && c[0] == "drives") return Show("/strata/admin/v1/info", FormatDrives);
    if (c.size() == 1 && c[0] == "usage") return Show("/strata/admin/v1/usage", FormatUsage);
    if (!c.empty() && c[0] == "user") {
      return RunUserCommand(client_, std::vector<std::string>(c.begin() + 1, c.end()), args_.json);
    }
    if (c.size() == 3 && c[0] == "pipeline" && c[1] == "create") return PipelineCreate(c[2]);
    if (!c.empty() && c[0] == "pipeline") return Usage("usage: pipeline create NAME [options]");
    return Usage("unknown command");
  }

 private:
  std::optional<HttpResult> Call(std::string_view method, const std::string& target) {
    std::string error;
    auto r = client_.Call(method, target, &error);
    if (!r) std::cerr << "strata-admin: " << error << "\n";
    return r;
  }

  int Info() {
    auto r = Call("GET", "/strata/admin/v1/info");
    if (!r) return 1;
    if (r->status != 200) return ReportFailure(*r);
    auto j = ParseJson(*r);
    if (!j) return Invalid();
    if (args_.json) {
      std::cout << r->body;
    } else {
      std::cout << FormatInfo(*j);
    }
    return 0;
  }

  // GETs `target` and prints its JSON (--json) or `format`'s table.
  int Show(const std::string& target, std::string (*format)(const json&)) {
    auto r = Call("GET", target);
    if (!r) return 1;
    if (r->status != 200) return ReportFailure(*r);
    auto j = ParseJson(*r);
    if (!j) return Invalid();
    if (args_.json) {
      std::cout << r->body;
    } else {
      std::cout << format(*j);
    }
    return 0;
  }

  int HealStatus() {
    auto r = Call("GET", "/strata/admin/v1/heal/status");
    if (!r) return 1;
    if (r->status != 200) return ReportFailure(*r);
    auto j = ParseJson(*r);
    if (!j) return Invalid();
    if (args_.json) {
      std::cout << r->body;
    } else {
      std::cout << FormatHealSummary(*j);
    }
    return 0;
  }

  int Heal() {
    std::string target = "/strata/admin/v1/heal";
    std::string sep = "?";
    if (args_.dry_run) {
      target += sep + "dry_run=true";
      sep = "&";
    }
    if (args_.grace) target += sep + "grace=" + *args_.grace;
    auto r = Call("POST", target);
    if (!r) return 1;
    uint64_t pass = 0;
    if (r->status == 409 && args_.wait) {
      // A pass is already running: follow it.
      auto j = ParseJson(*r);
      if (j && j->contains("status")) pass = (*j)["status"].value("pass", uint64_t{0});
      if (!args_.json) std::cerr << "A heal pass is already running; following it.\n";
    } else if (r->status != 202) {
      return ReportFailure(*r);
    } else {
      auto j = ParseJson(*r);
      if (!j) return Invalid();
      pass = j->value("pass", uint64_t{0});
      if (!args_.wait) {
        if (args_.json) {
          std::cout << r->body;
        } else {
          std::cout << "Heal pass " << pass
                    << " started; `strata-admin heal status` shows its progress.\n";
        }
        return 0;
      }
    }
    return Wait(pass);
  }

  int Wait(uint64_t pass) {
    const bool tty = ::isatty(STDERR_FILENO) != 0 && !args_.json;
    static constexpr const char* kSpinner = "|/-\\";
    size_t tick = 0;
    for (;;) {
      auto r = Call("GET", "/strata/admin/v1/heal/status");
      if (!r) return 1;
      if (r->status != 200) return ReportFailure(*r);
      auto j = ParseJson(*r);
      if (!j) return Invalid();
      const std::string state = j->value("state", "");
      if (pass != 0 && j->value("pass", uint64_t{0}) != pass) {
        std::cerr << "strata-admin: another heal pass replaced pass " << pass << "\n";
        return 1;
      }
      if (state != "running") {
        if (tty) std::cerr << "\r\033[K";
        if (args_.json) {
          std::cout << r->body;
        } else {
          std::cout << FormatHealSummary(*j);
        }
        return state == "done" && j->value("clean", false) ? 0 : 1;
      }
      if (tty) {
        std::cerr << "\r\033[K" << kSpinner[tick++ % 4] << " " << FormatHealLine(*j) << std::flush;
      } else if (!args_.json && tick++ % 20 == 0) {
        std::cerr << FormatHealLine(*j) << "\n";  // a line every ~10 s in logs
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
  }

  int PipelineCreate(const std::string& name) {
    if (std::string problem = CheckPipelineName(name); !problem.empty()) return Usage(problem);
    PipelineOptions options = args_.pipeline;
    options.name = name;
    std::vector<BucketPlan> plan = PlanPipeline(options);
    bool ok = true;
    if (!args_.dry_run) ok = ApplyPipeline(client_, plan);
    if (args_.json) {
      std::cout << PipelineJson(plan, args_.dry_run).dump(2) << "\n";
    } else {
      if (args_.dry_run) std::cout << "Dry run: nothing was sent. The plan:\n";
      std::cout << FormatPipelineTable(plan);
    }
    return ok ? 0 : 1;
  }

  static int Invalid() {
    std::cerr << "strata-admin: the server's answer is not valid JSON\n";
    return 1;
  }

  Args args_;
  AdminClient client_;
};

int Main(int argc, char** argv) {
  // `audit ...` reads the log folder offline (tools/admin/audit.h): no endpoint, no credentials.
  if (argc >= 2 && std::string_view(argv[1]) == "audit") {
    return RunAuditCommand(std::vector<std::string>(argv + 2, argv + argc));
  }
  Args args;
  if (const char* e = std::getenv("STRATA_ENDPOINT"); e && *e) args.endpoint = e;
  if (args.endpoint.empty()) args.endpoint = "http://127.0.0.1:9000";
  std::vector<std::string> argv_list(argv + 1, argv + argc);
  for (size_t i = 0; i < argv_list.size(); ++i) {
    std::string a = argv_list[i];
    std::optional<std::string> inline_value;
    if (size_t eq = a.find('='); a.starts_with("--") && eq != std::string::npos) {
      inline_value = a.substr(eq + 1);
      a = a.substr(0, eq);
    }
    auto value = [&]() -> std::optional<std::string> {
      if (inline_value) return inline_value;
      if (i + 1 < argv_list.size()) return argv_list[++i];
      return std::nullopt;
    };
    if (a == "--help" || a == "-h") {
      std::cout << kUsage;
      return 0;
    } else if (a == "--json") {
      args.json = true;
    } else if (a == "--insecure") {
      args.insecure = true;
    } else if (a == "--wait") {
      args.wait = true;
    } else if (a == "--dry-run") {
      args.dry_run = true;
    } else if (a == "--raw-days" || a == "--keep-checkpoints" || a == "--models-retention-days" ||
               a == "--archive-retention-days") {
      auto v = value();
      if (!v || v->empty() || v->size() > 6 ||
          v->find_first_not_of("0123456789") != std::string::npos) {
        return Usage("option " + a + " needs a number");
      }
      const auto n = static_cast<uint32_t>(std::stoul(*v));
      if (a == "--raw-days") {
        if (n > 36500) return Usage("--raw-days must be 0..36500");
        args.pipeline.raw_days = n;
      } else if (a == "--keep-checkpoints") {
        if (n < 1 || n > 100) return Usage("--keep-checkpoints must be 1..100");
        args.pipeline.keep_checkpoints = n;
      } else {
        if (n < 1 || n > 36500) return Usage(a + " must be 1..36500");
        (a == "--models-retention-days" ? args.pipeline.models_retention_days
                                        : args.pipeline.archive_retention_days) = n;
      }
    } else if (a == "--endpoint" || a == "--ca" || a == "--region" || a == "--grace") {
      auto v = value();
      if (!v || v->empty()) return Usage("option " + a + " needs a value");
      if (a == "--endpoint") args.endpoint = *v;
      if (a == "--ca") args.ca_file = *v;
      if (a == "--region") args.region = *v;
      if (a == "--grace") {
        if (v->find_first_not_of("0123456789") != std::string::npos) {
          return Usage("--grace needs a number of seconds");
        }
        args.grace = *v;
      }
    } else if (a.starts_with("-") && a != "-") {  // "-": stdin, an argument
      return Usage("unknown option \"" + a + "\"");
    } else {
      args.command.push_back(a);
    }
  }
  if (args.command.empty()) return Usage("no command given");
  auto endpoint = ParseEndpoint(args.endpoint);
  if (!endpoint) return Usage("--endpoint must be http://HOST[:PORT] or https://HOST[:PORT]");
  const char* access = std::getenv("STRATA_ROOT_ACCESS_KEY");
  const char* secret = std::getenv("STRATA_ROOT_SECRET_KEY");
  // A dry run sends nothing, so it needs no credentials.
  const bool offline = args.dry_run && !args.command.empty() && args.command[0] == "pipeline";
  if (!offline && (access == nullptr || secret == nullptr || *access == '\0' || *secret == '\0')) {
    return Usage("set STRATA_ROOT_ACCESS_KEY and STRATA_ROOT_SECRET_KEY to the root credentials");
  }
  ClientOptions options;
  options.endpoint = *endpoint;
  options.access_key = access != nullptr ? access : "";
  options.secret_key = secret != nullptr ? secret : "";
  options.region = args.region;
  options.ca_file = args.ca_file;
  options.insecure = args.insecure;
  Cli cli(std::move(args), AdminClient(std::move(options)));
  return cli.Run();
}

}  // namespace
}  // namespace strata::admin

int main(int argc, char** argv) {
  try {
    return strata::admin::Main(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "strata-admin: fatal: " << e.what() << "\n";
    return 1;
  }
}
