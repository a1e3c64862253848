#include "erasure/errors.h"

#include <catch2/catch.hpp>

#include "tests/erasure/test_util.h"

namespace strata::erasure {
namespace {

TEST_CASE("Erasure error codes carry the erasure category and a message", "[errors]") {
  const boost::system::error_code ec = Errc::kReadQuorumLost;
  CHECK(std::string(ec.category().name()) == "erasure");
  CHECK(ec.message().find("fewer than k") != std::string::npos);
  CHECK(make_error_code(Errc::kNotFound) != make_error_code(Errc::kCorrupt));
  CHECK_FALSE(boost::system::error_code{});
  CHECK(make_error_code(static_cast<Errc>(999)).message().find("999") != std::string::npos);
}

}  // namespace
}  // namespace strata::erasure
