#include "server/console_session.h"

#include <array>
#include <catch2/catch.hpp>
#include <chrono>
#include <string>

namespace strata::server {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::system_clock;

const Clock::time_point kNow = Clock::time_point(std::chrono::seconds(1'800'000'000));

std::array<std::byte, ConsoleSessions::kKeyBytes> Key(unsigned char fill) {
  std::array<std::byte, ConsoleSessions::kKeyBytes> key{};
  key.fill(static_cast<std::byte>(fill));
  return key;
}

TEST_CASE("a console token verifies with the key that issued it") {
  ConsoleSessions sessions;
  REQUIRE(sessions.ok());
  const std::string token = sessions.Issue(kNow);
  CHECK(token.size() == ConsoleSessions::kTokenChars);
  CHECK(
      token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
      std::string::npos);
  CHECK(sessions.Verify(token, kNow));
  CHECK(sessions.Verify(token, kNow + 11h + 59min));
}

TEST_CASE("two console tokens issued at the same second differ") {
  ConsoleSessions sessions;
  CHECK(sessions.Issue(kNow) != sessions.Issue(kNow));
}

TEST_CASE("a console token expires after twelve hours") {
  ConsoleSessions sessions;
  const std::string token = sessions.Issue(kNow);
  CHECK(sessions.Verify(token, kNow + 12h - 1s));
  CHECK_FALSE(sessions.Verify(token, kNow + 12h));
  CHECK_FALSE(sessions.Verify(token, kNow + 48h));
}

TEST_CASE("a console token with any character changed is rejected") {
  ConsoleSessions sessions(Key(7));
  const std::string token = sessions.Issue(kNow);
  for (size_t i = 0; i < token.size(); ++i) {
    std::string tampered = token;
    tampered[i] = tampered[i] == 'A' ? 'B' : 'A';
    INFO("position " << i);
    CHECK_FALSE(sessions.Verify(tampered, kNow));
  }
}

TEST_CASE("a console token whose expiry was pushed forward is rejected") {
  ConsoleSessions sessions(Key(7));
  const std::string token = sessions.Issue(kNow);
  auto raw = Base64UrlDecode(token);
  REQUIRE(raw);
  (*raw)[6] = static_cast<char>((*raw)[6] + 1);  // expiry + 256 s, MAC unchanged
  const std::string forged = Base64UrlEncode(std::as_bytes(std::span(*raw)));
  CHECK_FALSE(sessions.Verify(forged, kNow));
}

TEST_CASE("truncated, extended and malformed console tokens are rejected") {
  ConsoleSessions sessions(Key(7));
  const std::string token = sessions.Issue(kNow);
  CHECK_FALSE(sessions.Verify("", kNow));
  CHECK_FALSE(sessions.Verify(token.substr(0, token.size() - 1), kNow));
  CHECK_FALSE(sessions.Verify(token.substr(0, 10), kNow));
  CHECK_FALSE(sessions.Verify(token + "A", kNow));
  CHECK_FALSE(sessions.Verify(std::string(ConsoleSessions::kTokenChars, '='), kNow));
  CHECK_FALSE(sessions.Verify(std::string(ConsoleSessions::kTokenChars, 'A'), kNow));
  CHECK_FALSE(sessions.Verify(std::string(1 << 20, 'A'), kNow));
  std::string with_nul = token;
  with_nul[3] = '\0';
  CHECK_FALSE(sessions.Verify(with_nul, kNow));
}

TEST_CASE("a console token from another server's key is rejected") {
  ConsoleSessions ours(Key(1));
  ConsoleSessions theirs(Key(2));
  ConsoleSessions random_key;
  const std::string token = theirs.Issue(kNow);
  CHECK(theirs.Verify(token, kNow));
  CHECK_FALSE(ours.Verify(token, kNow));
  CHECK_FALSE(random_key.Verify(token, kNow));
}

TEST_CASE("a revoked console token stays rejected and others still verify") {
  ConsoleSessions sessions(Key(3));
  const std::string a = sessions.Issue(kNow);
  const std::string b = sessions.Issue(kNow);
  sessions.Revoke(a, kNow + 1s);
  CHECK_FALSE(sessions.Verify(a, kNow + 2s));
  CHECK(sessions.Verify(b, kNow + 2s));
  sessions.Revoke("garbage", kNow + 3s);  // ignored
  CHECK(sessions.Verify(b, kNow + 3s));
}

TEST_CASE("base64url round-trips every length and rejects other alphabets") {
  std::string data;
  for (int n = 0; n < 70; ++n) {
    auto encoded = Base64UrlEncode(std::as_bytes(std::span(data)));
    CHECK(encoded.find('=') == std::string::npos);
    auto decoded = Base64UrlDecode(encoded);
    REQUIRE(decoded);
    CHECK(*decoded == data);
    data += static_cast<char>(n * 37 + 250);
  }
  CHECK_FALSE(Base64UrlDecode("ab+/"));
  CHECK_FALSE(Base64UrlDecode("abc="));
  CHECK_FALSE(Base64UrlDecode("abcde"));  // 5 characters is no base64 length
  CHECK_FALSE(Base64UrlDecode("AB"));     // non-zero leftover bits
  CHECK(Base64UrlDecode("AA") == std::string(1, '\0'));
}

TEST_CASE("cookie values are found by exact name") {
  CHECK(CookieValue("strata_console=abc", "strata_console") == "abc");
  CHECK(CookieValue("a=1; strata_console=xyz; b=2", "strata_console") == "xyz");
  CHECK(CookieValue("x_strata_console=1;strata_console=2", "strata_console") == "2");
  CHECK_FALSE(CookieValue("strata_consolex=1; other=2", "strata_console"));
  CHECK_FALSE(CookieValue("", "strata_console"));
  CHECK_FALSE(CookieValue(";;;  ;", "strata_console"));
}

TEST_CASE("secrets compare equal only when identical") {
  CHECK(SecretsEqual("s3cr3t", "s3cr3t"));
  CHECK_FALSE(SecretsEqual("s3cr3t", "s3cr3T"));
  CHECK_FALSE(SecretsEqual("s3cr3t", "s3cr3t "));
  CHECK_FALSE(SecretsEqual("", "x"));
  CHECK(SecretsEqual("", ""));
}

}  // namespace
}  // namespace strata::server
