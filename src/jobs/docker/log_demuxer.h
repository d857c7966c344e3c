#pragma once
// Docker's multiplexed stream (container logs and attach without a TTY): frames of an 8-byte
// header [stream, 0, 0, 0, size as 4 bytes big-endian] and `size` bytes of payload. Stream 1
// is stdout, 2 is stderr (0 is stdin). Socket-free: bytes in, payloads out, in any chunking.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace tml::jobs {

class LogDemuxer {
 public:
  using Sink = std::function<void(int stream, std::string_view payload)>;
  explicit LogDemuxer(Sink sink) : sink_(std::move(sink)) {}

  /// Feeds the next bytes. Returns false (and ignores everything after) once a header is not
  /// this format; `error()` then says where.
  bool Feed(std::string_view bytes);
  const std::string& error() const { return error_; }

 private:
  Sink sink_;
  uint8_t header_[8] = {};
  size_t header_fill_ = 0;
  uint32_t payload_left_ = 0;
  int stream_ = 0;
  uint64_t offset_ = 0;
  std::string error_;
};

}  // namespace tml::jobs
