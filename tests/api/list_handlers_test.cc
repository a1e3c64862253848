#include "api/list_handlers.h"

#include <catch2/catch.hpp>
#include <pugixml.hpp>
#include <string>

#include "api/http_date.h"

namespace strata::api {
namespace {

storage::ObjectInfo Object(std::string key, uint64_t size) {
  storage::ObjectInfo info;
  info.bucket = "b";
  info.key = std::move(key);
  info.size = size;
  info.etag = "d41d8cd98f00b204e9800998ecf8427e";
  info.last_modified = std::chrono::system_clock::time_point(std::chrono::seconds(1'700'000'000)) +
                       std::chrono::milliseconds(123);
  return info;
}

ParsedTarget Target(const std::string& text) {
  auto target = ParseTarget(text);
  REQUIRE(target.has_value());
  return *target;
}

ListRequest Request(const std::string& target, bool v2) {
  std::string message;
  auto request = ParseListRequest(Target(target), v2, &message);
  REQUIRE(request.has_value());
  return *request;
}

const OwnerInfo kOwner{"0123abcd", "root"};

TEST_CASE("ListObjects v1 renders contents, common prefixes and NextMarker with a delimiter") {
  storage::ListResult page;
  page.objects = {Object("a.txt", 5), Object("b&c.txt", 0)};
  page.common_prefixes = {"dir/"};
  page.truncated = true;
  page.next_marker = "dir/";
  ListRequest request = Request("/b?delimiter=%2F&max-keys=3&marker=0", false);
  std::string xml = RenderListResult("b", request, page, kOwner);

  pugi::xml_document doc;
  REQUIRE(doc.load_string(xml.c_str()));
  pugi::xml_node root = doc.child("ListBucketResult");
  REQUIRE(root);
  CHECK(std::string(root.attribute("xmlns").value()) == "http://s3.amazonaws.com/doc/2006-03-01/");
  CHECK(std::string(root.child_value("Name")) == "b");
  CHECK(std::string(root.child_value("Prefix")).empty());
  CHECK(std::string(root.child_value("Marker")) == "0");
  CHECK(std::string(root.child_value("NextMarker")) == "dir/");
  CHECK(std::string(root.child_value("MaxKeys")) == "3");
  CHECK(std::string(root.child_value("Delimiter")) == "/");
  CHECK(std::string(root.child_value("IsTruncated")) == "true");
  CHECK_FALSE(root.child("EncodingType"));
  CHECK_FALSE(root.child("KeyCount"));

  pugi::xml_node first = root.child("Contents");
  CHECK(std::string(first.child_value("Key")) == "a.txt");
  CHECK(std::string(first.child_value("LastModified")) == "2023-11-14T22:13:20.123Z");
  CHECK(std::string(first.child_value("ETag")) == "\"d41d8cd98f00b204e9800998ecf8427e\"");
  CHECK(std::string(first.child_value("Size")) == "5");
  CHECK(std::string(first.child_value("StorageClass")) == "STANDARD");
  CHECK(std::string(first.child("Owner").child_value("ID")) == "0123abcd");
  CHECK(std::string(first.next_sibling("Contents").child_value("Key")) == "b&c.txt");
  CHECK(std::string(root.child("CommonPrefixes").child_value("Prefix")) == "dir/");
  // The escaped ETag quotes are entities in the raw document.
  CHECK(xml.find("<ETag>&quot;d41d8cd98f00b204e9800998ecf8427e&quot;</ETag>") != std::string::npos);
}

TEST_CASE("ListObjects v1 without a delimiter sends no NextMarker even when truncated") {
  storage::ListResult page;
  page.objects = {Object("a", 1)};
  page.truncated = true;
  page.next_marker = "a";
  std::string xml = RenderListResult("b", Request("/b?max-keys=1", false), page, kOwner);
  CHECK(xml.find("NextMarker") == std::string::npos);
  CHECK(xml.find("<IsTruncated>true</IsTruncated>") != std::string::npos);
}

TEST_CASE("ListObjectsV2 renders KeyCount and a token that continues after the last entry") {
  storage::ListResult page;
  page.objects = {Object("a", 1), Object("b", 2)};
  page.common_prefixes = {"c/"};
  page.truncated = true;
  page.next_marker = "c/";
  ListRequest request = Request("/b?list-type=2&start-after=0&delimiter=/", true);
  std::string xml = RenderListResult("b", request, page, kOwner);
  pugi::xml_document doc;
  REQUIRE(doc.load_string(xml.c_str()));
  pugi::xml_node root = doc.child("ListBucketResult");
  CHECK(std::string(root.child_value("KeyCount")) == "3");
  CHECK(std::string(root.child_value("StartAfter")) == "0");
  CHECK_FALSE(root.child("ContinuationToken"));
  CHECK_FALSE(root.child("Marker"));
  CHECK_FALSE(root.child("Contents").child("Owner"));  // no fetch-owner
  std::string token = root.child_value("NextContinuationToken");
  REQUIRE_FALSE(token.empty());
  CHECK(DecodeContinuationToken(token) == std::optional<std::string>("c/"));

  // The next page starts after the token's marker and echoes the token.
  ListRequest next =
      Request("/b?list-type=2&fetch-owner=true&continuation-token=" + UriEncode(token, true), true);
  CHECK(next.resume_after == "c/");
  CHECK(next.continuation_token == token);
  page.truncated = false;
  std::string next_xml = RenderListResult("b", next, page, kOwner);
  CHECK(next_xml.find("<ContinuationToken>" + token + "</ContinuationToken>") != std::string::npos);
  CHECK(next_xml.find("NextContinuationToken") == std::string::npos);
  CHECK(next_xml.find("<Owner><ID>0123abcd</ID>") != std::string::npos);
}

TEST_CASE("ListPageWriter writes entries as storage visits them, Contents before prefixes") {
  // Storage hands a page over in key order, prefixes and objects interleaved; S3's document
  // lists every Contents first.
  ListRequest request = Request("/b?list-type=2&delimiter=/&fetch-owner=true", true);
  ListPageWriter writer("b", request, kOwner);
  const auto modified =
      std::chrono::system_clock::time_point(std::chrono::milliseconds(1'795'663'636'042));
  storage::ListedObject b_and_c;
  b_and_c.key = "b&c";
  b_and_c.etag = "0123";
  b_and_c.size = 42;
  b_and_c.last_modified = modified;
  storage::ListedObject e;
  e.key = "e";
  e.etag = "4567";
  e.storage_class = "GLACIER";
  writer.CommonPrefix("a/");
  writer.Object(b_and_c);
  writer.CommonPrefix("d/");
  writer.Object(e);
  std::string xml = writer.Finish({.truncated = true, .next_marker = "e"});

  pugi::xml_document doc;
  REQUIRE(doc.load_string(xml.c_str()));
  pugi::xml_node root = doc.child("ListBucketResult");
  CHECK(std::string(root.child_value("KeyCount")) == "4");
  CHECK(std::string(root.child_value("IsTruncated")) == "true");
  CHECK(DecodeContinuationToken(root.child_value("NextContinuationToken")) ==
        std::optional<std::string>("e"));
  std::vector<std::string> children;
  for (pugi::xml_node child : root.children()) {
    std::string name = child.name();
    if (name == "Contents") children.push_back(name + ":" + child.child_value("Key"));
    if (name == "CommonPrefixes") children.push_back(name + ":" + child.child_value("Prefix"));
  }
  CHECK(children == std::vector<std::string>{"Contents:b&c", "Contents:e", "CommonPrefixes:a/",
                                             "CommonPrefixes:d/"});
  pugi::xml_node first = root.child("Contents");
  CHECK(std::string(first.child_value("LastModified")) == "2026-11-26T03:27:16.042Z");
  CHECK(std::string(first.child_value("ETag")) == "\"0123\"");
  CHECK(std::string(first.child_value("Size")) == "42");
  CHECK(std::string(first.child_value("StorageClass")) == "STANDARD");
  CHECK(std::string(first.child("Owner").child_value("ID")) == "0123abcd");
  CHECK(std::string(first.child("Owner").child_value("DisplayName")) == "root");
  pugi::xml_node second = first.next_sibling("Contents");
  CHECK(std::string(second.child_value("StorageClass")) == "GLACIER");
  CHECK(std::string(second.child_value("Size")) == "0");

  // An empty page is a well-formed document with KeyCount 0.
  ListPageWriter empty("b", Request("/b?list-type=2", true), kOwner);
  pugi::xml_document empty_doc;
  REQUIRE(empty_doc.load_string(empty.Finish({}).c_str()));
  CHECK(std::string(empty_doc.child("ListBucketResult").child_value("KeyCount")) == "0");
  CHECK_FALSE(empty_doc.child("ListBucketResult").child("Contents"));
}

TEST_CASE("encoding-type=url encodes keys, prefixes, delimiter and markers") {
  storage::ListResult page;
  page.objects = {Object("a b+c/\x01\xc3\xa9", 1)};
  page.common_prefixes = {"d ir/"};
  page.truncated = true;
  page.next_marker = "d ir/";
  ListRequest request =
      Request("/b?encoding-type=url&prefix=a%20&delimiter=%2F&marker=m%20", false);
  std::string xml = RenderListResult("b", request, page, kOwner);
  CHECK(xml.find("<Key>a%20b%2Bc/%01%C3%A9</Key>") != std::string::npos);
  CHECK(xml.find("<Prefix>a%20</Prefix>") != std::string::npos);
  CHECK(xml.find("<Prefix>d%20ir/</Prefix>") != std::string::npos);
  CHECK(xml.find("<Marker>m%20</Marker>") != std::string::npos);
  CHECK(xml.find("<NextMarker>d%20ir/</NextMarker>") != std::string::npos);
  CHECK(xml.find("<Delimiter>/</Delimiter>") != std::string::npos);
  CHECK(xml.find("<EncodingType>url</EncodingType>") != std::string::npos);
}

TEST_CASE("Keys with control characters render as character references without encoding") {
  storage::ListResult page;
  page.objects = {Object(std::string("x\x01y\x1f<z>", 7), 1)};
  std::string xml = RenderListResult("b", Request("/b", false), page, kOwner);
  CHECK(xml.find("<Key>x&#x1;y&#x1F;&lt;z&gt;</Key>") != std::string::npos);
}

TEST_CASE("List parameters are validated like AWS") {
  auto [query, valid, max_keys] = GENERATE(table<std::string, bool, uint32_t>({
      {"", true, 1000},
      {"max-keys=0", true, 0},
      {"max-keys=7", true, 7},
      {"max-keys=1000", true, 1000},
      {"max-keys=5000", true, 1000},
      {"max-keys=99999999999999999999999", true, 1000},
      {"max-keys=-1", false, 0},
      {"max-keys=abc", false, 0},
      {"max-keys=1.5", false, 0},
      {"max-keys=", false, 0},
      {"encoding-type=url", true, 1000},
      {"encoding-type=URL", true, 1000},
      {"encoding-type=base64", false, 0},
      {"continuation-token=%21%21%21", false, 0},
      {"continuation-token=YQ%3D%3D", true, 1000},
  }));
  CAPTURE(query);
  std::string message;
  auto request = ParseListRequest(Target("/b?list-type=2&" + query), true, &message);
  CHECK(request.has_value() == valid);
  if (valid) {
    CHECK(request->max_keys == max_keys);
  } else {
    CHECK(request.error() == make_error_code(S3Errc::kInvalidArgument));
    CHECK_FALSE(message.empty());
  }
}

}  // namespace
}  // namespace strata::api
