#include "agent/package_fetch.h"

#include "agent/downloader.h"

namespace tml::agent {
namespace {

tl::unexpected<FetchError> Fail(FetchFault fault, std::string message) {
  return tl::unexpected<FetchError>(FetchError{fault, std::move(message)});
}

}  // namespace

FetchResult VerifyPackage(const std::string& bytes, common::PackageKind kind, const FetchConfig& config) {
  auto package = common::ReadPackage(bytes, config.trusted_key);
  if (!package) {
    return Fail(package.error().fault == common::PackageFault::kIntegrity ? FetchFault::kIntegrity : FetchFault::kUnsupportedPackage,
                package.error().message);
  }
  if (package->contents.kind != kind) {
    return Fail(FetchFault::kUnsupportedPackage, std::string("a ") + common::PackageKindName(package->contents.kind) +
                                                     " package, where a " + common::PackageKindName(kind) + " package belongs");
  }
  if (!config.board.empty() && package->contents.board != config.board) {
    return Fail(FetchFault::kUnsupportedPackage,
                "the package is for board " + package->contents.board + ", this device is a " + config.board);
  }
  return std::move(*package);
}

FetchResult FetchPackage(const std::string& uri, common::PackageKind kind, const FetchConfig& config,
                         const std::atomic<bool>* cancel) {
  DownloadOptions options;
  options.partial_dir = config.partial_dir;
  options.max_bytes_per_second = config.max_bytes_per_second;
  options.cancel = cancel;
  options.psk_identity = config.psk_identity;
  options.psk_key = config.psk_key;
  auto downloaded = Download(uri, options);
  if (!downloaded) {
    switch (downloaded.error().fault) {
      case DownloadFault::kInvalidUri: return Fail(FetchFault::kInvalidUri, downloaded.error().message);
      case DownloadFault::kUnsupportedProtocol: return Fail(FetchFault::kUnsupportedProtocol, downloaded.error().message);
      case DownloadFault::kConnectionLost: return Fail(FetchFault::kConnectionLost, downloaded.error().message);
      case DownloadFault::kTooLarge: return Fail(FetchFault::kTooLarge, downloaded.error().message);
      case DownloadFault::kCanceled: return Fail(FetchFault::kCanceled, downloaded.error().message);
    }
  }
  auto package = VerifyPackage(*downloaded, kind, config);
  if (!package) DiscardPartial(uri, config.partial_dir);  // fetch it whole next time
  return package;
}

}  // namespace tml::agent
