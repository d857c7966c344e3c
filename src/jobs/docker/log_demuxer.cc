#include "jobs/docker/log_demuxer.h"

namespace tml::jobs {

bool LogDemuxer::Feed(std::string_view bytes) {
  if (!error_.empty()) return false;
  while (!bytes.empty()) {
    if (payload_left_ == 0) {
      const size_t take = std::min(bytes.size(), sizeof(header_) - header_fill_);
      for (size_t i = 0; i < take; ++i) header_[header_fill_ + i] = static_cast<uint8_t>(bytes[i]);
      header_fill_ += take;
      offset_ += take;
      bytes.remove_prefix(take);
      if (header_fill_ < sizeof(header_)) return true;
      header_fill_ = 0;
      if (header_[0] > 2 || header_[1] != 0 || header_[2] != 0 || header_[3] != 0) {
        error_ = "bad stream frame header at byte " + std::to_string(offset_ - sizeof(header_));
        return false;
      }
      stream_ = header_[0];
      payload_left_ = static_cast<uint32_t>(header_[4]) << 24 | static_cast<uint32_t>(header_[5]) << 16 |
                      static_cast<uint32_t>(header_[6]) << 8 | header_[7];
      continue;
    }
    const size_t take = std::min<size_t>(bytes.size(), payload_left_);
    sink_(stream_, bytes.substr(0, take));
    payload_left_ -= static_cast<uint32_t>(take);
    offset_ += take;
    bytes.remove_prefix(take);
  }
  return true;
}

}  // namespace tml::jobs
