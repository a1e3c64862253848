// CRC32C (Castagnoli, as in iSCSI/ext4): the bitrot checksum of every shard block and header.
// Thread-safe (pure function).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace strata::erasure {

// Returns the standard CRC32C of data ("123456789" -> 0xE3069283). Pass a previous result as
// crc to extend it over concatenated data: Crc32c(b, Crc32c(a)) == Crc32c(a + b).
uint32_t Crc32c(std::span<const std::byte> data, uint32_t crc = 0);

}  // namespace strata::erasure
