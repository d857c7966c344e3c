#pragma once
// Image references as Docker spells them: [REGISTRY/]REPOSITORY[:TAG][@DIGEST].

#include <string>

namespace tml::jobs {

struct ImageReference {
  std::string registry;    ///< "127.0.0.1:5000", or empty when the reference names none
  std::string repository;  ///< with the registry: "127.0.0.1:5000/netduinoplus2-builder"
  std::string tag;         ///< "latest" when neither a tag nor a digest is given
  std::string digest;      ///< "sha256:..." or empty
};

/// Splits a reference. A first path component is a registry when it has a '.' or a ':'
/// or is "localhost" (Docker's rule). Fails (nullopt-like: empty repository) on an empty
/// reference or one with spaces or control characters.
ImageReference ParseImageReference(const std::string& reference);

}  // namespace tml::jobs
