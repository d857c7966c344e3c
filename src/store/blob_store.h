#pragma once
// Content-addressed blobs on disk: <root>/sha256/<first two hex digits>/<sha256>. A blob is
// written once, streamed through a temporary file while it is hashed, size-limited without
// being held in memory, and renamed into place atomically, so a crash never leaves a
// half-written blob under its name.

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>

#include "store/store_error.h"

namespace tml::store {

struct Blob {
  std::string sha256;   ///< lower-case hex
  uint64_t bytes = 0;
  bool existed = false; ///< the same content was already stored
};

class BlobStore;

/// Writes one blob incrementally (for data that is pushed, e.g. an HTTP request body).
/// Abandoning a writer (destroying it before Finish) leaves nothing behind.
class BlobWriter {
 public:
  BlobWriter(BlobWriter&&) noexcept;
  ~BlobWriter();
  /// Appends; fails (kTooLarge or kIo) and stays failed once the limit is exceeded.
  StoreResult<void> Write(const uint8_t* data, size_t size);
  /// Hashes, fsyncs and moves the blob into place.
  StoreResult<Blob> Finish();

 private:
  friend class BlobStore;
  BlobWriter(BlobStore* store, int fd, std::string temp_path, uint64_t max_bytes);
  struct State;
  std::unique_ptr<State> state_;
};

class BlobStore {
 public:
  /// Uses (and creates) `root`.
  explicit BlobStore(std::string root);

  /// Starts a blob of at most `max_bytes`.
  StoreResult<BlobWriter> Begin(uint64_t max_bytes);
  /// Reads chunks from `read` (returns bytes read, 0 at the end, -1 on error) until the end.
  /// Refuses content larger than `max_bytes` as soon as it is exceeded.
  StoreResult<Blob> Put(const std::function<int64_t(uint8_t* buffer, size_t size)>& read, uint64_t max_bytes);
  StoreResult<Blob> PutBytes(std::span<const uint8_t> bytes, uint64_t max_bytes);

  bool Exists(const std::string& sha256) const;
  /// Path of a stored blob (whether or not it exists).
  std::string PathOf(const std::string& sha256) const;
  /// Removes a blob; missing is not an error.
  void Remove(const std::string& sha256);

 private:
  std::string root_;
};

/// True if `s` is 64 lower-case hex digits.
bool IsSha256Hex(const std::string& s);

}  // namespace tml::store
