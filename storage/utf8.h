// UTF-8 character counting: S3 states its key, tag and metadata limits in characters, and
// refuses text that is not valid UTF-8. Shared by storage/ (tag limits) and api/ (the XML
// parsers that answer with S3's messages).
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace strata::storage {

// The number of UTF-8 characters in `s`, or nullopt if `s` is not valid UTF-8 (a bad lead
// byte, a truncated sequence or a bad continuation byte).
std::optional<size_t> Utf8Length(std::string_view s);

}  // namespace strata::storage
