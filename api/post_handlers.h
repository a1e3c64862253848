// PostObject (issue 7): the browser-form upload, POST /bucket with a multipart/form-data body.
// Authentication comes from the form (policy + signature fields), not from headers, so S3Api
// hands the raw body here before any header authentication.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "api/handler.h"
#include "api/identity.h"
#include "storage/stream.h"

namespace strata::api {

// Who an access key belongs to, for the form's signature.
struct PostSigner {
  std::string secret;
  PrincipalKind principal = PrincipalKind::kUser;
  std::string user;  // for kUser
};
// nullopt for an unknown or disabled key.
using PostSignerLookup = std::function<std::optional<PostSigner>(std::string_view access_key)>;

// Reads the form fields (post_upload.h), verifies the signature (or serves the form as the
// anonymous principal when it carries none), checks the policy, authorizes s3:PutObject on the
// form's key for the signer (authorize.h), then streams the file part into storage, enforcing
// content-length-range as it goes (nothing is stored on EntityTooLarge / EntityTooSmall).
// Answers success_action_redirect (303), or success_action_status 200 / 201 (PostResponse XML)
// / 204 (the default). Errors are S3Errc with `message` set when a specific text applies.
HandlerResult PostObject(storage::ObjectStore& store, const ApiConfig& config,
                         const http::request_header<>& request, const ParsedTarget& target,
                         const Route& route, const RequestContext& context,
                         storage::ByteSource& body, const PostSignerLookup& signers,
                         std::string* message);

}  // namespace strata::api
