#pragma once
// CoRE Link Format (RFC 6690, content format 40), as LwM2M registration and discover use it:
// "</1/0>,</3/0>;ver=1.1,</5>". Socket-free, plain functions.

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "lwm2m/value.h"

namespace tml::lwm2m {

struct Link {
  std::string target;                         ///< inside the angle brackets
  std::map<std::string, std::string> params;  ///< value unquoted; "" for a parameter without one
  bool operator==(const Link&) const = default;
};

Lwm2mResult<std::vector<Link>> ParseLinkFormat(std::string_view text);
std::string FormatLinks(const std::vector<Link>& links);

}  // namespace tml::lwm2m
