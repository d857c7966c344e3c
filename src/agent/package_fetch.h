#pragma once
// Where a package comes from (a Package URI the agent downloads, or bytes the server pushed
// into Package) and the checks before anything is flashed: a package of ours, for this board,
// of the kind the object handles, every sha256 right, signed by the trusted key if one is set.

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/package.h"

namespace tml::agent {

struct FetchConfig {
  std::string partial_dir;              ///< partial downloads (resumed)
  int64_t max_bytes_per_second = 0;     ///< 0: unlimited
  std::optional<std::string> trusted_key;  ///< raw Ed25519 public key; then only signed packages pass
  std::string board;                    ///< packages for another board are refused
  std::string psk_identity;             ///< coaps:// Package URIs: the device's DTLS credentials
  std::vector<uint8_t> psk_key;
};

enum class FetchFault { kConnectionLost, kInvalidUri, kUnsupportedProtocol, kTooLarge, kIntegrity, kUnsupportedPackage, kCanceled };
struct FetchError {
  FetchFault fault;
  std::string message;
};

using FetchResult = tl::expected<common::VerifiedPackage, FetchError>;

/// Downloads `uri` (resuming a partial download) and verifies it.
FetchResult FetchPackage(const std::string& uri, common::PackageKind kind, const FetchConfig& config,
                         const std::atomic<bool>* cancel);
/// Verifies pushed bytes.
FetchResult VerifyPackage(const std::string& bytes, common::PackageKind kind, const FetchConfig& config);

}  // namespace tml::agent
