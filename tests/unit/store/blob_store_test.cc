#include "store/blob_store.h"

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <string>

namespace tml::store {
namespace {

namespace fs = std::filesystem;

std::string FreshRoot(const std::string& name) {
  const auto dir = fs::temp_directory_path() / ("tml-blob-test-" + std::to_string(getpid())) / name;
  fs::remove_all(dir);
  return dir.string();
}

size_t CountFiles(const std::string& dir) {
  size_t n = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir)) n += e.is_regular_file();
  return n;
}

std::span<const uint8_t> Bytes(const std::string& s) { return {reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }

TEST(BlobStoreTest, SameContentShouldBeStoredOnceUnderItsSha256) {
  BlobStore blobs(FreshRoot("dedup"));
  auto a = blobs.PutBytes(Bytes("abc"), 100);
  auto b = blobs.PutBytes(Bytes("abc"), 100);
  ASSERT_TRUE(a.has_value() && b.has_value());
  EXPECT_EQ(a->sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_FALSE(a->existed);
  EXPECT_TRUE(b->existed);
  EXPECT_EQ(a->bytes, 3u);
  EXPECT_TRUE(blobs.Exists(a->sha256));
}

TEST(BlobStoreTest, ContentOverTheLimitShouldBeRefusedAndLeaveNothing) {
  const std::string root = FreshRoot("limit");
  BlobStore blobs(root);
  uint64_t produced = 0;
  // An endless 1 MiB-per-call source: the store must stop at the limit, not read it all.
  auto result = blobs.Put(
      [&](uint8_t* buffer, size_t size) -> int64_t {
        std::memset(buffer, 'x', size);
        produced += size;
        return static_cast<int64_t>(size);
      },
      200000);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code, StoreErrorCode::kTooLarge);
  EXPECT_LT(produced, 400000u);
  EXPECT_EQ(CountFiles(root), 0u);
}

TEST(BlobStoreTest, InterruptedUploadShouldLeaveNothing) {
  const std::string root = FreshRoot("interrupted");
  BlobStore blobs(root);
  int calls = 0;
  auto result = blobs.Put([&](uint8_t* buffer, size_t) -> int64_t { return ++calls < 3 ? (buffer[0] = 'y', 1) : -1; }, 100);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code, StoreErrorCode::kIo);
  EXPECT_EQ(CountFiles(root), 0u);
}

TEST(BlobStoreTest, OnlyHexDigestsShouldNameBlobs) {
  EXPECT_TRUE(IsSha256Hex(std::string(64, 'a')));
  EXPECT_FALSE(IsSha256Hex("../../etc/passwd"));
  EXPECT_FALSE(IsSha256Hex(std::string(64, 'A')));
  BlobStore blobs(FreshRoot("names"));
  EXPECT_FALSE(blobs.Exists("../x"));
}

}  // namespace
}  // namespace tml::store
