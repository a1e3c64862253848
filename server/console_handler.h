// The read-only web console at /console (issue 9): a single page (console_page.h) and the JSON
// it reads. The operator's, so only the root credentials sign in. Path-style only; the admin
// handler (admin_handler.h) sends every path that IsConsolePath accepts here, so /console
// shadows a bucket named "console" in path style (as /metrics and /strata/admin do).
//
//   GET  /console, /console/          the page (it shows a sign-in form until signed in)
//   GET  /console/app.js, app.css     its script and style sheet (CSP: script-src 'self')
//   POST /console/login               form fields access_key, secret_key: root only; sets the
//                                     cookie strata_console (HttpOnly, SameSite=Strict,
//                                     Path=/console, Secure over HTTPS); 401 JSON otherwise
//   POST /console/logout              revokes the token and clears the cookie
//   GET  /console/api/session         {"access_key"}
//   GET  /console/api/buckets         [{"name", "created", "region", "versioning",
//                                     "object_lock", "default_retention"}]
//   GET  /console/api/usage           objects and bytes per bucket and tier (admin_usage.h)
//   GET  /console/api/objects?bucket=&prefix=&marker=&version_marker=&max=
//                                     one page of ListObjectVersions with delimiter "/"
//   GET  /console/api/object?bucket=&key=&versionId=
//                                     one version: headers, tags, retention, legal hold, ...
//   GET  /console/api/tiers           tiers and drives with capacity and state (the admin
//                                     info's "tiers"), and the storage class -> tier map
//
// Every /console/api/* answer needs a valid cookie (401 JSON otherwise) and carries
// Cache-Control: no-store. The two POSTs refuse an Origin or Referer (when sent) whose host is
// not the request's Host (403: cross-site request forgery). Nothing here changes stored data.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "api/identity.h"
#include "api/s3_api.h"
#include "server/admin_json.h"
#include "server/request_handler.h"
#include "storage/object_store.h"

namespace strata::server {

struct ConsoleContext {
  api::Credentials root;                               // the only credentials that sign in
  api::IdentityProvider* identities = nullptr;         // to tell users why they cannot; may be null
  storage::ObjectStore* store = nullptr;               // null: the bucket endpoints answer 501
  std::map<std::string, std::string> storage_classes;  // storage class -> tier
  std::function<ServerInfo()> server_info;             // what GET /strata/admin/v1/info reports
  std::function<std::chrono::system_clock::time_point()> clock = [] {
    return std::chrono::system_clock::now();
  };
};

// True for "/console" and every path under "/console/" (decoded path, no query).
bool IsConsolePath(std::string_view path);

// Thread-safe. The session key is made here, once: a restart signs everyone out.
std::unique_ptr<RequestHandler> NewConsoleHandler(ConsoleContext context);

}  // namespace strata::server
