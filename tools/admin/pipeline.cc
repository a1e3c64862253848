#include "tools/admin/pipeline.h"

#include <openssl/evp.h>

#include <array>

#include "tools/admin/format.h"

namespace strata::admin {
namespace {

using json = nlohmann::json;

constexpr std::string_view kS3Namespace = "http://s3.amazonaws.com/doc/2006-03-01/";

std::string Md5Base64(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), digest, &length, EVP_md5(), nullptr);
  std::array<unsigned char, 4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1> out{};
  int n = EVP_EncodeBlock(out.data(), digest, static_cast<int>(length));
  return std::string(reinterpret_cast<const char*>(out.data()), static_cast<size_t>(n));
}

// Names and values here are ours (stage names, a checked pipeline name): no escaping needed
// beyond what CheckPipelineName guarantees.
std::string TaggingXml(const std::vector<std::pair<std::string, std::string>>& tags) {
  std::string xml = "<Tagging xmlns=\"" + std::string(kS3Namespace) + "\"><TagSet>";
  for (const auto& [key, value] : tags) {
    xml += "<Tag><Key>" + key + "</Key><Value>" + value + "</Value></Tag>";
  }
  return xml + "</TagSet></Tagging>";
}

std::string LifecycleXml(const std::string& rules) {
  return "<LifecycleConfiguration xmlns=\"" + std::string(kS3Namespace) + "\">" + rules +
         "</LifecycleConfiguration>";
}

std::string ObjectLockXml(const std::string& mode, uint32_t days) {
  return "<ObjectLockConfiguration xmlns=\"" + std::string(kS3Namespace) +
         "\"><ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>" + mode +
         "</Mode><Days>" + std::to_string(days) + "</Days></DefaultRetention></Rule>" +
         "</ObjectLockConfiguration>";
}

// The S3 error code of a failed answer, or its status.
std::string FailureText(const HttpResult& r) {
  size_t a = r.body.find("<Code>");
  if (a != std::string::npos) {
    size_t b = r.body.find("</Code>", a);
    if (b != std::string::npos) return r.body.substr(a + 6, b - a - 6);
  }
  return "HTTP " + std::to_string(r.status);
}

// One S3 call; "" on a 2xx answer, else what went wrong.
std::string Call(AdminClient& client, std::string method, std::string target, std::string body,
                 std::vector<std::pair<std::string, std::string>> headers = {}) {
  if (!body.empty()) headers.emplace_back("Content-MD5", Md5Base64(body));
  std::string error;
  auto r = client.Send(
      HttpRequest{std::move(method), std::move(target), std::move(headers), std::move(body)},
      &error);
  if (!r) return error;
  if (r->status < 200 || r->status > 299) return FailureText(*r);
  return "";
}

// Creates the bucket unless it exists; *existed tells which. "" on success.
std::string EnsureBucket(AdminClient& client, const BucketPlan& b, bool* existed) {
  std::string error;
  auto head = client.Send(HttpRequest{"HEAD", "/" + b.bucket, {}, {}}, &error);
  if (!head) return error;
  if (head->status == 200) {
    *existed = true;
    return "";
  }
  if (head->status != 404) return "HeadBucket: HTTP " + std::to_string(head->status);
  *existed = false;
  std::vector<std::pair<std::string, std::string>> headers;
  if (!b.lock_mode.empty()) headers.emplace_back("x-amz-bucket-object-lock-enabled", "true");
  if (auto e = Call(client, "PUT", "/" + b.bucket, "", headers); !e.empty()) {
    return "CreateBucket: " + e;
  }
  return "";
}

std::string Configure(AdminClient& client, const BucketPlan& b) {
  const std::string path = "/" + b.bucket;
  if (b.versioning) {
    std::string xml = "<VersioningConfiguration xmlns=\"" + std::string(kS3Namespace) +
                      "\"><Status>Enabled</Status></VersioningConfiguration>";
    if (auto e = Call(client, "PUT", path + "?versioning", xml); !e.empty()) {
      return "PutBucketVersioning: " + e;
    }
  }
  if (auto e = Call(client, "PUT", path + "?tagging", TaggingXml(b.tags)); !e.empty()) {
    return "PutBucketTagging: " + e;
  }
  if (!b.lock_mode.empty()) {
    if (auto e =
            Call(client, "PUT", path + "?object-lock", ObjectLockXml(b.lock_mode, b.lock_days));
        !e.empty()) {
      return "PutObjectLockConfiguration: " + e;
    }
  }
  if (!b.lifecycle_xml.empty()) {
    if (auto e = Call(client, "PUT", path + "?lifecycle", b.lifecycle_xml); !e.empty()) {
      return "PutBucketLifecycleConfiguration: " + e;
    }
  }
  return "";
}

std::string LockText(const BucketPlan& b) {
  if (b.lock_mode.empty()) return "-";
  return b.lock_mode + " " + std::to_string(b.lock_days) + "d";
}

}  // namespace

std::string CheckPipelineName(const std::string& name) {
  if (name.empty()) return "the pipeline name is empty";
  // The longest bucket name is NAME-checkpoints; S3 allows 63 characters.
  if (name.size() + std::string_view("-checkpoints").size() > 63) {
    return "the pipeline name is too long (at most 51 characters: buckets are NAME-checkpoints...)";
  }
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(name.front()) || !alnum(name.back())) {
    return "the pipeline name must start and end with a lower-case letter or a digit";
  }
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    if (!alnum(c) && c != '-' && c != '.') {
      return "the pipeline name may hold only lower-case letters, digits, '-' and '.'";
    }
    if (c == '.' && i + 1 < name.size() && (name[i + 1] == '.' || name[i + 1] == '-')) {
      return "the pipeline name must not hold \"..\" or \".-\"";
    }
  }
  return "";
}

std::vector<BucketPlan> PlanPipeline(const PipelineOptions& o) {
  auto make = [&o](const std::string& stage) {
    BucketPlan b;
    b.bucket = o.name + "-" + stage;
    b.stage = stage;
    b.storage_class = "STANDARD";
    b.tags = {{"stage", stage}, {"pipeline", o.name}};
    b.lifecycle_summary = "-";
    b.status = "planned";
    return b;
  };
  std::vector<BucketPlan> plan;

  BucketPlan raw = make("raw");
  raw.versioning = true;
  raw.storage_class = "STANDARD -> GLACIER";
  raw.lifecycle_xml = LifecycleXml(
      "<Rule><ID>raw-to-glacier</ID><Filter/><Status>Enabled</Status><Transition><Days>" +
      std::to_string(o.raw_days) +
      "</Days><StorageClass>GLACIER</StorageClass></Transition></Rule>");
  raw.lifecycle_summary = "GLACIER after " + std::to_string(o.raw_days) + "d";
  plan.push_back(std::move(raw));

  plan.push_back(make("curated"));

  BucketPlan checkpoints = make("checkpoints");
  checkpoints.versioning = true;
  checkpoints.lifecycle_xml = LifecycleXml(
      "<Rule><ID>keep-newest-checkpoints</ID><Filter/><Status>Enabled</Status>"
      "<NoncurrentVersionExpiration><NoncurrentDays>1</NoncurrentDays>"
      "<NewerNoncurrentVersions>" +
      std::to_string(o.keep_checkpoints) +
      "</NewerNoncurrentVersions></NoncurrentVersionExpiration>"
      "<AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation>"
      "</AbortIncompleteMultipartUpload></Rule>");
  checkpoints.lifecycle_summary = "noncurrent expire after 1d keeping " +
                                  std::to_string(o.keep_checkpoints) + "; abort uploads after 1d";
  plan.push_back(std::move(checkpoints));

  BucketPlan models = make("models");
  models.versioning = true;  // object lock implies versioning
  models.lock_mode = "GOVERNANCE";
  models.lock_days = o.models_retention_days;
  plan.push_back(std::move(models));

  BucketPlan archive = make("archive");
  archive.versioning = true;
  archive.storage_class = "DEEP_ARCHIVE";
  archive.lock_mode = "COMPLIANCE";
  archive.lock_days = o.archive_retention_days;
  archive.lifecycle_xml = LifecycleXml(
      "<Rule><ID>archive-to-deep-archive</ID><Filter/><Status>Enabled</Status><Transition>"
      "<Days>0</Days><StorageClass>DEEP_ARCHIVE</StorageClass></Transition></Rule>");
  archive.lifecycle_summary = "DEEP_ARCHIVE at day 0";
  plan.push_back(std::move(archive));
  return plan;
}

bool ApplyPipeline(AdminClient& client, std::vector<BucketPlan>& plan) {
  bool ok = true;
  for (BucketPlan& b : plan) {
    bool existed = false;
    std::string error = EnsureBucket(client, b, &existed);
    // Object-lock buckets get versioning with the lock; asking again is harmless for the others.
    if (error.empty()) error = Configure(client, b);
    if (error.empty()) {
      b.status = existed ? "exists" : "created";
    } else {
      b.status = "error: " + error;
      ok = false;
    }
  }
  return ok;
}

std::string FormatPipelineTable(const std::vector<BucketPlan>& plan) {
  std::vector<std::vector<std::string>> rows = {
      {"BUCKET", "CLASS", "VERSIONING", "LOCK", "LIFECYCLE", "STATUS"}};
  for (const BucketPlan& b : plan) {
    rows.push_back({b.bucket, b.storage_class, b.versioning ? "Enabled" : "-", LockText(b),
                    b.lifecycle_summary, b.status});
  }
  return TextTable(rows);
}

json PipelineJson(const std::vector<BucketPlan>& plan, bool dry_run) {
  json buckets = json::array();
  for (const BucketPlan& b : plan) {
    json tags = json::object();
    for (const auto& [key, value] : b.tags) tags[key] = value;
    json item = {{"bucket", b.bucket},
                 {"stage", b.stage},
                 {"storage_class", b.storage_class},
                 {"versioning", b.versioning},
                 {"object_lock", nullptr},
                 {"tags", tags},
                 {"lifecycle", b.lifecycle_summary == "-" ? "" : b.lifecycle_summary},
                 {"status", b.status}};
    if (!b.lock_mode.empty()) {
      item["object_lock"] = {{"mode", b.lock_mode}, {"days", b.lock_days}};
    }
    buckets.push_back(std::move(item));
  }
  return {{"dry_run", dry_run}, {"buckets", buckets}};
}

}  // namespace strata::admin
