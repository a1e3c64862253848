// Error codes of the chunk store. They travel as boost::system::error_code.
#pragma once

#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>
#include <type_traits>

namespace strata::erasure {

// Each code names one next step for the caller.
enum class Errc {
  kOk = 0,
  kNotFound = 1,         // the blob (or shard) does not exist: stop.
  kReadQuorumLost = 2,   // fewer than k good shards: stop, data unavailable (or lost).
  kWriteQuorumLost = 3,  // too few drives accepted the write: retry later (503).
  kCorrupt = 4,          // a shard block failed its checksum (reconstructed where possible).
  kDriveFailed = 5,  // one drive's I/O failed; the chunk store reduces these to quorum verdicts.
  kNoSpace = 6,      // a drive is full.
  kInvalidArgument = 7,  // caller bug or bad config: stop.
  kUnknownTier = 8,      // the placement named a tier that is not configured.
};

const boost::system::error_category& ErasureCategory();

inline boost::system::error_code make_error_code(Errc e) {
  return {static_cast<int>(e), ErasureCategory()};
}

template <class T>
using Result = boost::system::result<T>;

}  // namespace strata::erasure

template <>
struct boost::system::is_error_code_enum<strata::erasure::Errc> : std::true_type {};
