#include "store/blob_store.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <vector>

#include "common/digest.h"

namespace tml::store {

namespace fs = std::filesystem;

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

struct BlobWriter::State {
  BlobStore* store = nullptr;
  int fd = -1;
  std::string temp_path;
  uint64_t max_bytes = 0;
  uint64_t total = 0;
  bool failed = false;
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> hash{EVP_MD_CTX_new(), EVP_MD_CTX_free};
};

BlobWriter::BlobWriter(BlobStore* store, int fd, std::string temp_path, uint64_t max_bytes)
    : state_(std::make_unique<State>()) {
  state_->store = store;
  state_->fd = fd;
  state_->temp_path = std::move(temp_path);
  state_->max_bytes = max_bytes;
  EVP_DigestInit_ex(state_->hash.get(), EVP_sha256(), nullptr);
}

BlobWriter::BlobWriter(BlobWriter&&) noexcept = default;

BlobWriter::~BlobWriter() {
  if (!state_) return;
  if (state_->fd >= 0) close(state_->fd);
  if (!state_->temp_path.empty()) unlink(state_->temp_path.c_str());
}

StoreResult<void> BlobWriter::Write(const uint8_t* data, size_t size) {
  if (state_->failed) return StoreFail(StoreErrorCode::kIo, "the blob already failed");
  state_->total += size;
  if (state_->total > state_->max_bytes) {
    state_->failed = true;
    return StoreFail(StoreErrorCode::kTooLarge, "content exceeds the limit of " + std::to_string(state_->max_bytes) + " bytes");
  }
  EVP_DigestUpdate(state_->hash.get(), data, size);
  for (size_t written = 0; written < size;) {
    const ssize_t w = write(state_->fd, data + written, size - written);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      state_->failed = true;
      return StoreFail(StoreErrorCode::kIo, std::string("cannot write the blob: ") + std::strerror(errno));
    }
    written += static_cast<size_t>(w);
  }
  return {};
}

StoreResult<Blob> BlobWriter::Finish() {
  if (state_->failed) return StoreFail(StoreErrorCode::kIo, "the blob failed");
  if (fsync(state_->fd) != 0) return StoreFail(StoreErrorCode::kIo, std::string("fsync: ") + std::strerror(errno));
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_size = 0;
  EVP_DigestFinal_ex(state_->hash.get(), digest, &digest_size);
  Blob blob{common::ToHex(digest, digest_size), state_->total, false};
  const std::string target = state_->store->PathOf(blob.sha256);
  if (fs::exists(target)) {
    blob.existed = true;
    return blob;  // the destructor removes the duplicate temporary file
  }
  std::error_code ec;
  fs::create_directories(fs::path(target).parent_path(), ec);
  if (rename(state_->temp_path.c_str(), target.c_str()) != 0) {
    return StoreFail(StoreErrorCode::kIo, std::string("cannot store the blob: ") + std::strerror(errno));
  }
  state_->temp_path.clear();
  return blob;
}

StoreResult<BlobWriter> BlobStore::Begin(uint64_t max_bytes) {
  std::string pattern = (fs::path(root_) / "tmp" / "upload-XXXXXX").string();
  const int fd = mkstemp(pattern.data());
  if (fd < 0) return StoreFail(StoreErrorCode::kIo, std::string("cannot create a temporary file: ") + std::strerror(errno));
  return BlobWriter(this, fd, pattern, max_bytes);
}

StoreResult<Blob> BlobStore::Put(const std::function<int64_t(uint8_t*, size_t)>& read, uint64_t max_bytes) {
  auto writer = Begin(max_bytes);
  if (!writer) return tl::unexpected(writer.error());
  std::vector<uint8_t> buffer(1 << 16);
  for (;;) {
    const int64_t n = read(buffer.data(), buffer.size());
    if (n < 0) return StoreFail(StoreErrorCode::kIo, "the upload was interrupted");
    if (n == 0) break;
    if (auto r = writer->Write(buffer.data(), static_cast<size_t>(n)); !r) return tl::unexpected(r.error());
  }
  return writer->Finish();
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
