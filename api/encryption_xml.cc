#include "api/encryption_xml.h"

#include <optional>
#include <pugixml.hpp>

#include "api/xml.h"

namespace strata::api {
namespace {

constexpr std::string_view kBucketKeySuffix = ";bucket-key";

boost::system::error_code Error(S3Errc e, std::string* message, std::string_view text = {}) {
  if (message != nullptr) *message = std::string(text);
  return make_error_code(e);
}

// ApplyServerSideEncryptionByDefault: SSEAlgorithm (required), KMSMasterKeyID (optional).
boost::system::error_code ParseDefault(pugi::xml_node node, std::string* message) {
  if (!XmlContainerOk(node)) return Error(S3Errc::kMalformedXML, message);
  std::optional<std::string> algorithm;
  std::optional<std::string> kms_key;
  for (pugi::xml_node child : node.children()) {
    if (child.type() != pugi::node_element) continue;
    std::string_view name = XmlLocalName(child.name());
    std::optional<std::string> text = XmlLeafText(child);
    if (!text) return Error(S3Errc::kMalformedXML, message);
    if (name == "SSEAlgorithm" && !algorithm) {
      algorithm = std::move(*text);
    } else if (name == "KMSMasterKeyID" && !kms_key) {
      kms_key = std::move(*text);
    } else {
      return Error(S3Errc::kMalformedXML, message);
    }
  }
  if (!algorithm) return Error(S3Errc::kMalformedXML, message);
  if (*algorithm == "aws:kms" || *algorithm == "aws:kms:dsse") {
    return Error(S3Errc::kNotImplemented, message,
                 "Default encryption with AWS KMS keys (SSE-KMS, DSSE-KMS) is not implemented: "
                 "use AES256.");
  }
  if (*algorithm != "AES256") return Error(S3Errc::kMalformedXML, message);
  if (kms_key) {
    return Error(S3Errc::kInvalidArgument, message,
                 "a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms "
                 "or aws:kms:dsse");
  }
  return {};
}

boost::system::error_code ParseRule(pugi::xml_node node, BucketEncryption* config,
                                    std::string* message) {
  if (!XmlContainerOk(node)) return Error(S3Errc::kMalformedXML, message);
  bool has_default = false;
  bool has_bucket_key = false;
  for (pugi::xml_node child : node.children()) {
    if (child.type() != pugi::node_element) continue;
    std::string_view name = XmlLocalName(child.name());
    if (name == "ApplyServerSideEncryptionByDefault" && !has_default) {
      has_default = true;
      if (auto ec = ParseDefault(child, message)) return ec;
    } else if (name == "BucketKeyEnabled" && !has_bucket_key) {
      has_bucket_key = true;
      std::optional<std::string> text = XmlLeafText(child);
      if (!text || (*text != "true" && *text != "false")) {
        return Error(S3Errc::kMalformedXML, message);
      }
      config->bucket_key_enabled = *text == "true";
    } else if (name == "BlockedEncryptionTypes") {
      // Refusing SSE-C (or unencrypted) writes per bucket is not implemented; accepting the
      // element silently would let through what the client meant to block.
      return Error(S3Errc::kNotImplemented, message, "BlockedEncryptionTypes is not implemented.");
    } else {
      return Error(S3Errc::kMalformedXML, message);
    }
  }
  if (!has_default) return Error(S3Errc::kMalformedXML, message);
  return {};
}

}  // namespace

Result<BucketEncryption> ParseEncryptionConfiguration(std::string_view xml, std::string* message) {
  if (message != nullptr) message->clear();
  pugi::xml_document doc;
  if (!doc.load_buffer(xml.data(), xml.size(), pugi::parse_default)) {
    return Error(S3Errc::kMalformedXML, message);
  }
  pugi::xml_node root = XmlSingleRoot(doc);
  if (!root || XmlLocalName(root.name()) != "ServerSideEncryptionConfiguration" ||
      !XmlContainerOk(root)) {
    return Error(S3Errc::kMalformedXML, message);
  }
  BucketEncryption config;
  size_t rules = 0;
  for (pugi::xml_node child : root.children()) {
    if (child.type() != pugi::node_element) continue;
    if (XmlLocalName(child.name()) != "Rule" || ++rules > 1) {
      return Error(S3Errc::kMalformedXML, message);
    }
    if (auto ec = ParseRule(child, &config, message)) return ec;
  }
  if (rules == 0) return Error(S3Errc::kMalformedXML, message);
  return config;
}

std::string RenderEncryptionConfiguration(const BucketEncryption& config) {
  XmlWriter xml;
  xml.Open("ServerSideEncryptionConfiguration", kS3XmlNamespace)
      .Open("Rule")
      .Open("ApplyServerSideEncryptionByDefault")
      .Element("SSEAlgorithm", "AES256")
      .Close("ApplyServerSideEncryptionByDefault")
      .BoolElement("BucketKeyEnabled", config.bucket_key_enabled)
      .Close("Rule")
      .Close("ServerSideEncryptionConfiguration");
  return xml.Finish();
}

std::string EncodeBucketEncryption(const BucketEncryption& config) {
  std::string record = "AES256";
  if (config.bucket_key_enabled) record += kBucketKeySuffix;
  return record;
}

BucketEncryption DecodeBucketEncryption(std::string_view record) {
  BucketEncryption config;
  config.bucket_key_enabled = record == std::string("AES256").append(kBucketKeySuffix);
  return config;
}

}  // namespace strata::api
