#pragma once
// Package downloads for the agent into a partial file kept in the state folder: HTTP(S) on
// libcurl, resumed with a Range request, and CoAP(S) block by block (RFC 7959 Block2, on
// lwm2m/block_fetch.h), resumed at the block where it stopped; after a lost connection or an
// agent restart, a gateway on a slow link never fetches the same bytes twice.

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include <tl/expected.hpp>

namespace tml::agent {

enum class DownloadFault {
  kInvalidUri,           ///< not http(s)://..., or the server says 404/410
  kUnsupportedProtocol,  ///< a scheme the agent does not fetch
  kConnectionLost,       ///< the transfer broke off (the partial file is kept for a resume)
  kTooLarge,
  kCanceled,
};
struct DownloadError {
  DownloadFault fault;
  std::string message;
};

struct DownloadOptions {
  std::string partial_dir;          ///< where "<sha256(uri)>.part" files live
  uint64_t max_bytes = 64u << 20;   ///< larger packages are refused
  int64_t max_bytes_per_second = 0; ///< 0: unlimited (a metered link sets a limit)
  int retries = 3;                  ///< resumes after a lost connection before giving up
  const std::atomic<bool>* cancel = nullptr;
  std::string psk_identity;           ///< coaps:// downloads: the device's DTLS credentials
  std::vector<uint8_t> psk_key;
};

/// Fetches `uri` (a resume says so on stdout); on success the partial file is removed.
tl::expected<std::string, DownloadError> Download(const std::string& uri, const DownloadOptions& options);
/// Forgets the partial file of `uri` (after its bytes failed verification).
void DiscardPartial(const std::string& uri, const std::string& partial_dir);

}  // namespace tml::agent
