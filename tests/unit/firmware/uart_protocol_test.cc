#include "firmware/uart_protocol.h"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

namespace tml::uart {
namespace {

std::vector<uint8_t> Frame(FrameType type, const std::vector<uint8_t>& payload) {
  std::vector<uint8_t> f(kHeaderBytes);
  EncodeHeader(type, static_cast<uint32_t>(payload.size()), f.data());
  f.insert(f.end(), payload.begin(), payload.end());
  uint8_t crc[4];
  WriteLe32(Crc32Update(0, f.data() + 2, static_cast<uint32_t>(f.size() - 2)), crc);
  f.insert(f.end(), crc, crc + 4);
  return f;
}

/// Feeds bytes; returns the frames' (type, payload) and how many CRC errors were seen.
struct Decoded {
  std::vector<std::pair<FrameType, std::vector<uint8_t>>> frames;
  int bad_crc = 0;
  int too_long = 0;
};

Decoded Decode(const std::vector<uint8_t>& bytes) {
  Decoded d;
  FrameDecoder decoder;
  std::vector<uint8_t> payload;
  for (uint8_t b : bytes) {
    switch (decoder.Push(b)) {
      case FrameDecoder::Event::kHeader: payload.clear(); break;
      case FrameDecoder::Event::kPayloadByte: payload.push_back(b); break;
      case FrameDecoder::Event::kFrame: d.frames.emplace_back(decoder.type(), payload); break;
      case FrameDecoder::Event::kBadCrc: ++d.bad_crc; break;
      case FrameDecoder::Event::kTooLong: ++d.too_long; break;
      case FrameDecoder::Event::kNone: break;
    }
  }
  return d;
}

TEST(UartProtocolTest, Crc32ShouldMatchTheStandardCheckValue) {
  const char* text = "123456789";
  EXPECT_EQ(Crc32Update(0, reinterpret_cast<const uint8_t*>(text), 9), 0xCBF43926u);
  // Incremental updates give the same result.
  uint32_t crc = Crc32Update(0, reinterpret_cast<const uint8_t*>(text), 4);
  EXPECT_EQ(Crc32Update(crc, reinterpret_cast<const uint8_t*>(text) + 4, 5), 0xCBF43926u);
}

TEST(UartProtocolTest, DecoderShouldResynchronizeAfterNoise) {
  std::vector<uint8_t> stream = {0x00, 0xA5, 0x13, 0xA5, 0xA5};
  const auto hello = Frame(FrameType::kHello, {});
  const auto infer = Frame(FrameType::kInfer, {1, 2, 3, 0xA5, 0x5A});
  stream.insert(stream.end(), hello.begin(), hello.end());
  stream.insert(stream.end(), {0x42, 0x42});
  stream.insert(stream.end(), infer.begin(), infer.end());
  const Decoded d = Decode(stream);
  ASSERT_EQ(d.frames.size(), 2u);
  EXPECT_EQ(d.frames[0].first, FrameType::kHello);
  EXPECT_EQ(d.frames[1].first, FrameType::kInfer);
  EXPECT_EQ(d.frames[1].second, (std::vector<uint8_t>{1, 2, 3, 0xA5, 0x5A}));
  EXPECT_EQ(d.bad_crc, 0);
}

TEST(UartProtocolTest, CorruptedFrameShouldReportBadCrc) {
  auto infer = Frame(FrameType::kInfer, {1, 2, 3});
  infer[9] ^= 0x10;
  const Decoded d = Decode(infer);
  EXPECT_TRUE(d.frames.empty());
  EXPECT_EQ(d.bad_crc, 1);
}

TEST(UartProtocolTest, OversizedLengthShouldBeRefusedWithoutWaitingForThePayload) {
  std::vector<uint8_t> header(kHeaderBytes);
  EncodeHeader(FrameType::kInfer, kMaxPayload + 1, header.data());
  auto stream = header;
  const auto hello = Frame(FrameType::kHello, {});
  stream.insert(stream.end(), hello.begin(), hello.end());
  const Decoded d = Decode(stream);
  EXPECT_EQ(d.too_long, 1);
  ASSERT_EQ(d.frames.size(), 1u);
  EXPECT_EQ(d.frames[0].first, FrameType::kHello);
}

}  // namespace
}  // namespace tml::uart
