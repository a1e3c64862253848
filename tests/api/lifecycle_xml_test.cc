#include "api/lifecycle_xml.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstring>
#include <string>
#include <variant>

#include "api/http_date.h"
#include "api/xml.h"

namespace strata::api {
namespace {

using storage::LifecycleConfiguration;

// Deterministic IDs for rules without one.
std::string CountingId() {
  static int n = 0;
  return "generated-" + std::to_string(++n);
}

std::variant<LifecycleConfiguration, LifecycleError> Parse(std::string_view xml) {
  return ParseLifecycleConfiguration(xml, CountingId);
}

LifecycleConfiguration ParseOk(std::string_view xml) {
  auto result = Parse(xml);
  if (const auto* error = std::get_if<LifecycleError>(&result)) {
    FAIL("unexpected error " << GetS3ErrorInfo(error->code).code << ": " << error->message);
  }
  return std::get<LifecycleConfiguration>(std::move(result));
}

LifecycleError ParseError(std::string_view xml) {
  auto result = Parse(xml);
  REQUIRE(std::holds_alternative<LifecycleError>(result));
  return std::get<LifecycleError>(result);
}

std::string Doc(std::string_view rules) {
  return "<LifecycleConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">" +
         std::string(rules) + "</LifecycleConfiguration>";
}

// One V2 rule with the given body parts.
std::string Rule(std::string_view inner) { return Doc("<Rule>" + std::string(inner) + "</Rule>"); }

constexpr const char* kEnabledAll = "<Status>Enabled</Status><Filter></Filter>";

TEST_CASE("A rule with every element parses into the storage model") {
  auto config = ParseOk(
      Doc("<Rule><ID>everything</ID><Status>Enabled</Status>"
          "<Filter><And><Prefix>logs/</Prefix><Tag><Key>stage</Key><Value>raw</Value></Tag>"
          "<Tag><Key>team</Key><Value>ml</Value></Tag>"
          "<ObjectSizeGreaterThan>1024</ObjectSizeGreaterThan>"
          "<ObjectSizeLessThan>1048576</ObjectSizeLessThan></And></Filter>"
          "<Expiration><Days>365</Days></Expiration>"
          "<Transition><Days>30</Days><StorageClass>STANDARD_IA</StorageClass></Transition>"
          "<Transition><Days>90</Days><StorageClass>GLACIER</StorageClass></Transition>"
          "<NoncurrentVersionExpiration><NoncurrentDays>7</NoncurrentDays>"
          "<NewerNoncurrentVersions>3</NewerNoncurrentVersions></NoncurrentVersionExpiration>"
          "<NoncurrentVersionTransition><NoncurrentDays>2</NoncurrentDays>"
          "<NewerNoncurrentVersions>1</NewerNoncurrentVersions>"
          "<StorageClass>DEEP_ARCHIVE</StorageClass></NoncurrentVersionTransition>"
          "</Rule>"));
  REQUIRE(config.rules.size() == 1);
  const auto& rule = config.rules[0];
  CHECK(rule.id == "everything");
  CHECK(rule.enabled);
  CHECK(rule.filter.prefix == "logs/");
  CHECK(rule.filter.tags == storage::TagSet{{"stage", "raw"}, {"team", "ml"}});
  CHECK(rule.filter.size_greater_than == 1024u);
  CHECK(rule.filter.size_less_than == 1048576u);
  REQUIRE(rule.expiration);
  CHECK(rule.expiration->days == 365u);
  CHECK_FALSE(rule.expiration->date);
  REQUIRE(rule.transitions.size() == 2);
  CHECK(rule.transitions[0].days == 30u);
  CHECK(rule.transitions[0].storage_class == "STANDARD_IA");
  CHECK(rule.transitions[1].storage_class == "GLACIER");
  REQUIRE(rule.noncurrent_expiration);
  CHECK(rule.noncurrent_expiration->noncurrent_days == 7u);
  CHECK(rule.noncurrent_expiration->newer_noncurrent_versions == 3u);
  REQUIRE(rule.noncurrent_transitions.size() == 1);
  CHECK(rule.noncurrent_transitions[0].noncurrent_days == 2u);
  CHECK(rule.noncurrent_transitions[0].newer_noncurrent_versions == 1u);
  CHECK(rule.noncurrent_transitions[0].storage_class == "DEEP_ARCHIVE");
  CHECK_FALSE(rule.abort_incomplete_upload_days);
}

TEST_CASE("Each single filter condition stands alone in Filter") {
  auto prefix =
      ParseOk(Rule("<Status>Enabled</Status><Filter><Prefix>a/</Prefix></Filter>"
                   "<Expiration><Days>1</Days></Expiration>"));
  CHECK(prefix.rules[0].filter.prefix == "a/");
  auto tag = ParseOk(
      Rule("<Status>Disabled</Status><Filter><Tag><Key>k</Key><Value>v</Value></Tag></Filter>"
           "<Expiration><Days>1</Days></Expiration>"));
  CHECK_FALSE(tag.rules[0].enabled);
  CHECK(tag.rules[0].filter.tags == storage::TagSet{{"k", "v"}});
  auto greater = ParseOk(Rule(
      "<Status>Enabled</Status><Filter><ObjectSizeGreaterThan>0</ObjectSizeGreaterThan></Filter>"
      "<Expiration><Days>1</Days></Expiration>"));
  CHECK(greater.rules[0].filter.size_greater_than == 0u);
  auto less = ParseOk(
      Rule("<Status>Enabled</Status><Filter><ObjectSizeLessThan>10</ObjectSizeLessThan></Filter>"
           "<Expiration><Days>1</Days></Expiration>"));
  CHECK(less.rules[0].filter.size_less_than == 10u);
  auto empty =
      ParseOk(Rule("<Status>Enabled</Status><Filter/><Expiration><Days>1</Days>"
                   "</Expiration>"));
  CHECK(empty.rules[0].filter.prefix.empty());
  CHECK(empty.rules[0].filter.tags.empty());
}

TEST_CASE("The legacy top-level Prefix is the filter's prefix") {
  auto config =
      ParseOk(Doc("<Rule><ID>old</ID><Prefix>tmp/</Prefix><Status>Enabled</Status>"
                  "<Expiration><Days>3</Days></Expiration></Rule>"));
  CHECK(config.rules[0].filter.prefix == "tmp/");
  // Rendered back, it is a Filter as AWS normalises it.
  std::string xml = RenderLifecycleConfiguration(config);
  CHECK(xml.find("<Filter><Prefix>tmp/</Prefix></Filter>") != std::string::npos);
}

TEST_CASE("Expiration takes Days, a midnight Date, or ExpiredObjectDeleteMarker") {
  auto date = ParseOk(Rule(std::string(kEnabledAll) +
                           "<Expiration><Date>2026-01-01T00:00:00Z</Date></Expiration>"));
  REQUIRE(date.rules[0].expiration->date);
  CHECK(FormatIso8601(*date.rules[0].expiration->date) == "2026-01-01T00:00:00.000Z");
  auto with_ms = ParseOk(Rule(std::string(kEnabledAll) +
                              "<Expiration><Date>2026-01-01T00:00:00.000Z</Date></Expiration>"));
  CHECK(with_ms.rules[0].expiration->date == date.rules[0].expiration->date);
  auto marker =
      ParseOk(Rule(std::string(kEnabledAll) + "<Expiration><ExpiredObjectDeleteMarker>true</"
                                              "ExpiredObjectDeleteMarker></Expiration>"));
  CHECK(marker.rules[0].expiration->expired_object_delete_marker);
  CHECK_FALSE(marker.rules[0].expiration->days);
  // A false marker asks for nothing: beside another action it is accepted and not kept.
  auto marker_off = ParseOk(
      Rule(std::string(kEnabledAll) +
           "<Expiration><ExpiredObjectDeleteMarker>false</ExpiredObjectDeleteMarker></Expiration>"
           "<Transition><Days>1</Days><StorageClass>GLACIER</StorageClass></Transition>"));
  CHECK_FALSE(marker_off.rules[0].expiration);
  CHECK(marker_off.rules[0].transitions.size() == 1);
}

TEST_CASE("Transitions take Days (0 allowed) or a midnight Date") {
  auto config = ParseOk(Rule(std::string(kEnabledAll) +
                             "<Transition><Days>0</Days><StorageClass>DEEP_ARCHIVE</StorageClass>"
                             "</Transition>"));
  CHECK(config.rules[0].transitions[0].days == 0u);
  auto dated =
      ParseOk(Rule(std::string(kEnabledAll) + "<Transition><Date>2030-06-01T00:00:00Z</Date>"
                                              "<StorageClass>GLACIER</StorageClass></Transition>"));
  REQUIRE(dated.rules[0].transitions[0].date);
  CHECK(FormatIso8601(*dated.rules[0].transitions[0].date) == "2030-06-01T00:00:00.000Z");
}

TEST_CASE("AbortIncompleteMultipartUpload takes DaysAfterInitiation") {
  auto config = ParseOk(Rule(std::string(kEnabledAll) +
                             "<AbortIncompleteMultipartUpload><DaysAfterInitiation>1"
                             "</DaysAfterInitiation></AbortIncompleteMultipartUpload>"));
  CHECK(config.rules[0].abort_incomplete_upload_days == 1u);
}

TEST_CASE("A rule without an ID gets a generated one, unique in the document") {
  auto config = ParseOk(Doc(
      "<Rule><Status>Enabled</Status><Filter><Prefix>a</Prefix></Filter><Expiration><Days>1</Days>"
      "</Expiration></Rule><Rule><ID></ID><Status>Enabled</Status><Filter><Prefix>b</Prefix>"
      "</Filter><Expiration><Days>1</Days></Expiration></Rule>"));
  REQUIRE(config.rules.size() == 2);
  CHECK(config.rules[0].id.starts_with("generated-"));
  CHECK(config.rules[1].id.starts_with("generated-"));
  CHECK(config.rules[0].id != config.rules[1].id);
}

TEST_CASE("Generated rule IDs look like AWS's and differ") {
  std::string a = NewLifecycleRuleId();
  std::string b = NewLifecycleRuleId();
  CHECK(a.size() == 48);
  CHECK(a != b);
  CHECK(std::all_of(a.begin(), a.end(),
                    [](char c) { return std::isalnum(c) || c == '+' || c == '/'; }));
}

TEST_CASE("Rendering keeps rule order and every element, and parses back to the same model") {
  std::string doc =
      Doc("<Rule><ID>z-first</ID><Status>Enabled</Status><Filter><Tag><Key>k</Key><Value>v&amp;w"
          "</Value></Tag></Filter><Expiration><Date>2027-03-04T00:00:00Z</Date></Expiration>"
          "<Transition><Date>2027-01-01T00:00:00Z</Date><StorageClass>GLACIER</StorageClass>"
          "</Transition></Rule>"
          "<Rule><ID>a-second</ID><Status>Disabled</Status><Filter><And><Prefix>p/</Prefix>"
          "<ObjectSizeLessThan>99</ObjectSizeLessThan></And></Filter>"
          "<NoncurrentVersionExpiration><NoncurrentDays>1</NoncurrentDays>"
          "<NewerNoncurrentVersions>5</NewerNoncurrentVersions></NoncurrentVersionExpiration>"
          "<NoncurrentVersionTransition><NoncurrentDays>0</NoncurrentDays>"
          "<StorageClass>STANDARD_IA</StorageClass></NoncurrentVersionTransition></Rule>"
          "<Rule><ID>third</ID><Status>Enabled</Status><Filter/><Expiration>"
          "<ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration>"
          "<AbortIncompleteMultipartUpload><DaysAfterInitiation>2</DaysAfterInitiation>"
          "</AbortIncompleteMultipartUpload></Rule>");
  auto config = ParseOk(doc);
  std::string xml = RenderLifecycleConfiguration(config);
  CHECK(xml.find("<ID>z-first</ID>") < xml.find("<ID>a-second</ID>"));
  CHECK(xml.find("<Date>2027-03-04T00:00:00.000Z</Date>") != std::string::npos);
  CHECK(xml.find("<Value>v&amp;w</Value>") != std::string::npos);
  CHECK(xml.find("<And><Prefix>p/</Prefix><ObjectSizeLessThan>99</ObjectSizeLessThan></And>") !=
        std::string::npos);
  CHECK(xml.find("<ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker>") !=
        std::string::npos);
  CHECK(xml.find("<Filter></Filter>") != std::string::npos);
  auto again = ParseOk(xml);
  REQUIRE(again.rules.size() == 3);
  for (size_t i = 0; i < 3; ++i) {
    const auto& a = config.rules[i];
    const auto& b = again.rules[i];
    CHECK(a.id == b.id);
    CHECK(a.enabled == b.enabled);
    CHECK(a.filter.prefix == b.filter.prefix);
    CHECK(a.filter.tags == b.filter.tags);
    CHECK(a.filter.size_less_than == b.filter.size_less_than);
    CHECK(a.expiration.has_value() == b.expiration.has_value());
    CHECK(a.transitions.size() == b.transitions.size());
    CHECK(a.noncurrent_transitions.size() == b.noncurrent_transitions.size());
    CHECK(a.abort_incomplete_upload_days == b.abort_incomplete_upload_days);
  }
  CHECK(again.rules[1].noncurrent_expiration->newer_noncurrent_versions == 5u);
}

TEST_CASE("Structural problems are MalformedXML") {
  const std::string e = "<Expiration><Days>1</Days></Expiration>";
  auto xml = GENERATE_COPY(
      as<std::string>{}, "", "not xml", "<LifecycleConfiguration>", "<Other/>",
      "<LifecycleConfiguration/>", "<LifecycleConfiguration></LifecycleConfiguration><Extra/>",
      Doc("<Bogus/>"), Doc("text<Rule/>"),
      // Status missing, or not Enabled/Disabled.
      Rule("<Filter/>" + e), Rule("<Status>enabled</Status><Filter/>" + e),
      Rule("<Status>Enabled</Status><Status>Enabled</Status><Filter/>" + e),
      // Filter and Prefix: both, neither, repeated.
      Rule("<Status>Enabled</Status><Filter/><Prefix>a</Prefix>" + e),
      Rule("<Status>Enabled</Status>" + e), Rule("<Status>Enabled</Status><Filter/><Filter/>" + e),
      Rule("<Status>Enabled</Status><Prefix/><Prefix/>" + e),
      // Several conditions outside And, an And inside And, unknown ones.
      Rule("<Status>Enabled</Status><Filter><Prefix>a</Prefix><Tag><Key>k"
           "</Key><Value>v</Value></Tag></Filter>" +
           e),
      Rule("<Status>Enabled</Status><Filter><And><And/></And></Filter>" + e),
      Rule("<Status>Enabled</Status><Filter><Suffix>a</Suffix></Filter>" + e),
      Rule("<Status>Enabled</Status><Filter><Tag><Value>v</Value></Tag>"
           "</Filter>" +
           e),
      Rule("<Status>Enabled</Status><Filter><Tag><Key></Key></Tag></Filter>" + e),
      Rule("<Status>Enabled</Status><Filter><Prefix><x/></Prefix></Filter>" + e),
      // Numbers that are not 32-bit integers.
      Rule(std::string(kEnabledAll) + "<Expiration><Days>ten</Days></Expiration>"),
      Rule(std::string(kEnabledAll) + "<Expiration><Days>1.5</Days></Expiration>"),
      Rule(std::string(kEnabledAll) + "<Expiration><Days></Days></Expiration>"),
      Rule(std::string(kEnabledAll) +
           "<Expiration><Days>99999999999999999999999</Days></Expiration>"),
      Rule(std::string(kEnabledAll) + "<Expiration><Days>2147483648</Days></Expiration>"),
      Rule("<Status>Enabled</Status><Filter><ObjectSizeGreaterThan>"
           "99999999999999999999</ObjectSizeGreaterThan></Filter>" +
           e),
      // Dates that are not ISO 8601.
      Rule(std::string(kEnabledAll) + "<Expiration><Date>20260101</Date></Expiration>"),
      Rule(std::string(kEnabledAll) + "<Expiration><Date>2026-01-01</Date></Expiration>"),
      Rule(std::string(kEnabledAll) + "<Expiration><Date>2026-02-30T00:00:00Z</Date></Expiration>"),
      // Expiration with none or several of its choices.
      Rule(std::string(kEnabledAll) + "<Expiration/>"),
      Rule(std::string(kEnabledAll) + "<Expiration><Days>1</Days><Date>2026-01-01T00:00:00Z</Date>"
                                      "</Expiration>"),
      Rule(std::string(kEnabledAll) + "<Expiration><Days>1</Days><ExpiredObjectDeleteMarker>true"
                                      "</ExpiredObjectDeleteMarker></Expiration>"),
      Rule(std::string(kEnabledAll) + "<Expiration><ExpiredObjectDeleteMarker>yes"
                                      "</ExpiredObjectDeleteMarker></Expiration>"),
      Rule(std::string(kEnabledAll) + e + e),
      // Transitions without class, with neither or both times, bad class.
      Rule(std::string(kEnabledAll) + "<Transition><Days>1</Days></Transition>"),
      Rule(std::string(kEnabledAll) +
           "<Transition><StorageClass>GLACIER</StorageClass></Transition>"),
      Rule(std::string(kEnabledAll) + "<Transition><Days>1</Days><Date>2026-01-01T00:00:00Z</Date>"
                                      "<StorageClass>GLACIER</StorageClass></Transition>"),
      Rule(std::string(kEnabledAll) +
           "<Transition><Days>1</Days><StorageClass>glacier</StorageClass>"
           "</Transition>"),
      Rule(std::string(kEnabledAll) + "<Transition><Days>1</Days><StorageClass></StorageClass>"
                                      "</Transition>"),
      Rule(std::string(kEnabledAll) +
           "<NoncurrentVersionTransition><StorageClass>GLACIER</StorageClass>"
           "</NoncurrentVersionTransition>"),
      Rule(std::string(kEnabledAll) + "<NoncurrentVersionExpiration><NewerNoncurrentVersions>1"
                                      "</NewerNoncurrentVersions></NoncurrentVersionExpiration>"),
      Rule(std::string(kEnabledAll) + "<AbortIncompleteMultipartUpload/>"),
      Rule(std::string(kEnabledAll) + "<AbortIncompleteMultipartUpload><Days>1</Days>"
                                      "</AbortIncompleteMultipartUpload>"),
      Rule(std::string(kEnabledAll) + e + "<Unknown/>"));
  CAPTURE(xml);
  auto error = ParseError(xml);
  CHECK(error.code == S3Errc::kMalformedXML);
}

struct SemanticCase {
  std::string xml;
  S3Errc code;
  std::string message;
};

TEST_CASE("Semantic problems answer AWS's code and message") {
  const std::string e = "<Expiration><Days>1</Days></Expiration>";
  const std::string tag = "<Tag><Key>k</Key><Value>v</Value></Tag>";
  auto c = GENERATE_COPY(values<SemanticCase>({
      {Rule(std::string(kEnabledAll) + "<Expiration><Days>0</Days></Expiration>"),
       S3Errc::kInvalidArgument, "'Days' for Expiration action must be a positive integer"},
      {Rule(std::string(kEnabledAll) + "<Expiration><Days>-1</Days></Expiration>"),
       S3Errc::kInvalidArgument, "'Days' for Expiration action must be a positive integer"},
      {Rule(std::string(kEnabledAll) +
            "<Expiration><Date>2026-01-01T12:00:00Z</Date></Expiration>"),
       S3Errc::kInvalidArgument, "'Date' must be at midnight GMT"},
      {Rule(std::string(kEnabledAll) +
            "<Expiration><Date>2026-01-01T00:00:00+01:00</Date></Expiration>"),
       S3Errc::kInvalidArgument, "'Date' must be at midnight GMT"},
      {Rule(std::string(kEnabledAll) +
            "<Transition><Days>-1</Days><StorageClass>GLACIER</StorageClass></Transition>"),
       S3Errc::kInvalidArgument, "'Days' in Transition action must be nonnegative"},
      {Rule(std::string(kEnabledAll) +
            "<NoncurrentVersionExpiration><NoncurrentDays>0</NoncurrentDays>"
            "</NoncurrentVersionExpiration>"),
       S3Errc::kInvalidArgument,
       "'NoncurrentDays' for NoncurrentVersionExpiration action must be a positive integer"},
      {Rule(std::string(kEnabledAll) +
            "<NoncurrentVersionExpiration><NoncurrentDays>1</NoncurrentDays>"
            "<NewerNoncurrentVersions>0</NewerNoncurrentVersions></NoncurrentVersionExpiration>"),
       S3Errc::kInvalidArgument, "'NewerNoncurrentVersions' must be a positive integer"},
      {Rule(std::string(kEnabledAll) +
            "<NoncurrentVersionTransition><NoncurrentDays>-2</NoncurrentDays>"
            "<StorageClass>GLACIER</StorageClass></NoncurrentVersionTransition>"),
       S3Errc::kInvalidArgument,
       "'NoncurrentDays' in NoncurrentVersionTransition action must be nonnegative"},
      {Rule(std::string(kEnabledAll) +
            "<AbortIncompleteMultipartUpload><DaysAfterInitiation>0</DaysAfterInitiation>"
            "</AbortIncompleteMultipartUpload>"),
       S3Errc::kInvalidArgument,
       "'DaysAfterInitiation' for AbortIncompleteMultipartUpload action must be a positive "
       "integer"},
      {Rule("<ID>" + std::string(256, 'x') + "</ID>" + kEnabledAll + e), S3Errc::kInvalidArgument,
       "ID length should not exceed allowed limit of 255"},
      {Doc("<Rule><ID>same</ID>" + std::string(kEnabledAll) + e + "</Rule><Rule><ID>same</ID>" +
           kEnabledAll + e + "</Rule>"),
       S3Errc::kInvalidArgument, "Rule ID must be unique. Found same ID for more than one rule"},
      {Rule(kEnabledAll), S3Errc::kInvalidRequest,
       "At least one action needs to be specified in a rule"},
      // "If set to false the policy takes no action" (the API reference): nothing else, no rule.
      {Rule(std::string(kEnabledAll) +
            "<Expiration><ExpiredObjectDeleteMarker>false</ExpiredObjectDeleteMarker>"
            "</Expiration>"),
       S3Errc::kInvalidRequest, "At least one action needs to be specified in a rule"},
      {Rule("<Status>Enabled</Status><Filter>" + tag +
            "</Filter><Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker>"
            "</Expiration>"),
       S3Errc::kInvalidRequest, "ExpiredObjectDeleteMarker cannot be specified with Tags."},
      {Rule("<Status>Enabled</Status><Filter><ObjectSizeLessThan>5</ObjectSizeLessThan></Filter>"
            "<Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker>"
            "</Expiration>"),
       S3Errc::kInvalidRequest, "ExpiredObjectDeleteMarker cannot be specified with Object Size."},
      {Rule("<Status>Enabled</Status><Filter><And><Prefix>a</Prefix>" + tag +
            "</And></Filter><AbortIncompleteMultipartUpload><DaysAfterInitiation>1"
            "</DaysAfterInitiation></AbortIncompleteMultipartUpload>"),
       S3Errc::kInvalidRequest, "AbortIncompleteMultipartUpload cannot be specified with Tags."},
      {Rule("<Status>Enabled</Status><Filter><ObjectSizeGreaterThan>5</ObjectSizeGreaterThan>"
            "</Filter><AbortIncompleteMultipartUpload><DaysAfterInitiation>1"
            "</DaysAfterInitiation></AbortIncompleteMultipartUpload>"),
       S3Errc::kInvalidRequest,
       "AbortIncompleteMultipartUpload cannot be specified with Object Size."},
      {Rule("<Status>Enabled</Status><Filter><And>" + tag + tag + "</And></Filter>" + e),
       S3Errc::kInvalidRequest, "Duplicate Tag Keys are not allowed."},
      {Rule("<Status>Enabled</Status><Filter><ObjectSizeGreaterThan>-1</ObjectSizeGreaterThan>"
            "</Filter>" +
            e),
       S3Errc::kInvalidRequest,
       "'ObjectSizeGreaterThan' should be between 0 and 1099511627776000."},
      {Rule("<Status>Enabled</Status><Filter><ObjectSizeLessThan>0</ObjectSizeLessThan>"
            "</Filter>" +
            e),
       S3Errc::kInvalidRequest, "'ObjectSizeLessThan' should be between 1 and 1099511627776000."},
      {Rule("<Status>Enabled</Status><Filter><And><ObjectSizeGreaterThan>10"
            "</ObjectSizeGreaterThan><ObjectSizeLessThan>10</ObjectSizeLessThan></And></Filter>" +
            e),
       S3Errc::kInvalidRequest,
       "'ObjectSizeLessThan' has to be a value greater than 'ObjectSizeGreaterThan'."},
      {Rule(std::string(kEnabledAll) +
            "<Transition><Days>1</Days><StorageClass>GLACIER</StorageClass></Transition>"
            "<Transition><Days>2</Days><StorageClass>GLACIER</StorageClass></Transition>"),
       S3Errc::kInvalidRequest,
       "'StorageClass' must be different for 'Transition' actions in same 'Rule'"},
      {Rule(std::string(kEnabledAll) + e +
            "<Transition><Date>2026-01-01T00:00:00Z</Date><StorageClass>GLACIER</StorageClass>"
            "</Transition>"),
       S3Errc::kInvalidRequest,
       "Found mixed 'Date' and 'Days' based Expiration and Transition actions in lifecycle rule"},
      // Dialects: the first rule decides.
      {Doc("<Rule><Status>Enabled</Status><Filter><Prefix>a</Prefix></Filter>" + e +
           "</Rule><Rule><Status>Enabled</Status><Prefix>b</Prefix>" + e + "</Rule>"),
       S3Errc::kInvalidRequest,
       "Base level prefix cannot be used in Lifecycle V2, prefixes are only supported in the "
       "Filter."},
      {Doc("<Rule><Status>Enabled</Status><Prefix>a</Prefix>" + e +
           "</Rule><Rule><Status>Enabled</Status><Filter><Prefix>b</Prefix></Filter>" + e +
           "</Rule>"),
       S3Errc::kInvalidRequest, "Filter element can only be used in Lifecycle V2."},
      {Rule("<Status>Enabled</Status><Prefix>a</Prefix><NoncurrentVersionExpiration>"
            "<NoncurrentDays>1</NoncurrentDays><NewerNoncurrentVersions>2"
            "</NewerNoncurrentVersions></NoncurrentVersionExpiration>"),
       S3Errc::kInvalidRequest,
       "NewerNoncurrentVersions element can only be used in Lifecycle V2."},
      {Doc("<Rule><Status>Enabled</Status><Prefix>logs</Prefix>" + e +
           "</Rule><Rule><Status>Enabled</Status><Prefix>logs/old</Prefix>" + e + "</Rule>"),
       S3Errc::kInvalidRequest,
       "Found overlapping prefixes 'logs' and 'logs/old' for same action type 'Expiration'"},
      {Rule("<Status>Enabled</Status><Filter><Prefix>" + std::string(1025, 'p') +
            "</Prefix></Filter>" + e),
       S3Errc::kInvalidArgument, "The maximum size of a prefix is 1024."},
  }));
  CAPTURE(c.xml);
  auto error = ParseError(c.xml);
  CHECK(GetS3ErrorInfo(error.code).code == GetS3ErrorInfo(c.code).code);
  CHECK(error.message == c.message);
}

TEST_CASE("Overlapping prefixes are fine in Lifecycle V2 and for different actions") {
  auto v2 = ParseOk(
      Doc("<Rule><Status>Enabled</Status><Filter><Prefix>a</Prefix></Filter><Expiration><Days>"
          "1</Days></Expiration></Rule><Rule><Status>Enabled</Status><Filter><Prefix>ab"
          "</Prefix></Filter><Expiration><Days>2</Days></Expiration></Rule>"));
  CHECK(v2.rules.size() == 2);
  auto legacy =
      ParseOk(Doc("<Rule><Status>Enabled</Status><Prefix>a</Prefix><Expiration><Days>1</Days>"
                  "</Expiration></Rule><Rule><Status>Enabled</Status><Prefix>ab</Prefix>"
                  "<AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation>"
                  "</AbortIncompleteMultipartUpload></Rule>"));
  REQUIRE(legacy.rules.size() == 2);
  CHECK(legacy.rules[1].filter.prefix == "ab");
  CHECK(legacy.rules[1].abort_incomplete_upload_days == 1u);
}

TEST_CASE("Structure is checked before meaning, as AWS validates the schema first") {
  // Rule 1 has a semantic fault (Days 0), rule 2 a structural one (unknown element).
  auto error = ParseError(Doc("<Rule>" + std::string(kEnabledAll) +
                              "<Expiration><Days>0</Days></Expiration></Rule>"
                              "<Rule>" +
                              kEnabledAll + "<Bogus/></Rule>"));
  CHECK(error.code == S3Errc::kMalformedXML);
}

std::string ManyRules(size_t n) {
  std::string rules;
  for (size_t i = 0; i < n; ++i) {
    rules += "<Rule><ID>r" + std::to_string(i) + "</ID><Status>Enabled</Status><Filter><Prefix>p" +
             std::to_string(i) +
             "/</Prefix></Filter><Expiration><Days>1</Days></Expiration></Rule>";
  }
  return Doc(rules);
}

TEST_CASE("1000 rules are accepted and 1001 refused, within the body limit") {
  std::string thousand = ManyRules(1000);
  CHECK(thousand.size() < kMaxLifecycleBodyBytes);
  CHECK(ParseOk(thousand).rules.size() == 1000);
  std::string too_many = ManyRules(1001);
  CHECK(too_many.size() < kMaxLifecycleBodyBytes);
  auto error = ParseError(too_many);
  CHECK(error.code == S3Errc::kInvalidRequest);
  CHECK(error.message ==
        "The number of lifecycle rules must not exceed the allowed limit of 1000 rules.");
}

TEST_CASE("Hostile documents are refused without crashing") {
  SECTION("deep nesting") {
    std::string deep = "<LifecycleConfiguration><Rule>";
    for (int i = 0; i < 100000; ++i) deep += "<Filter>";
    for (int i = 0; i < 100000; ++i) deep += "</Filter>";
    deep += "</Rule></LifecycleConfiguration>";
    CHECK(ParseError(deep).code == S3Errc::kMalformedXML);
  }
  SECTION("deep nesting inside And") {
    std::string deep = "<LifecycleConfiguration><Rule><Status>Enabled</Status><Filter>";
    for (int i = 0; i < 50000; ++i) deep += "<And>";
    CHECK(ParseError(deep).code == S3Errc::kMalformedXML);  // unclosed
  }
  SECTION("huge numbers") {
    CHECK(ParseError(Rule(std::string(kEnabledAll) + "<Expiration><Days>" + std::string(5000, '9') +
                          "</Days></Expiration>"))
              .code == S3Errc::kMalformedXML);
    CHECK(ParseError(Rule("<Status>Enabled</Status><Filter><ObjectSizeLessThan>"
                          "1099511627776001</ObjectSizeLessThan></Filter>"
                          "<Expiration><Days>1</Days></Expiration>"))
              .code == S3Errc::kInvalidRequest);
  }
  SECTION("thousands of tags stop at the limit") {
    std::string tags;
    for (int i = 0; i < 5000; ++i) {
      tags += "<Tag><Key>k" + std::to_string(i) + "</Key><Value>v</Value></Tag>";
    }
    auto error = ParseError(Rule("<Status>Enabled</Status><Filter><And>" + tags +
                                 "</And></Filter><Expiration><Days>1</Days></Expiration>"));
    CHECK(error.code == S3Errc::kInvalidArgument);
  }
  SECTION("thousands of transitions") {
    std::string transitions;
    for (int i = 0; i < 5000; ++i) {
      transitions += "<Transition><Days>1</Days><StorageClass>GLACIER</StorageClass></Transition>";
    }
    CHECK(ParseError(Rule(std::string(kEnabledAll) + transitions)).code == S3Errc::kMalformedXML);
  }
  SECTION("entities are not expanded") {
    std::string bomb =
        "<?xml version=\"1.0\"?><!DOCTYPE l [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b "
        "\"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">]><LifecycleConfiguration><Rule><ID>&b;</ID>"
        "<Status>Enabled</Status><Filter/><Expiration><Days>1</Days></Expiration></Rule>"
        "</LifecycleConfiguration>";
    auto result = Parse(bomb);
    if (auto* config = std::get_if<LifecycleConfiguration>(&result)) {
      CHECK(config->rules[0].id.size() < 10);
    }
  }
  SECTION("binary garbage") {
    std::string garbage(4096, '\0');
    for (size_t i = 0; i < garbage.size(); ++i) garbage[i] = static_cast<char>(i * 131 + 7);
    CHECK(ParseError(garbage).code == S3Errc::kMalformedXML);
  }
}

// A body of `size` bytes of 'x', produced without holding it.
class LongSource : public storage::ByteSource {
 public:
  explicit LongSource(size_t size) : left_(size) {}
  Result<size_t> Read(std::span<std::byte> out) override {
    size_t n = std::min(out.size(), left_);
    std::memset(out.data(), 'x', n);
    left_ -= n;
    read_ += n;
    return n;
  }
  size_t read() const { return read_; }

 private:
  size_t left_;
  size_t read_ = 0;
};

TEST_CASE("A 10 MB body is refused by the reader before it is held") {
  LongSource source(10 * 1024 * 1024);
  auto body = ReadXmlBody(source, kMaxLifecycleBodyBytes);
  REQUIRE_FALSE(body.has_value());
  CHECK(ToS3Error(body.error()) == S3Errc::kMalformedXML);
  CHECK(source.read() <= kMaxLifecycleBodyBytes + 64 * 1024);
}

}  // namespace
}  // namespace strata::api
