#include "erasure/errors.h"

#include <string>

namespace strata::erasure {
namespace {

class ErasureCategoryImpl final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "erasure"; }

  std::string message(int ev) const override {
    switch (static_cast<Errc>(ev)) {
      case Errc::kOk:
        return "success";
      case Errc::kNotFound:
        return "blob or shard not found";
      case Errc::kReadQuorumLost:
        return "fewer than k good shards: data unavailable";
      case Errc::kWriteQuorumLost:
        return "too few drives accepted the write";
      case Errc::kCorrupt:
        return "shard data failed its checksum";
      case Errc::kDriveFailed:
        return "drive I/O failed";
      case Errc::kNoSpace:
        return "no space left on drive";
      case Errc::kInvalidArgument:
        return "invalid argument";
      case Errc::kUnknownTier:
        return "unknown storage tier";
    }
    return "unknown erasure error " + std::to_string(ev);
  }
};

}  // namespace

const boost::system::error_category& ErasureCategory() {
  static const ErasureCategoryImpl category;
  return category;
}

}  // namespace strata::erasure
