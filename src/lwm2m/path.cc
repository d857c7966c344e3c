#include "lwm2m/path.h"

#include <algorithm>

namespace tml::lwm2m {

Path Path::Child(uint16_t id) const {
  Path p = *this;
  p.ids[p.depth++] = id;
  return p;
}

bool Path::Contains(const Path& other) const {
  if (other.depth < depth) return false;
  return std::equal(ids, ids + depth, other.ids);
}

std::string Path::ToString() const {
  if (depth == 0) return "/";
  std::string text;
  for (uint8_t i = 0; i < depth; ++i) text += "/" + std::to_string(ids[i]);
  return text;
}

bool Path::operator==(const Path& other) const {
  return depth == other.depth && std::equal(ids, ids + depth, other.ids);
}

bool Path::operator<(const Path& other) const {
  return std::lexicographical_compare(ids, ids + depth, other.ids, other.ids + other.depth);
}

std::optional<Path> ParsePath(std::string_view text) {
  if (!text.empty() && text.front() == '/') text.remove_prefix(1);
  if (!text.empty() && text.back() == '/') text.remove_suffix(1);
  Path path;
  while (!text.empty()) {
    if (path.depth == 4) return std::nullopt;
    const size_t end = std::min(text.find('/'), text.size());
    const std::string_view part = text.substr(0, end);
    if (part.empty() || part.size() > 5) return std::nullopt;
    uint32_t id = 0;
    for (char c : part) {
      if (c < '0' || c > '9') return std::nullopt;
      id = id * 10 + static_cast<uint32_t>(c - '0');
    }
    if (id >= 65535) return std::nullopt;
    path.ids[path.depth++] = static_cast<uint16_t>(id);
    text.remove_prefix(std::min(end + 1, text.size()));
  }
  return path;
}

Path MakePath(std::initializer_list<uint16_t> ids) {
  Path p;
  for (uint16_t id : ids) p.ids[p.depth++] = id;
  return p;
}

}  // namespace tml::lwm2m
