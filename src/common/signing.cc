#include "common/signing.h"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <memory>

#include "common/digest.h"

namespace tml::common {
namespace {

struct PkeyDeleter {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct MdDeleter {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyDeleter>;

const unsigned char* U(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

tl::expected<SigningKey, std::string> FromSeed(std::string seed) {
  Pkey key(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, U(seed), seed.size()));
  if (!key) return tl::make_unexpected("not an Ed25519 private key");
  std::string pub(32, '\0');
  size_t length = pub.size();
  if (EVP_PKEY_get_raw_public_key(key.get(), reinterpret_cast<unsigned char*>(pub.data()), &length) != 1) {
    return tl::make_unexpected("cannot derive the Ed25519 public key");
  }
  return SigningKey{std::move(seed), std::move(pub)};
}

}  // namespace

tl::expected<SigningKey, std::string> GenerateSigningKey() {
  std::string seed(32, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(seed.data()), static_cast<int>(seed.size())) != 1) {
    return tl::make_unexpected("no random bytes for a signing key");
  }
  return FromSeed(std::move(seed));
}

tl::expected<SigningKey, std::string> LoadOrCreateSigningKey(const std::string& path) {
  if (std::ifstream in(path); in) {
    std::string hex;
    std::getline(in, hex);
    auto seed = FromHex(hex);
    if (!seed || seed->size() != 32) return tl::make_unexpected(path + ": not a hex Ed25519 seed of 32 bytes");
    return FromSeed(std::string(seed->begin(), seed->end()));
  }
  auto key = GenerateSigningKey();
  if (!key) return key;
  const std::string temp = path + ".tmp";
  {
    std::ofstream out(temp, std::ios::trunc);
    ::chmod(temp.c_str(), 0600);
    out << ToHex(U(key->seed), key->seed.size()) << "\n";
    if (!out) return tl::make_unexpected("cannot write the signing key to " + temp);
  }
  std::error_code ec;
  std::filesystem::rename(temp, path, ec);
  if (ec) return tl::make_unexpected("cannot write the signing key to " + path + ": " + ec.message());
  return key;
}

tl::expected<std::string, std::string> Sign(const SigningKey& key, std::string_view message) {
  Pkey pkey(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, U(key.seed), key.seed.size()));
  std::unique_ptr<EVP_MD_CTX, MdDeleter> ctx(EVP_MD_CTX_new());
  std::string signature(64, '\0');
  size_t length = signature.size();
  if (!pkey || !ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, pkey.get()) != 1 ||
      EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &length, U(message), message.size()) != 1) {
    return tl::make_unexpected("cannot sign with Ed25519");
  }
  return signature;
}

bool VerifySignature(std::string_view public_key, std::string_view message, std::string_view signature) {
  if (public_key.size() != 32 || signature.size() != 64) return false;
  Pkey pkey(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, U(public_key), public_key.size()));
  std::unique_ptr<EVP_MD_CTX, MdDeleter> ctx(EVP_MD_CTX_new());
  return pkey && ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, pkey.get()) == 1 &&
         EVP_DigestVerify(ctx.get(), U(signature), signature.size(), U(message), message.size()) == 1;
}

}  // namespace tml::common
