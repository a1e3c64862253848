#include "api/governance_xml.h"

#include <catch2/catch.hpp>
#include <string>

#include "api/http_date.h"

namespace strata::api {
namespace {

using storage::RetentionMode;
using storage::VersioningState;

S3Errc ErrorOf(const boost::system::error_code& ec) { return ToS3Error(ec); }

TEST_CASE("A versioning configuration sets Enabled or Suspended, and may omit Status") {
  auto enabled = ParseVersioningConfiguration(
      "<VersioningConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
      "<Status>Enabled</Status></VersioningConfiguration>");
  REQUIRE(enabled.has_value());
  CHECK(enabled->status == VersioningState::kEnabled);
  CHECK_FALSE(enabled->mfa_delete);
  auto suspended = ParseVersioningConfiguration(
      "<VersioningConfiguration><Status>Suspended</Status><MfaDelete>Disabled</MfaDelete>"
      "</VersioningConfiguration>");
  REQUIRE(suspended.has_value());
  CHECK(suspended->status == VersioningState::kSuspended);
  auto empty = ParseVersioningConfiguration("<VersioningConfiguration/>");
  REQUIRE(empty.has_value());
  CHECK_FALSE(empty->status.has_value());
  auto mfa = ParseVersioningConfiguration(
      "<VersioningConfiguration><Status>Enabled</Status><MfaDelete>Enabled</MfaDelete>"
      "</VersioningConfiguration>");
  REQUIRE(mfa.has_value());
  CHECK(mfa->mfa_delete);
}

TEST_CASE("A versioning configuration with another status or root is MalformedXML") {
  auto xml =
      GENERATE(as<std::string>{}, "", "not xml", "<VersioningConfiguration>",
               "<Versioning><Status>Enabled</Status></Versioning>",
               "<VersioningConfiguration><Status>enabled</Status></VersioningConfiguration>",
               "<VersioningConfiguration><Status>Disabled</Status></VersioningConfiguration>",
               "<VersioningConfiguration><Status>Enabled</Status><Status>Suspended</Status>"
               "</VersioningConfiguration>",
               "<VersioningConfiguration><MfaDelete>On</MfaDelete></VersioningConfiguration>",
               "<VersioningConfiguration/><VersioningConfiguration/>",
               "<!DOCTYPE x [<!ENTITY a \"Enabled\">]><VersioningConfiguration><Status>&a;"
               "</Status></VersioningConfiguration>");
  CAPTURE(xml);
  auto parsed = ParseVersioningConfiguration(xml);
  REQUIRE_FALSE(parsed.has_value());
  CHECK(ErrorOf(parsed.error()) == S3Errc::kMalformedXML);
}

TEST_CASE("A Tagging document gives the tags in order, with empty values allowed") {
  auto tags = ParseTagging(
      "<Tagging><TagSet><Tag><Key>b</Key><Value>2</Value></Tag><Tag><Key>a</Key><Value/></Tag>"
      "<Tag><Key>c &amp; d</Key></Tag></TagSet></Tagging>",
      storage::kMaxObjectTags);
  REQUIRE(tags.has_value());
  REQUIRE(tags->size() == 3);
  CHECK((*tags)[0] == std::pair<std::string, std::string>("b", "2"));
  CHECK((*tags)[1] == std::pair<std::string, std::string>("a", ""));
  CHECK((*tags)[2].first == "c & d");
  auto none = ParseTagging("<Tagging><TagSet/></Tagging>", storage::kMaxObjectTags);
  REQUIRE(none.has_value());
  CHECK(none->empty());
}

TEST_CASE("Tags beyond AWS limits are InvalidTag") {
  auto tag = [](const std::string& k, const std::string& v) {
    return "<Tag><Key>" + k + "</Key><Value>" + v + "</Value></Tag>";
  };
  std::string eleven;
  for (int i = 0; i < 11; ++i) eleven += tag("k" + std::to_string(i), "v");
  // A million tags is refused at the limit, without holding them all.
  std::string many;
  for (int i = 0; i < 100000; ++i) many += tag("k", "v");
  auto body = GENERATE_COPY(as<std::string>{}, eleven, many, tag("a", "1") + tag("a", "2"),
                            tag("", "v"), tag(std::string(129, 'k'), "v"),
                            tag("k", std::string(257, 'v')), tag("k\xff", "v"));
  auto parsed =
      ParseTagging("<Tagging><TagSet>" + body + "</TagSet></Tagging>", storage::kMaxObjectTags);
  REQUIRE_FALSE(parsed.has_value());
  CHECK(ErrorOf(parsed.error()) == S3Errc::kInvalidTag);
}

TEST_CASE("Tag lengths count UTF-8 characters, not bytes") {
  std::string euro = "\xE2\x82\xAC";
  std::string key;
  for (int i = 0; i < 128; ++i) key += euro;  // 384 bytes, 128 characters
  auto parsed = ParseTagging("<Tagging><TagSet><Tag><Key>" + key +
                                 "</Key><Value>v</Value></Tag>"
                                 "</TagSet></Tagging>",
                             storage::kMaxObjectTags);
  REQUIRE(parsed.has_value());
  CHECK((*parsed)[0].first == key);
}

TEST_CASE("A malformed Tagging document is MalformedXML") {
  auto xml = GENERATE(as<std::string>{}, "", "<Tagging>", "<Tagging/>",
                      "<Tagging><TagSet/><TagSet/></Tagging>",
                      "<Tagging><TagSet><Tag><Value>v</Value></Tag></TagSet></Tagging>",
                      "<Tagging><TagSet><Other/></TagSet></Tagging>", "<Tags><TagSet/></Tags>");
  CAPTURE(xml);
  auto parsed = ParseTagging(xml, storage::kMaxBucketTags);
  REQUIRE_FALSE(parsed.has_value());
  CHECK(ErrorOf(parsed.error()) == S3Errc::kMalformedXML);
}

TEST_CASE("x-amz-tagging is a URL query string of tags") {
  auto tags = ParseTaggingHeader("project=blue%20sky&team=a+b&empty=&bare");
  REQUIRE(tags.has_value());
  REQUIRE(tags->size() == 4);
  CHECK((*tags)[0] == std::pair<std::string, std::string>("project", "blue sky"));
  CHECK((*tags)[1] == std::pair<std::string, std::string>("team", "a b"));
  CHECK((*tags)[2] == std::pair<std::string, std::string>("empty", ""));
  CHECK((*tags)[3] == std::pair<std::string, std::string>("bare", ""));
  auto none = ParseTaggingHeader("");
  REQUIRE(none.has_value());
  CHECK(none->empty());
}

TEST_CASE("A bad x-amz-tagging header is InvalidArgument or InvalidTag") {
  auto bad_encoding = ParseTaggingHeader("a=%zz");
  REQUIRE_FALSE(bad_encoding.has_value());
  CHECK(ErrorOf(bad_encoding.error()) == S3Errc::kInvalidArgument);
  std::string eleven;
  for (int i = 0; i < 11; ++i) eleven += "k" + std::to_string(i) + "=v&";
  for (std::string header :
       {eleven, std::string("a=1&a=2"), std::string("=v"), "k=" + std::string(257, 'v')}) {
    CAPTURE(header);
    auto parsed = ParseTaggingHeader(header);
    REQUIRE_FALSE(parsed.has_value());
    CHECK(ErrorOf(parsed.error()) == S3Errc::kInvalidTag);
  }
}

TEST_CASE("An object lock configuration may carry a default retention in days or years") {
  auto plain = ParseObjectLockConfiguration(
      "<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled>"
      "</ObjectLockConfiguration>");
  REQUIRE(plain.has_value());
  CHECK(plain->enabled);
  CHECK_FALSE(plain->rule.has_value());
  auto days = ParseObjectLockConfiguration(
      "<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule>"
      "<DefaultRetention><Mode>COMPLIANCE</Mode><Days>30</Days></DefaultRetention></Rule>"
      "</ObjectLockConfiguration>");
  REQUIRE(days.has_value());
  REQUIRE(days->rule.has_value());
  CHECK(days->rule->mode == RetentionMode::kCompliance);
  CHECK(days->rule->days == 30);
  CHECK(days->rule->years == 0);
  auto years = ParseObjectLockConfiguration(
      "<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule>"
      "<DefaultRetention><Mode>GOVERNANCE</Mode><Years>2</Years></DefaultRetention></Rule>"
      "</ObjectLockConfiguration>");
  REQUIRE(years.has_value());
  CHECK(years->rule->mode == RetentionMode::kGovernance);
  CHECK(years->rule->years == 2);
}

TEST_CASE("A bad object lock configuration is MalformedXML, a bad period InvalidArgument") {
  auto wrap = [](const std::string& retention) {
    return "<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule>"
           "<DefaultRetention>" +
           retention + "</DefaultRetention></Rule></ObjectLockConfiguration>";
  };
  for (std::string xml :
       {std::string("<ObjectLockConfiguration/>"),
        std::string("<ObjectLockConfiguration><ObjectLockEnabled>Disabled</ObjectLockEnabled>"
                    "</ObjectLockConfiguration>"),
        std::string("<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled>"
                    "<Rule/></ObjectLockConfiguration>"),
        wrap("<Mode>GOVERNANCE</Mode>"),
        wrap("<Mode>GOVERNANCE</Mode><Days>1</Days><Years>1</Years>"),
        wrap("<Mode>governance</Mode><Days>1</Days>"), wrap("<Days>1</Days>")}) {
    CAPTURE(xml);
    auto parsed = ParseObjectLockConfiguration(xml);
    REQUIRE_FALSE(parsed.has_value());
    CHECK(ErrorOf(parsed.error()) == S3Errc::kMalformedXML);
  }
  for (std::string period :
       {"<Days>0</Days>", "<Days>-1</Days>", "<Days>36501</Days>", "<Years>101</Years>",
        "<Days>99999999999999999999999</Days>", "<Days>1.5</Days>"}) {
    CAPTURE(period);
    auto parsed = ParseObjectLockConfiguration(wrap("<Mode>GOVERNANCE</Mode>" + period));
    REQUIRE_FALSE(parsed.has_value());
    CHECK(ErrorOf(parsed.error()) == S3Errc::kInvalidArgument);
  }
}

TEST_CASE("A Retention document sets a mode and date, or removes the retention when empty") {
  auto set = ParseRetention(
      "<Retention><Mode>GOVERNANCE</Mode><RetainUntilDate>2030-01-02T03:04:05.000Z"
      "</RetainUntilDate></Retention>");
  REQUIRE(set.has_value());
  CHECK(set->mode == RetentionMode::kGovernance);
  CHECK(FormatIso8601(set->retain_until) == "2030-01-02T03:04:05.000Z");
  auto removed = ParseRetention("<Retention/>");
  REQUIRE(removed.has_value());
  CHECK(removed->mode == RetentionMode::kNone);
  for (std::string xml :
       {std::string("<Retention><Mode>GOVERNANCE</Mode></Retention>"),
        std::string("<Retention><RetainUntilDate>2030-01-02T03:04:05Z</RetainUntilDate>"
                    "</Retention>"),
        std::string("<Retention><Mode>LOCKED</Mode><RetainUntilDate>2030-01-02T03:04:05Z"
                    "</RetainUntilDate></Retention>"),
        std::string("<Retention><Mode>COMPLIANCE</Mode><RetainUntilDate>tomorrow"
                    "</RetainUntilDate></Retention>"),
        std::string("<Retain/>"), std::string("")}) {
    CAPTURE(xml);
    auto parsed = ParseRetention(xml);
    REQUIRE_FALSE(parsed.has_value());
    CHECK(ErrorOf(parsed.error()) == S3Errc::kMalformedXML);
  }
}

TEST_CASE("A LegalHold document is ON or OFF") {
  auto on = ParseLegalHold("<LegalHold><Status>ON</Status></LegalHold>");
  REQUIRE(on.has_value());
  CHECK(*on);
  auto off = ParseLegalHold("<LegalHold xmlns=\"x\"><Status>OFF</Status></LegalHold>");
  REQUIRE(off.has_value());
  CHECK_FALSE(*off);
  for (std::string xml : {"<LegalHold/>", "<LegalHold><Status>on</Status></LegalHold>",
                          "<LegalHold><Status>ON</Status><Status>OFF</Status></LegalHold>",
                          "<Hold><Status>ON</Status></Hold>", "\x01\x02"}) {
    CAPTURE(xml);
    auto parsed = ParseLegalHold(xml);
    REQUIRE_FALSE(parsed.has_value());
    CHECK(ErrorOf(parsed.error()) == S3Errc::kMalformedXML);
  }
}

}  // namespace
}  // namespace strata::api
