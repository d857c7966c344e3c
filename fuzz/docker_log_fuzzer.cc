// libFuzzer target: the demultiplexer of Docker's log stream on arbitrary bytes, fed in
// chunks whose sizes come from the input. Invariant: the payload bytes it hands out never
// exceed the input, and once it reports an error it hands out nothing more.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "jobs/docker/log_demuxer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t chunk = 1 + data[0] % 17;
  size_t handed_out = 0;
  bool failed = false;
  tml::jobs::LogDemuxer demux([&](int stream, std::string_view payload) {
    if (failed || stream < 0 || stream > 2) std::abort();
    handed_out += payload.size();
  });
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  for (size_t i = 0; i < bytes.size(); i += chunk) {
    if (!demux.Feed(bytes.substr(i, chunk))) failed = true;
  }
  if (handed_out > bytes.size()) std::abort();
  return 0;
}
