#pragma once
// LwM2M paths: /Object[/Instance[/Resource[/ResourceInstance]]], each id 0..65535 (65535 is
// reserved by the spec and refused), and the empty path "/" (the root).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tml::lwm2m {

struct Path {
  uint16_t ids[4] = {};
  uint8_t depth = 0;  ///< 0 = root, 1 = object, 2 = instance, 3 = resource, 4 = resource instance

  uint16_t object() const { return ids[0]; }
  uint16_t instance() const { return ids[1]; }
  uint16_t resource() const { return ids[2]; }
  uint16_t resource_instance() const { return ids[3]; }
  /// This path with one more id (depth must be below 4).
  Path Child(uint16_t id) const;
  /// Whether `other` is this path or below it.
  bool Contains(const Path& other) const;
  std::string ToString() const;
  bool operator==(const Path& other) const;
  bool operator<(const Path& other) const;
};

/// Parses "/3/0/1", "3/0" or "/" (a trailing slash is allowed); nullopt when it is not a path.
std::optional<Path> ParsePath(std::string_view text);
Path MakePath(std::initializer_list<uint16_t> ids);

}  // namespace tml::lwm2m
