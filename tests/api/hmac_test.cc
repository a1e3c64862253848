#include "api/hmac.h"

#include <catch2/catch.hpp>
#include <string>
#include <thread>
#include <vector>

using strata::api::HexLower;
using strata::api::HmacSha256;
using strata::api::Sha256Hex;
using strata::api::Sha256Stream;

namespace {

std::string HmacHex(const std::string& key, const std::string& data) {
  return HexLower(HmacSha256(key, data));
}

}  // namespace

TEST_CASE("HmacSha256 matches RFC 4231's test vectors") {
  CHECK(HmacHex(std::string(20, '\x0b'), "Hi There") ==
        "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  CHECK(HmacHex("Jefe", "what do ya want for nothing?") ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // A key longer than SHA-256's block is hashed first.
  CHECK(
      HmacHex(std::string(131, '\xaa'), "Test Using Larger Than Block-Size Key - Hash Key First") ==
      "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST_CASE("HmacSha256 reuses its per-thread context without carrying a key over") {
  // The same thread, keys alternating (including the empty key, which must not mean "the key
  // of the previous call"): each answer is the one a fresh computation gives.
  for (int i = 0; i < 3; ++i) {
    CHECK(HmacHex("Jefe", "what do ya want for nothing?") ==
          "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    CHECK(HmacHex("", "") == "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
    CHECK(HmacHex(std::string(20, '\x0b'), "Hi There") ==
          "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    // The same key twice and more (the keyed state is reused): each message's own answer.
    CHECK(HmacHex("Jefe", "what do ya want for nothing?") ==
          "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    CHECK(HmacHex("Jefe", "another message") ==
          "1960ef92385f997a0c444681d3ca50648bb4204e6433abd81559165ef9d7b59c");
    CHECK(HmacHex("Jefe", "") ==
          "923598ca6d64af2a5dba79dcd021a8a0fe5c5f557519adaaf0ad532d4506dd30");
    CHECK(HmacHex("", "") == "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
    CHECK(HmacHex("", "") == "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
  }
}

TEST_CASE("HmacSha256 gives the same answers on many threads at once") {
  std::vector<std::thread> threads;
  std::vector<int> wrong(8, 0);
  for (size_t t = 0; t < wrong.size(); ++t) {
    threads.emplace_back([&wrong, t] {
      for (int i = 0; i < 2000; ++i) {
        if (HmacHex("Jefe", "what do ya want for nothing?") !=
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843") {
          ++wrong[t];
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  for (int w : wrong) CHECK(w == 0);
}

TEST_CASE("SHA-256, one-shot and streamed, matches the FIPS 180 examples") {
  CHECK(Sha256Hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(Sha256Hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");

  Sha256Stream stream;
  const std::string chunk(1000, 'a');
  for (int i = 0; i < 1000; ++i) stream.Update(chunk);
  CHECK(stream.FinishHex() == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  // FinishHex resets the stream for the next digest.
  stream.Update(std::string_view("abc"));
  CHECK(stream.FinishHex() == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}
