#pragma once
// SHA-256 and hex, the identities of models, plans, blobs and tokens (OpenSSL), and hex
// back to bytes (keys given as text).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tml::common {

/// SHA-256 of `size` bytes, as 32 raw bytes.
std::vector<uint8_t> Sha256(const uint8_t* data, size_t size);
/// Lower-case hex of bytes.
std::string ToHex(const uint8_t* data, size_t size);
/// The bytes of hex text (either case); nullopt when it is not hex or has an odd length.
std::optional<std::vector<uint8_t>> FromHex(std::string_view hex);
/// Lower-case hex SHA-256 of bytes or text.
std::string Sha256Hex(std::span<const uint8_t> bytes);
std::string Sha256Hex(std::string_view text);

}  // namespace tml::common
