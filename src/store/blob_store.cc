#include "store/blob_store.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <vector>

namespace tml::store {
namespace {

namespace fs = std::filesystem;

std::string Hex(const unsigned char* data, size_t size) {
  static const char* kDigits = "0123456789abcdef";
  std::string hex;
  for (size_t i = 0; i < size; ++i) {
    hex.push_back(kDigits[data[i] >> 4]);
    hex.push_back(kDigits[data[i] & 15]);
  }
  return hex;
}

/// Closes and (unless kept) removes a temporary file.
struct TempFile {
  std::string path;
  int fd = -1;
  bool keep = false;
  ~TempFile() {
    if (fd >= 0) close(fd);
    if (!keep && !path.empty()) unlink(path.c_str());
  }
};

}  // namespace

bool IsSha256Hex(const std::string& s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

BlobStore::BlobStore(std::string root) : root_(std::move(root)) {
  std::error_code ec;
  fs::create_directories(fs::path(root_) / "sha256", ec);
  fs::create_directories(fs::path(root_) / "tmp", ec);
}

std::string BlobStore::PathOf(const std::string& sha256) const {
  return (fs::path(root_) / "sha256" / sha256.substr(0, 2) / sha256).string();
}

bool BlobStore::Exists(const std::string& sha256) const {
  return IsSha256Hex(sha256) && fs::exists(PathOf(sha256));
}

void BlobStore::Remove(const std::string& sha256) {
  if (!IsSha256Hex(sha256)) return;
  std::error_code ec;
  fs::remove(PathOf(sha256), ec);
}

StoreResult<Blob> BlobStore::Put(const std::function<int64_t(uint8_t*, size_t)>& read, uint64_t max_bytes) {
  TempFile temp;
  std::string pattern = (fs::path(root_) / "tmp" / "upload-XXXXXX").string();
  temp.fd = mkstemp(pattern.data());
  if (temp.fd < 0) return StoreFail(StoreErrorCode::kIo, std::string("cannot create a temporary file: ") + std::strerror(errno));
  temp.path = pattern;
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> hash(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_DigestInit_ex(hash.get(), EVP_sha256(), nullptr);
  std::vector<uint8_t> buffer(1 << 16);
  uint64_t total = 0;
  for (;;) {
    const int64_t n = read(buffer.data(), buffer.size());
    if (n < 0) return StoreFail(StoreErrorCode::kIo, "the upload was interrupted");
    if (n == 0) break;
    total += static_cast<uint64_t>(n);
    if (total > max_bytes) {
      return StoreFail(StoreErrorCode::kTooLarge, "content exceeds the limit of " + std::to_string(max_bytes) + " bytes");
    }
    EVP_DigestUpdate(hash.get(), buffer.data(), static_cast<size_t>(n));
    for (int64_t written = 0; written < n;) {
      const ssize_t w = write(temp.fd, buffer.data() + written, static_cast<size_t>(n - written));
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) return StoreFail(StoreErrorCode::kIo, std::string("cannot write the blob: ") + std::strerror(errno));
      written += w;
    }
  }
  if (fsync(temp.fd) != 0) return StoreFail(StoreErrorCode::kIo, std::string("fsync: ") + std::strerror(errno));
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_size = 0;
  EVP_DigestFinal_ex(hash.get(), digest, &digest_size);
  Blob blob{Hex(digest, digest_size), total, false};
  const std::string target = PathOf(blob.sha256);
  if (fs::exists(target)) {
    blob.existed = true;
    return blob;
  }
  std::error_code ec;
  fs::create_directories(fs::path(target).parent_path(), ec);
  if (rename(temp.path.c_str(), target.c_str()) != 0) {
    return StoreFail(StoreErrorCode::kIo, std::string("cannot store the blob: ") + std::strerror(errno));
  }
  temp.keep = true;
  return blob;
}

StoreResult<Blob> BlobStore::PutBytes(std::span<const uint8_t> bytes, uint64_t max_bytes) {
  size_t offset = 0;
  return Put(
      [&](uint8_t* buffer, size_t size) -> int64_t {
        const size_t n = std::min(size, bytes.size() - offset);
        std::memcpy(buffer, bytes.data() + offset, n);
        offset += n;
        return static_cast<int64_t>(n);
      },
      max_bytes);
}

}  // namespace tml::store
