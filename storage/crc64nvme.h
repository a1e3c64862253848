// CRC-64/NVME (the S3 x-amz-checksum-crc64nvme): reflected polynomial 0xAD93D23594C93659,
// init and xorout all ones. ISA-L 2.30 has no function for it, so this is a slicing-by-8 table
// implementation. Internal to storage/.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace strata::storage {

// Extends a finished CRC-64/NVME value with data, zlib style: start from 0, pass each result
// back in; the result after the last call is the CRC of the concatenation. Thread-safe.
uint64_t Crc64NvmeUpdate(uint64_t crc, std::span<const std::byte> data);

}  // namespace strata::storage
