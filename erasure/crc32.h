// CRC-32 (ISO-HDLC, as in zlib, gzip and S3's x-amz-checksum-crc32), from ISA-L like the CRC32C
// beside it. Thread-safe (pure function).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace strata::erasure {

// Returns the standard CRC-32 of data ("123456789" -> 0xCBF43926). Pass a previous result as
// crc to extend it over concatenated data: Crc32(b, Crc32(a)) == Crc32(a + b).
uint32_t Crc32(std::span<const std::byte> data, uint32_t crc = 0);

}  // namespace strata::erasure
