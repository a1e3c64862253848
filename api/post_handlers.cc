#include "api/post_handlers.h"

#include "api/acl.h"
#include "api/acl_grants.h"
#include "api/acl_request.h"
#include "api/authorize.h"
#include "api/object_handlers.h"
#include "api/object_headers.h"
#include "api/post_upload.h"
#include "api/request_headers.h"
#include "api/sse_headers.h"
#include "api/uri.h"
#include "api/version_headers.h"
#include "api/xml.h"
#include "storage/body_source.h"

namespace strata::api {
namespace {

boost::system::error_code Error(S3Errc e, std::string* message, std::string text) {
  if (message) *message = std::move(text);
  return make_error_code(e);
}

// The object headers a form stores: its Content-Type (else the file part's, else
// binary/octet-stream), the other representation fields and x-amz-meta-*.
Result<storage::HeaderList> FormHeaders(const PostForm& form, std::string* message) {
  storage::HeaderList headers;
  auto content_type = form.fields.find("content-type");
  if (content_type != form.fields.end() && !content_type->second.empty()) {
    headers.emplace_back("content-type", content_type->second);
  } else if (!form.file_content_type.empty()) {
    headers.emplace_back("content-type", form.file_content_type);
  } else {
    headers.emplace_back("content-type", "binary/octet-stream");
  }
  size_t metadata = 0;
  for (const auto& [name, value] : form.fields) {
    // A value is stored as a response header: CR/LF would split it.
    if (value.find_first_of("\r\n") != std::string::npos) continue;
    if (name == "cache-control" || name == "content-disposition" || name == "content-encoding" ||
        name == "content-language" || name == "expires") {
      headers.emplace_back(name, value);
    } else if (name.starts_with("x-amz-meta-")) {
      metadata += name.size() - 11 + value.size();
      headers.emplace_back(name, value);
    }
  }
  if (metadata > kMaxUserMetadataBytes) {
    return Error(S3Errc::kMetadataTooLarge, message, {});
  }
  return headers;
}

std::string PostResponseXml(std::string_view location, std::string_view bucket,
                            std::string_view key, std::string_view etag) {
  std::string xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<PostResponse><Location>";
  AppendXmlEscaped(xml, location);
  xml += "</Location><Bucket>";
  AppendXmlEscaped(xml, bucket);
  xml += "</Bucket><Key>";
  AppendXmlEscaped(xml, key);
  xml += "</Key><ETag>";
  AppendXmlEscaped(xml, etag);
  xml += "</ETag></PostResponse>";
  return xml;
}

// The form's encryption (issue 7): field x-amz-server-side-encryption as the header of a PUT,
// else the bucket's default. SSE-C fields are not implemented for form uploads.
Result<storage::SseMode> FormSse(storage::ObjectStore& store, const std::string& bucket,
                                 const PostForm& form, std::string* message) {
  for (const auto& [name, value] : form.fields) {
    if (name.starts_with(kSseCustomerPrefix)) {
      return Error(S3Errc::kNotImplemented, message,
                   "Customer-provided encryption keys (SSE-C) are not implemented for POST "
                   "uploads.");
    }
  }
  auto field = form.fields.find("x-amz-server-side-encryption");
  if (field != form.fields.end()) {
    std::string_view value = TrimSpaces(field->second);
    if (value == "AES256") return storage::SseMode::kS3;
    if (value == "aws:kms" || value == "aws:kms:dsse") {
      return Error(S3Errc::kNotImplemented, message,
                   "Server-side encryption with AWS KMS keys is not implemented: use AES256.");
    }
    return Error(S3Errc::kInvalidArgument, message,
                 "The encryption method specified is not supported");
  }
  auto record = store.GetBucketAccess(bucket, storage::BucketAccessKind::kEncryption);
  if (!record) return record.error();
  return record->has_value() && !(*record)->empty() ? storage::SseMode::kS3
                                                    : storage::SseMode::kNone;
}

}  // namespace

HandlerResult PostObject(storage::ObjectStore& store, const ApiConfig& config,
                         const http::request_header<>& request, const ParsedTarget& target,
                         const Route& route, const RequestContext& context,
                         storage::ByteSource& body, const PostSignerLookup& signers,
                         std::string* message) {
  auto boundary = FormDataBoundary(request[http::field::content_type]);
  if (!boundary) {
    return Error(S3Errc::kMalformedPOSTRequest, message,
                 "The body of your POST request is not well-formed multipart/form-data.");
  }
  FormDataReader reader(body, *boundary);
  auto form = reader.ReadFields(message);
  if (!form) return form.error();

  // Who signed the form: nobody (anonymous), or a known key whose signature over the policy
  // matches.
  auto creds = ReadPostCredentials(*form, config.region, message);
  if (!creds) return creds.error();
  AuthContext auth = AnonymousAuthContext();
  auto policy_field = form->fields.find("policy");
  if (creds->kind != PostCredentials::Kind::kNone) {
    auto signer = signers(creds->access_key);
    if (!signer) {
      return Error(S3Errc::kInvalidAccessKeyId, message, {});
    }
    if (!PostSignatureMatches(*creds, signer->secret, policy_field->second)) {
      return Error(S3Errc::kSignatureDoesNotMatch, message, {});
    }
    auth.access_key = creds->access_key;
    auth.principal = signer->principal;
    auth.user = signer->user;
  }
  PostPolicy policy;
  if (policy_field != form->fields.end()) {
    auto parsed = ParsePostPolicy(policy_field->second, message);
    if (!parsed) return parsed.error();
    policy = std::move(*parsed);
    if (auto ec = CheckPostPolicy(policy, *form, route.bucket, config.clock(), message)) return ec;
  }

  const std::string key = PostObjectKey(*form);
  if (form->fields.find("key") == form->fields.end()) {
    return Error(S3Errc::kInvalidArgument, message,
                 "Bucket POST must contain a field named 'key'.  If it is specified, please check "
                 "the order of the fields.");
  }
  if (key.empty())
    return Error(S3Errc::kInvalidArgument, message, "User key must have a length greater than 0.");
  if (key.size() > kMaxKeyLength) return Error(S3Errc::kKeyTooLongError, message, {});
  // The form's canned ACL (field `acl`), applied to the stored version.
  std::optional<CannedAcl> canned;
  if (auto acl = form->fields.find("acl"); acl != form->fields.end()) {
    canned = ParseCannedAcl(TrimSpaces(acl->second));
    if (!canned) return Error(S3Errc::kInvalidArgument, message, "Invalid canned ACL");
  }
  auto status = form->fields.find("success_action_status");
  int success_status = 204;
  if (status != form->fields.end()) {
    if (status->second == "200") success_status = 200;
    if (status->second == "201") success_status = 201;
  }
  auto redirect = form->fields.find("success_action_redirect");
  if (redirect == form->fields.end()) redirect = form->fields.find("redirect");

  // The form's signer must hold s3:PutObject on the key, as for a PUT.
  Route put_route{Operation::kPutObject, S3Errc::kOk, route.bucket, key};
  std::string authz_message;
  if (auto ec =
          Authorize(store, config, request, target, put_route, context, auth, &authz_message)) {
    if (message) *message = authz_message;
    return ec;
  }
  const std::string owner_id = RootOwner(config).id;
  std::string acl_record;
  if (canned) {
    // As x-amz-acl on a PUT: public grants where the bucket blocks them, ACLs where it disables
    // them, and a signer without s3:PutObjectAcl are refused.
    const AccessControlList acl = CannedAclGrants(*canned, owner_id, /*bucket_level=*/false);
    auto pab = store.GetBucketAccess(route.bucket, storage::BucketAccessKind::kPublicAccessBlock);
    if (!pab) return pab.error();
    if (HasPublicGrant(acl) && pab->has_value() &&
        DecodePublicAccessBlock(**pab).block_public_acls) {
      return Error(S3Errc::kAccessDenied, message, "Access Denied because of BlockPublicAcls");
    }
    auto ownership = LoadOwnership(store, route.bucket);
    if (!ownership) return ownership.error();
    if (auto ec = CheckAclAllowed(*ownership, acl, owner_id, message)) return ec;
    if (auth.access && !auth.access->Allowed("s3:PutObjectAcl", route.bucket, key)) {
      return Error(S3Errc::kAccessDenied, message, {});
    }
    acl_record = EncodeAclRecord(acl, owner_id);
  }

  auto headers = FormHeaders(*form, message);
  if (!headers) return headers.error();
  auto sse = FormSse(store, route.bucket, *form, message);
  if (!sse) return sse.error();
  storage::PutOptions options;
  options.headers = std::move(*headers);
  options.sse.mode = *sse;
  const uint64_t min = policy.min_length.value_or(0);
  const uint64_t max =
      std::min<uint64_t>(policy.max_length.value_or(kMaxPutObjectSize), kMaxPutObjectSize);
  LengthRangeSource limited(reader.file(), min, max);
  std::unique_ptr<storage::BodySource> digesting =
      storage::NewDigestingSource(limited, storage::DigestSpec{});
  auto info = store.Put(route.bucket, key, *digesting, options);
  if (!info) {
    if (message) message->clear();
    S3Errc e = ToS3Error(info.error());
    if (e == S3Errc::kEntityTooLarge && message) {
      *message = "Your proposed upload exceeds the maximum allowed size";
    } else if (e == S3Errc::kEntityTooSmall && message) {
      *message = "Your proposed upload is smaller than the minimum allowed size";
    }
    return info.error();
  }
  reader.Drain(kMaxPostFieldsSize);
  if (!acl_record.empty()) {
    auto set = store.PutObjectAcl(route.bucket, key,
                                  info->version_id.empty() ? "null" : info->version_id, acl_record);
    if (!set) return set.error();
  }

  Response response;
  const std::string etag = QuotedEtag(info->etag);
  const std::string location = "/" + UriEncode(route.bucket, false) + "/" + UriEncode(key, false);
  response.header.set(http::field::etag, etag);
  response.header.set(http::field::location, location);
  SetWrittenVersionHeader(response.header, *info);
  SetSseResponseHeaders(response.header, info->sse, {});
  if (redirect != form->fields.end() && !redirect->second.empty() &&
      redirect->second.find_first_of("\r\n") == std::string::npos) {
    std::string url = redirect->second;
    url += url.find('?') == std::string::npos ? '?' : '&';
    url += "bucket=" + UriEncode(route.bucket, true) + "&key=" + UriEncode(key, true) +
           "&etag=" + UriEncode(etag, true);
    response.header.result(http::status::see_other);
    response.header.set(http::field::location, url);
    return response;
  }
  if (success_status == 201) {
    response.header.result(http::status::created);
    response.header.set(http::field::content_type, "application/xml");
    response.body = PostResponseXml(location, route.bucket, key, etag);
  } else {
    response.header.result(success_status == 200 ? http::status::ok : http::status::no_content);
  }
  return response;
}

}  // namespace strata::api
