// The identity of a weight block in NVM: SHA-256 of its rows (OpenSSL), as
// lower-case hex. Two blocks with the same hash hold the same bytes, so a
// block found in the residency catalog under its hash need not be programmed.
#pragma once
#include <cstdint>
#include <span>
#include <string>

namespace hycim::cim {

std::string content_hash(std::span<const uint8_t> bytes);

}  // namespace hycim::cim
