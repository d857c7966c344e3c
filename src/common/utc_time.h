#pragma once
// Timestamps as the API and the store write them: UTC, ISO 8601, to the second
// ("2026-11-25T04:23:00Z").

#include <cstdint>
#include <string>

namespace tml::common {

/// `seconds` since the epoch as text.
std::string FormatUtc(int64_t seconds);
/// Now, as text.
std::string NowUtc();

}  // namespace tml::common
