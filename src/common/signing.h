#pragma once
// Ed25519 signatures on OpenSSL: the service signs every deployment package with a key it
// creates on first start; an agent that trusts the public key refuses packages that are not
// signed by it (docs/formats/package.md).

#include <string>
#include <string_view>

#include <tl/expected.hpp>

namespace tml::common {

struct SigningKey {
  std::string seed;        ///< 32 private bytes
  std::string public_key;  ///< 32 bytes
};

/// A new random key.
tl::expected<SigningKey, std::string> GenerateSigningKey();
/// The key kept in `path` (the seed in hex, mode 0600), created there when it is missing.
tl::expected<SigningKey, std::string> LoadOrCreateSigningKey(const std::string& path);
/// The 64-byte signature of `message`.
tl::expected<std::string, std::string> Sign(const SigningKey& key, std::string_view message);
/// True when `signature` is `public_key`'s signature of `message`.
bool VerifySignature(std::string_view public_key, std::string_view message, std::string_view signature);

}  // namespace tml::common
