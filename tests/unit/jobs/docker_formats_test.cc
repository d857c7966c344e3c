// The formats the Docker runner parses: the multiplexed log stream, tar archives from a
// (possibly hostile) builder, image references, and the manifest check of the contract.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/digest.h"
#include "jobs/builder_conformance.h"
#include "jobs/docker/image_reference.h"
#include "jobs/docker/log_demuxer.h"
#include "common/tar_files.h"

namespace tml::jobs {
namespace {

using common::ReadTarFiles;
using common::WriteTar;

std::string Frame(int stream, const std::string& payload) {
  std::string f(8, '\0');
  f[0] = static_cast<char>(stream);
  const uint32_t n = static_cast<uint32_t>(payload.size());
  f[4] = static_cast<char>(n >> 24);
  f[5] = static_cast<char>(n >> 16);
  f[6] = static_cast<char>(n >> 8);
  f[7] = static_cast<char>(n);
  return f + payload;
}

TEST(LogDemuxerTest, FramesShouldComeOutWhateverTheChunking) {
  const std::string bytes = Frame(1, "hello\n") + Frame(2, "error: x\n") + Frame(1, "") + Frame(1, "bye");
  for (size_t chunk : {1u, 3u, 8u, 9u, 1000u}) {
    std::string out, err;
    LogDemuxer demux([&](int stream, std::string_view p) { (stream == 2 ? err : out).append(p); });
    for (size_t i = 0; i < bytes.size(); i += chunk) ASSERT_TRUE(demux.Feed(std::string_view(bytes).substr(i, chunk)));
    EXPECT_EQ(out, "hello\nbye") << "chunk " << chunk;
    EXPECT_EQ(err, "error: x\n") << "chunk " << chunk;
  }
}

TEST(LogDemuxerTest, ABadHeaderShouldStopTheStreamAndSayWhere) {
  std::string seen;
  LogDemuxer demux([&](int, std::string_view p) { seen.append(p); });
  EXPECT_FALSE(demux.Feed(Frame(1, "ok") + "plain text, not a frame"));
  EXPECT_EQ(seen, "ok");
  EXPECT_EQ(demux.error(), "bad stream frame header at byte 10");
  EXPECT_FALSE(demux.Feed(Frame(1, "more")));
  EXPECT_EQ(seen, "ok");
}

TEST(TarFilesTest, WrittenFilesShouldReadBackUnderTheirFolder) {
  // Docker's GET archive of /out holds "out/NAME" entries; ReadTarFiles strips the folder.
  auto nested = WriteTar({{"out/a.bin", std::string("\0\1\2", 3), 0644}, {"out/manifest.json", "{}", 0444}});
  ASSERT_TRUE(nested) << nested.error();
  auto read = ReadTarFiles(*nested, "out", {});
  ASSERT_TRUE(read) << read.error();
  ASSERT_EQ(read->files.size(), 2u);
  EXPECT_EQ(read->files[0].name, "a.bin");
  EXPECT_EQ(read->files[0].data, std::string("\0\1\2", 3));
  EXPECT_EQ(read->files[1].name, "manifest.json");
  EXPECT_TRUE(read->skipped.empty());
}

TEST(TarFilesTest, HostileEntriesShouldBeSkippedOrRefused) {
  auto tar = WriteTar({{"out/../../etc/passwd", "x", 0644},
                       {"out/sub/nested.bin", "x", 0644},
                       {"elsewhere.bin", "x", 0644},
                       {"out/ok.bin", "fine", 0644}});
  ASSERT_TRUE(tar);
  auto read = ReadTarFiles(*tar, "out", {});
  ASSERT_TRUE(read) << read.error();
  ASSERT_EQ(read->files.size(), 1u);
  EXPECT_EQ(read->files[0].name, "ok.bin");
  EXPECT_EQ(read->skipped.size(), 3u);

  auto big = WriteTar({{"out/a", std::string(600, 'a'), 0644}, {"out/b", std::string(600, 'b'), 0644}});
  ASSERT_TRUE(big);
  auto limited = ReadTarFiles(*big, "out", {32, 1000});
  ASSERT_FALSE(limited);
  EXPECT_EQ(limited.error(), "the files in the archive exceed 1000 bytes (at b)");
  auto few = ReadTarFiles(*big, "out", {1, 1u << 20});
  ASSERT_FALSE(few);
  EXPECT_EQ(few.error(), "the archive holds more than 1 files");

  std::string cut = big->substr(0, 700);
  EXPECT_FALSE(ReadTarFiles(cut, "out", {}));
  EXPECT_FALSE(ReadTarFiles("definitely not a tar archive, far too short", "out", {}));
}

TEST(ImageReferenceTest, RegistriesTagsAndDigestsShouldSplitAsDockerDoes) {
  auto r = ParseImageReference("127.0.0.1:5000/netduinoplus2-builder:1");
  EXPECT_EQ(r.registry, "127.0.0.1:5000");
  EXPECT_EQ(r.repository, "127.0.0.1:5000/netduinoplus2-builder");
  EXPECT_EQ(r.tag, "1");
  r = ParseImageReference("netduinoplus2-builder");
  EXPECT_EQ(r.registry, "");
  EXPECT_EQ(r.tag, "latest");
  r = ParseImageReference("localhost/vendor/builder@sha256:abc");
  EXPECT_EQ(r.registry, "localhost");
  EXPECT_EQ(r.repository, "localhost/vendor/builder");
  EXPECT_EQ(r.tag, "");
  EXPECT_EQ(r.digest, "sha256:abc");
  r = ParseImageReference("vendor/builder:2.1");
  EXPECT_EQ(r.registry, "") << "vendor is a Docker Hub namespace, not a registry";
  EXPECT_EQ(r.tag, "2.1");
  EXPECT_TRUE(ParseImageReference("").repository.empty());
  EXPECT_TRUE(ParseImageReference("a b").repository.empty());
}

TEST(ManifestProblemsTest, EveryContractFieldShouldBeCheckedAgainstTheBuild) {
  const std::string bin = "firmware bytes";
  const std::string sha = common::Sha256Hex(std::string_view(bin));
  const std::string good = R"({"manifest_version": 1, "version": "0.1.0", "board": "b1",
      "model": {"sha256": "m"}, "plan": {"sha256": "p"}, "runtime": {}, "sizes": {},
      "image": {"sha256": ")" + sha + R"(", "bytes": 14},
      "flash_layout": {"model_slot": {"address": 134479872, "size": 786432}}})";
  EXPECT_TRUE(ManifestProblems(good, "b1", "m", bin).empty());
  const auto wrong = ManifestProblems(good, "b2", "other", bin + "!");
  ASSERT_EQ(wrong.size(), 4u);
  EXPECT_EQ(wrong[0], "/board is \"b1\", the build asked for \"b2\"");
  EXPECT_EQ(wrong[1], "/model/sha256 is \"m\", the model's is other");
  EXPECT_EQ(wrong[3], "/image/bytes is 14, firmware.bin has 15");
  const auto missing = ManifestProblems(R"({"board": "b1", "version": 3})", "b1", "m", bin);
  EXPECT_EQ(missing.front(), "/manifest_version is missing");
  EXPECT_EQ(missing[1], "/version is not a string");
  EXPECT_EQ(ManifestProblems("[1]", "b1", "m", bin), std::vector<std::string>{"manifest.json is not a JSON object"});
}

}  // namespace
}  // namespace tml::jobs
