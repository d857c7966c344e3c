#include "agent/downloader.h"

#include <curl/curl.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <thread>

#include "common/digest.h"
#include "lwm2m/block_fetch.h"

namespace tml::agent {
namespace {

namespace fs = std::filesystem;

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};

std::string PartialPath(const std::string& uri, const std::string& dir) {
  return (fs::path(dir) / (common::Sha256Hex(uri).substr(0, 32) + ".part")).string();
}

tl::unexpected<DownloadError> Fail(DownloadFault fault, std::string message) {
  return tl::unexpected<DownloadError>(DownloadError{fault, std::move(message)});
}

struct Transfer {
  std::ofstream* out;
  uint64_t written = 0;
  uint64_t limit;
  bool too_large = false;
};

size_t OnData(char* data, size_t size, size_t count, void* user) {
  auto& t = *static_cast<Transfer*>(user);
  const size_t n = size * count;
  if (t.written + n > t.limit) {
    t.too_large = true;
    return 0;
  }
  t.out->write(data, static_cast<std::streamsize>(n));
  t.written += n;
  return t.out->good() ? n : 0;
}

/// libcurl asks often while a transfer runs: a non-zero answer aborts it.
int OnProgress(void* cancel, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return cancel != nullptr && static_cast<const std::atomic<bool>*>(cancel)->load() ? 1 : 0;
}

}  // namespace

void DiscardPartial(const std::string& uri, const std::string& partial_dir) {
  std::error_code ec;
  fs::remove(PartialPath(uri, partial_dir), ec);
}

namespace {

/// The partial file of `uri` (its folder made), saying so when a download resumes.
std::string OpenPartial(const std::string& uri, const DownloadOptions& options) {
  std::error_code ec;
  fs::create_directories(options.partial_dir, ec);
  const std::string part = PartialPath(uri, options.partial_dir);
  if (const uint64_t kept = fs::exists(part, ec) ? fs::file_size(part, ec) : 0; kept > 0) {
    std::printf("download: resuming at %llu bytes\n", static_cast<unsigned long long>(kept));
    std::fflush(stdout);
  }
  return part;
}

/// A finished download's bytes; the partial file is gone.
std::string TakePartial(const std::string& part) {
  std::string bytes;
  {
    std::ifstream in(part, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  std::error_code ec;
  fs::remove(part, ec);
  return bytes;
}

constexpr unsigned kCoapBlock = 1024;

/// coap:// and coaps://: block by block into the partial file, from its last whole block.
tl::expected<std::string, DownloadError> DownloadOverCoap(const std::string& uri, const DownloadOptions& options) {
  std::error_code ec;
  const std::string part = OpenPartial(uri, options);
  std::string last_error;
  for (int attempt = 0; attempt <= options.retries; ++attempt) {
    // A block is written whole or not at all, but the server may have sent smaller ones:
    // start again at a boundary of ours.
    uint64_t offset = fs::exists(part, ec) ? fs::file_size(part, ec) : 0;
    offset -= offset % kCoapBlock;
    fs::resize_file(part, offset, ec);
    std::fstream out(part, std::ios::binary | std::ios::in | std::ios::out | (offset == 0 ? std::ios::trunc : std::ios::openmode{}));
    if (!out) return Fail(DownloadFault::kConnectionLost, "cannot write " + part);
    bool too_large = false;
    lwm2m::BlockFetchOptions fetch{uri, options.psk_identity, options.psk_key, kCoapBlock, 30};
    auto fetched = lwm2m::FetchBlockwise(fetch, offset, [&](const uint8_t* data, size_t size, uint64_t at) {
      if (options.cancel != nullptr && options.cancel->load()) return false;
      if (at + size > options.max_bytes) {
        too_large = true;
        return false;
      }
      out.seekp(static_cast<std::streamoff>(at));
      out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
      out.flush();
      return static_cast<bool>(out);
    });
    out.close();
    if (options.cancel != nullptr && options.cancel->load()) return Fail(DownloadFault::kCanceled, "the download was canceled");
    if (too_large) {
      DiscardPartial(uri, options.partial_dir);
      return Fail(DownloadFault::kTooLarge, "the package is larger than " + std::to_string(options.max_bytes) + " bytes");
    }
    if (fetched) {
      const std::string bytes = TakePartial(part);
      if (bytes.size() != *fetched) return Fail(DownloadFault::kConnectionLost, uri + ": got " + std::to_string(bytes.size()) + " of " + std::to_string(*fetched) + " bytes");
      return bytes;
    }
    const int code = fetched.error().code;
    if (code == 402 && offset > 0) {  // past the end: the partial file was stale
      DiscardPartial(uri, options.partial_dir);
      continue;
    }
    if (code == 404 || code == 401 || code == 403) {
      DiscardPartial(uri, options.partial_dir);
      return Fail(DownloadFault::kInvalidUri, uri + ": " + fetched.error().message);
    }
    if (code == 0 && fetched.error().message.find("is not a coap") != std::string::npos) {
      return Fail(DownloadFault::kInvalidUri, fetched.error().message);
    }
    last_error = uri + ": " + fetched.error().message;
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  return Fail(DownloadFault::kConnectionLost, last_error + " (the partial download is kept and resumes on the next try)");
}

}  // namespace

tl::expected<std::string, DownloadError> Download(const std::string& uri, const DownloadOptions& options) {
  if (uri.rfind("coap://", 0) == 0 || uri.rfind("coaps://", 0) == 0) return DownloadOverCoap(uri, options);
  if (uri.rfind("http://", 0) != 0 && uri.rfind("https://", 0) != 0) {
    if (uri.find("://") == std::string::npos) return Fail(DownloadFault::kInvalidUri, "'" + uri + "' is not a URI");
    return Fail(DownloadFault::kUnsupportedProtocol, "'" + uri + "': this agent downloads over http(s):// and coap(s)://");
  }
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  std::error_code ec;
  const std::string part = OpenPartial(uri, options);
  std::string last_error;
  for (int attempt = 0; attempt <= options.retries; ++attempt) {
    const uint64_t offset = fs::exists(part, ec) ? fs::file_size(part, ec) : 0;
    std::ofstream out(part, std::ios::binary | std::ios::app);
    if (!out) return Fail(DownloadFault::kConnectionLost, "cannot write " + part);
    std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
    Transfer transfer{&out, 0, options.max_bytes - std::min(options.max_bytes, offset)};
    char error[CURL_ERROR_SIZE] = {};
    curl_easy_setopt(curl.get(), CURLOPT_URL, uri.c_str());
    curl_easy_setopt(curl.get(), CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl.get(), CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, OnData);
    curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &transfer);
    curl_easy_setopt(curl.get(), CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(curl.get(), CURLOPT_XFERINFOFUNCTION, OnProgress);
    curl_easy_setopt(curl.get(), CURLOPT_XFERINFODATA, const_cast<std::atomic<bool>*>(options.cancel));
    curl_easy_setopt(curl.get(), CURLOPT_ERRORBUFFER, error);
    curl_easy_setopt(curl.get(), CURLOPT_CONNECTTIMEOUT, 10L);
    // A stalled link counts as lost: under 1 byte/s for 30 s.
    curl_easy_setopt(curl.get(), CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(curl.get(), CURLOPT_LOW_SPEED_TIME, 30L);
    if (offset > 0) curl_easy_setopt(curl.get(), CURLOPT_RESUME_FROM_LARGE, static_cast<curl_off_t>(offset));
    if (options.max_bytes_per_second > 0) {
      curl_easy_setopt(curl.get(), CURLOPT_MAX_RECV_SPEED_LARGE, static_cast<curl_off_t>(options.max_bytes_per_second));
    }
    const CURLcode code = curl_easy_perform(curl.get());
    out.close();
    long status = 0;
    curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &status);
    if (options.cancel != nullptr && options.cancel->load()) return Fail(DownloadFault::kCanceled, "the download was canceled");
    if (transfer.too_large) {
      DiscardPartial(uri, options.partial_dir);
      return Fail(DownloadFault::kTooLarge, "the package is larger than " + std::to_string(options.max_bytes) + " bytes");
    }
    if (code == CURLE_OK && status == 416 && offset > 0) {  // the partial file is already whole, or stale
      DiscardPartial(uri, options.partial_dir);
      continue;
    }
    if (code == CURLE_OK && (status == 200 || status == 206)) {
      std::string bytes = TakePartial(part);
      // A 200 to a Range request: the server sent the whole file after our old bytes.
      if (status == 200) bytes.erase(0, offset);
      return bytes;
    }
    if (code == CURLE_OK && (status == 404 || status == 410 || status == 403 || status == 401)) {
      DiscardPartial(uri, options.partial_dir);
      return Fail(DownloadFault::kInvalidUri, uri + ": the server answered HTTP " + std::to_string(status));
    }
    if (code == CURLE_OK && status >= 400) {
      std::error_code ignored;
      fs::resize_file(part, offset, ignored);  // an error body is not package bytes
      last_error = uri + ": the server answered HTTP " + std::to_string(status);
      continue;
    }
    if (code == CURLE_URL_MALFORMAT) return Fail(DownloadFault::kInvalidUri, "'" + uri + "': " + error);
    last_error = uri + ": " + (error[0] != 0 ? error : curl_easy_strerror(code));
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  return Fail(DownloadFault::kConnectionLost, last_error + " (the partial download is kept and resumes on the next try)");
}

}  // namespace tml::agent
