#pragma once
// The store's timestamps: UTC, ISO 8601, to the second ("2026-11-25T04:23:00Z").

#include <string>

namespace tml::store {

std::string NowUtc();

}  // namespace tml::store
