// The LwM2M content formats against the spec's own examples (the Device object of the core
// spec's TLV section) and against each other (what one encodes the others must carry).
#include <gtest/gtest.h>

#include <map>

#include "lwm2m/link_format.h"
#include "lwm2m/path.h"
#include "lwm2m/senml.h"
#include "lwm2m/tlv.h"

namespace tml::lwm2m {
namespace {

Bytes Hex(const std::string& text) {
  Bytes out;
  for (size_t i = 0; i + 1 < text.size();) {
    if (text[i] == ' ') {
      ++i;
      continue;
    }
    out.push_back(static_cast<uint8_t>(std::stoi(text.substr(i, 2), nullptr, 16)));
    i += 2;
  }
  return out;
}

// The Device object's types (object 3), as the definitions give them.
DataType DeviceType(const Path& p) {
  static const std::map<uint16_t, DataType> types = {
      {0, DataType::kString},   {1, DataType::kString},   {2, DataType::kString}, {3, DataType::kString},
      {6, DataType::kInteger},  {7, DataType::kInteger},  {8, DataType::kInteger}, {9, DataType::kInteger},
      {10, DataType::kInteger}, {11, DataType::kInteger}, {13, DataType::kTime},   {14, DataType::kString},
      {16, DataType::kString}};
  auto it = types.find(p.resource());
  return p.object() == 3 && p.depth >= 3 && it != types.end() ? it->second : DataType::kNone;
}

// Core spec 7.4.3.1 (TLV), "Single Object Instance" example: Read /3/0.
const char* kDeviceTlv =
    "C8 00 14 4F70656E204D6F62696C6520416C6C69616E6365"
    "C8 01 16 4C69676874776569676874204D324D20436C69656E74"
    "C8 02 09 333435303030313233"
    "C3 03 312E30"
    "86 06 410001 410105"
    "88 07 08 42000ED8 42011388"
    "87 08 41007D 42010384"
    "C1 09 64"
    "C1 0A 0F"
    "83 0B 410000"
    "C4 0D 5182428F"
    "C6 0E 2B30323A3030"
    "C1 10 55";

std::vector<Record> DeviceRecords() {
  auto r = [](std::initializer_list<uint16_t> ids, Value v) { return Record{MakePath(ids), std::move(v)}; };
  return {r({3, 0, 0}, std::string("Open Mobile Alliance")),
          r({3, 0, 1}, std::string("Lightweight M2M Client")),
          r({3, 0, 2}, std::string("345000123")),
          r({3, 0, 3}, std::string("1.0")),
          r({3, 0, 6, 0}, int64_t{1}),
          r({3, 0, 6, 1}, int64_t{5}),
          r({3, 0, 7, 0}, int64_t{3800}),
          r({3, 0, 7, 1}, int64_t{5000}),
          r({3, 0, 8, 0}, int64_t{125}),
          r({3, 0, 8, 1}, int64_t{900}),
          r({3, 0, 9}, int64_t{100}),
          r({3, 0, 10}, int64_t{15}),
          r({3, 0, 11, 0}, int64_t{0}),
          r({3, 0, 13}, int64_t{1367491215}),
          r({3, 0, 14}, std::string("+02:00")),
          r({3, 0, 16}, std::string("U"))};
}

TEST(PathTest, PathsShouldParseAndPrint) {
  EXPECT_EQ(ParsePath("/3/0/1")->ToString(), "/3/0/1");
  EXPECT_EQ(ParsePath("3/0/")->depth, 2);
  EXPECT_EQ(ParsePath("/")->depth, 0);
  EXPECT_EQ(ParsePath("/5/0/1/2")->resource_instance(), 2);
  for (const char* bad : {"/3//1", "/a", "/1/2/3/4/5", "/65535", "/123456", "/-1"}) EXPECT_FALSE(ParsePath(bad)) << bad;
  EXPECT_TRUE(MakePath({3}).Contains(MakePath({3, 0, 1})));
  EXPECT_FALSE(MakePath({3, 1}).Contains(MakePath({3, 0, 1})));
}

TEST(TlvTest, TheSpecsDeviceExampleShouldDecodeAndEncodeByteForByte) {
  const Bytes tlv = Hex(kDeviceTlv);
  auto records = DecodeTlv(MakePath({3, 0}), tlv.data(), tlv.size(), DeviceType);
  ASSERT_TRUE(records) << records.error();
  EXPECT_EQ(*records, DeviceRecords());
  auto encoded = EncodeTlv(MakePath({3, 0}), DeviceRecords());
  ASSERT_TRUE(encoded) << encoded.error();
  EXPECT_EQ(*encoded, tlv);
}

TEST(TlvTest, ObjectPathsWideIdsLongValuesAndSignsShouldRoundTrip) {
  const std::vector<Record> records = {
      {MakePath({9, 0, 1}), std::string("model")},
      {MakePath({9, 300, 2}), Bytes(70000, 0xAB)},  // 16-bit id, 24-bit length
      {MakePath({9, 300, 3}), int64_t{-2}},
      {MakePath({9, 300, 4}), int64_t{-40000}},
      {MakePath({9, 300, 5}), 0.5},
      {MakePath({9, 300, 6}), 0.1},  // needs 8 bytes
      {MakePath({9, 300, 7}), true},
      {MakePath({9, 300, 8}), ObjectLink{3, 0}},
  };
  auto encoded = EncodeTlv(MakePath({9}), records);
  ASSERT_TRUE(encoded) << encoded.error();
  const std::map<uint16_t, DataType> types = {{1, DataType::kString}, {2, DataType::kOpaque}, {3, DataType::kInteger},
                                              {4, DataType::kInteger}, {5, DataType::kFloat}, {6, DataType::kFloat},
                                              {7, DataType::kBoolean}, {8, DataType::kObjlnk}};
  auto decoded = DecodeTlv(MakePath({9}), encoded->data(), encoded->size(),
                           [&](const Path& p) { return types.at(p.resource()); });
  ASSERT_TRUE(decoded) << decoded.error();
  EXPECT_EQ(*decoded, records);
}

TEST(TlvTest, BrokenPayloadsShouldSayWhatAndWhere) {
  auto fail = [](const std::string& hex, const Path& base) {
    const Bytes b = Hex(hex);
    auto r = DecodeTlv(base, b.data(), b.size(), DeviceType);
    return r ? std::string("decoded") : r.error();
  };
  EXPECT_EQ(fail("C8 00 14 4F70", MakePath({3, 0})), "TLV at byte 0 says 20 bytes, 2 remain");
  EXPECT_EQ(fail("C1 09 64 E8", MakePath({3, 0})), "TLV header at byte 3 is cut short");
  EXPECT_EQ(fail("41 00 01", MakePath({3, 0})), "a resource instance TLV (byte 0) cannot sit under /3/0");
  EXPECT_EQ(fail("C3 09 010203", MakePath({3, 0})), "/3/0/9 (TLV byte 0): an integer takes 1, 2, 4 or 8 bytes, not 3");
  EXPECT_EQ(fail("C1 09 64", MakePath({3, 0, 10})), "TLV holds /3/0/9, outside /3/0/10");
}

TEST(SenmlTest, JsonShouldCarryTheDeviceExampleBothWays) {
  const std::string json = EncodeSenmlJson(MakePath({3, 0}), DeviceRecords());
  EXPECT_EQ(json.substr(0, 55), R"([{"bn":"/3/0/","n":"0","vs":"Open Mobile Alliance"},{"n)");
  auto decoded = DecodeSenmlJson(json, DeviceType);
  ASSERT_TRUE(decoded) << decoded.error();
  EXPECT_EQ(*decoded, DeviceRecords());
}

TEST(SenmlTest, JsonOfOtherPeersShouldDecode) {
  // Base name changes mid-pack, opaque in base64url without padding, an object link.
  auto decoded = DecodeSenmlJson(
      R"([{"bn":"/5/0/","n":"3","v":1},{"n":"0","vd":"AAEC_w"},{"bn":"/3/0/","n":"9","v":87},{"n":"22","vlo":"5:0"}])",
      [](const Path& p) { return p.object() == 5 && p.resource() == 0 ? DataType::kOpaque : DataType::kInteger; });
  ASSERT_TRUE(decoded) << decoded.error();
  ASSERT_EQ(decoded->size(), 4u);
  EXPECT_EQ((*decoded)[0], (Record{MakePath({5, 0, 3}), int64_t{1}}));
  EXPECT_EQ((*decoded)[1], (Record{MakePath({5, 0, 0}), Bytes{0, 1, 2, 255}}));
  EXPECT_EQ((*decoded)[3], (Record{MakePath({3, 0, 22}), ObjectLink{5, 0}}));
  EXPECT_EQ(DecodeSenmlJson(R"([{"n":"/3/0/x","v":1}])", {}).error(), "SenML JSON record 0: name '/3/0/x' is not an LwM2M path");
  EXPECT_EQ(DecodeSenmlJson(R"({"n":"/3"})", {}).error(), "SenML JSON: the pack must be an array of records");
  EXPECT_EQ(DecodeSenmlJson(R"([{"n":"/3/0/9","v":1.5}])", DeviceType).error(),
            "SenML JSON record 0 (/3/0/9): expected an integer, got 1.500000");
}

TEST(SenmlTest, CborShouldMatchRfc8428LabelsAndRoundTrip) {
  const Bytes one = EncodeSenmlCbor(MakePath({3, 0}), {{MakePath({3, 0, 0}), std::string("OMA")}});
  // [{-2: "/3/0/", 0: "0", 3: "OMA"}]
  EXPECT_EQ(one, Hex("81 A3 21 65 2F332F302F 00 61 30 03 63 4F4D41"));
  const Bytes all = EncodeSenmlCbor(MakePath({3, 0}), DeviceRecords());
  auto decoded = DecodeSenmlCbor(all.data(), all.size(), DeviceType);
  ASSERT_TRUE(decoded) << decoded.error();
  EXPECT_EQ(*decoded, DeviceRecords());
  std::vector<Record> mixed = {{MakePath({9, 0, 2}), Bytes{1, 2}}, {MakePath({9, 0, 5}), 2.25},
                               {MakePath({9, 0, 7}), false}, {MakePath({9, 0, 8}), ObjectLink{3, 0}}};
  const Bytes m = EncodeSenmlCbor(MakePath({9, 0}), mixed);
  auto back = DecodeSenmlCbor(m.data(), m.size(), {});
  ASSERT_TRUE(back) << back.error();
  EXPECT_EQ(*back, mixed);
  const Bytes junk = Hex("81 A1 21");
  EXPECT_EQ(DecodeSenmlCbor(junk.data(), junk.size(), {}).error(),
            "SenML CBOR: an array or map declares more items than the payload has");
  const Bytes cut = Hex("81 A1 21 65 2F33");
  EXPECT_EQ(DecodeSenmlCbor(cut.data(), cut.size(), {}).error(), "SenML CBOR: a string declares more bytes than the payload has");
  // Found by the fuzzer: a 9-byte array head declaring 43 billion items must not make
  // libcbor allocate them.
  const Bytes huge = Hex("9B 0000000A321652F0");
  EXPECT_EQ(DecodeSenmlCbor(huge.data(), huge.size(), {}).error(),
            "SenML CBOR: an array or map declares more items than the payload has");
}

TEST(LinkFormatTest, RegistrationPayloadsShouldParseAndFormat) {
  auto links = ParseLinkFormat(R"(</>;rt="oma.lwm2m";ct=11543,</1/0>,</3/0>,</5/0>;ver=1.0,</9>)");
  ASSERT_TRUE(links) << links.error();
  ASSERT_EQ(links->size(), 5u);
  EXPECT_EQ((*links)[0].target, "/");
  EXPECT_EQ((*links)[0].params.at("rt"), "oma.lwm2m");
  EXPECT_EQ((*links)[0].params.at("ct"), "11543");
  EXPECT_EQ((*links)[3].params.at("ver"), "1.0");
  EXPECT_EQ(FormatLinks(*links), R"(</>;ct=11543;rt=oma.lwm2m,</1/0>,</3/0>,</5/0>;ver=1.0,</9>)");
  auto quoted = ParseLinkFormat(R"(</a>;title="x, \"y\"";obs)");
  ASSERT_TRUE(quoted);
  EXPECT_EQ((*quoted)[0].params.at("title"), "x, \"y\"");
  EXPECT_EQ((*quoted)[0].params.at("obs"), "");
  EXPECT_EQ(ParseLinkFormat(R"(</a>;title="open)").error(), "link format: unterminated quoted value at byte 16");
  EXPECT_EQ(ParseLinkFormat("/a").error(), "link format: expected '<' at byte 0");
}

TEST(TextTest, PlainTextValuesShouldFollowTheirType) {
  EXPECT_EQ(ValueToText(int64_t{-5}), "-5");
  EXPECT_EQ(ValueToText(0.1), "0.1");
  EXPECT_EQ(ValueToText(true), "1");
  EXPECT_EQ(ValueToText(ObjectLink{3, 0}), "3:0");
  EXPECT_EQ(ValueToText(Bytes{0, 1, 2, 255}), "AAEC/w==");
  EXPECT_EQ(*ValueFromText("42", DataType::kInteger), Value(int64_t{42}));
  EXPECT_EQ(*ValueFromText("AAEC/w==", DataType::kOpaque), Value(Bytes{0, 1, 2, 255}));
  EXPECT_EQ(ValueFromText("4x", DataType::kInteger).error(), "'4x' is not an integer");
  EXPECT_EQ(ValueFromText("2", DataType::kBoolean).error(), "a boolean is \"0\" or \"1\", not '2'");
}

}  // namespace
}  // namespace tml::lwm2m
