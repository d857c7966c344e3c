#include "jobs/docker/image_reference.h"

namespace tml::jobs {

ImageReference ParseImageReference(const std::string& reference) {
  ImageReference ref;
  for (unsigned char c : reference) {
    if (c <= ' ' || c == 0x7f) return ref;
  }
  std::string rest = reference;
  if (const auto at = rest.find('@'); at != std::string::npos) {
    ref.digest = rest.substr(at + 1);
    rest.resize(at);
  }
  const auto slash = rest.rfind('/');
  if (const auto colon = rest.rfind(':'); colon != std::string::npos && (slash == std::string::npos || colon > slash)) {
    ref.tag = rest.substr(colon + 1);
    rest.resize(colon);
  }
  if (ref.tag.empty() && ref.digest.empty()) ref.tag = "latest";
  if (const auto first = rest.find('/'); first != std::string::npos) {
    const std::string head = rest.substr(0, first);
    if (head.find('.') != std::string::npos || head.find(':') != std::string::npos || head == "localhost") {
      ref.registry = head;
    }
  }
  ref.repository = rest;
  return ref;
}

}  // namespace tml::jobs
