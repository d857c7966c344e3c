#include "store/store.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "store/migrations.h"

namespace tml::store {
namespace {

namespace fs = std::filesystem;

std::string FreshDir(const std::string& name) {
  const auto dir = fs::temp_directory_path() / ("tml-store-test-" + std::to_string(getpid())) / name;
  fs::remove_all(dir);
  return dir.string();
}

Blob PutText(Store& store, const std::string& text) {
  auto blob = store.blobs().PutBytes({reinterpret_cast<const uint8_t*>(text.data()), text.size()}, 1 << 20);
  EXPECT_TRUE(blob.has_value());
  return *blob;
}

TEST(StoreTest, ModelsShouldBeAddedListedPagedAndFound) {
  auto store = Store::Open(FreshDir("models"));
  ASSERT_TRUE(store.has_value()) << store.error().message;
  Store& s = **store;
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(s.AddModel(i % 2 ? "kws" : "vww", "v" + std::to_string(i), PutText(s, "model" + std::to_string(i)), "{}"));
  }
  const auto first = s.ListModels({2, 0});
  ASSERT_EQ(first.size(), 2u);
  const auto rest = s.ListModels({10, first.back().id});
  EXPECT_EQ(rest.size(), 3u);
  EXPECT_EQ(s.ListModels({10, 0}, std::string("kws")).size(), 2u);
  auto found = s.FindModel("vww", "v2");
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->bytes, 6u);
  EXPECT_EQ(s.GetModel(999).error().code, StoreErrorCode::kNotFound);
}

TEST(StoreTest, DuplicateAndHostileNamesShouldBeRefused) {
  auto store = Store::Open(FreshDir("names"));
  ASSERT_TRUE(store.has_value());
  Store& s = **store;
  const Blob blob = PutText(s, "x");
  ASSERT_TRUE(s.AddModel("kws", "1", blob, "{}"));
  EXPECT_EQ(s.AddModel("kws", "1", blob, "{}").error().code, StoreErrorCode::kConflict);
  for (const std::string& bad : std::vector<std::string>{"../etc", "a/b", std::string("bad\x01name"), ".hidden", "", std::string(101, 'a')}) {
    auto r = s.AddModel(bad, "1", blob, "{}");
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_EQ(r.error().code, StoreErrorCode::kInvalid) << bad;
  }
}

TEST(StoreTest, DeletingAModelShouldRespectBuildsAndSharedBlobs) {
  auto store = Store::Open(FreshDir("delete"));
  ASSERT_TRUE(store.has_value());
  Store& s = **store;
  const Blob blob = PutText(s, "same bytes");
  auto a = s.AddModel("a", "1", blob, "{}");
  auto b = s.AddModel("b", "1", blob, "{}");
  auto c = s.AddModel("c", "1", PutText(s, "other"), "{}");
  ASSERT_TRUE(a && b && c);
  ASSERT_TRUE(s.AddBuild(c->id, "netduinoplus2", "local", "", "key"));
  EXPECT_EQ(s.DeleteModel(c->id).error().code, StoreErrorCode::kConflict);
  ASSERT_TRUE(s.DeleteModel(a->id));
  EXPECT_TRUE(s.blobs().Exists(blob.sha256)) << "model b still uses the blob";
  ASSERT_TRUE(s.DeleteModel(b->id));
  EXPECT_FALSE(s.blobs().Exists(blob.sha256));
}

TEST(StoreTest, TokensShouldBeStoredOnlyAsHashes) {
  const std::string dir = FreshDir("tokens");
  std::string secret;
  {
    auto store = Store::Open(dir);
    ASSERT_TRUE(store.has_value());
    auto created = (*store)->CreateToken("admin", false);
    ASSERT_TRUE(created.has_value());
    secret = *created;
    EXPECT_EQ((*store)->CreateToken("admin", true).error().code, StoreErrorCode::kConflict);
    auto ro = (*store)->CreateToken("reader", true);
    ASSERT_TRUE(ro.has_value());
    EXPECT_TRUE((*store)->Authenticate(*ro)->read_only);
  }
  auto store = Store::Open(dir);
  ASSERT_TRUE(store.has_value());
  auto token = (*store)->Authenticate(secret);
  ASSERT_TRUE(token.has_value());
  EXPECT_EQ(token->name, "admin");
  EXPECT_FALSE(token->read_only);
  EXPECT_FALSE((*store)->Authenticate(secret + "x").has_value());
  EXPECT_FALSE((*store)->Authenticate("").has_value());
  for (const char* file : {"/tinymlaas.db", "/tinymlaas.db-wal"}) {
    std::ifstream in(dir + file, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(bytes.find(secret), std::string::npos) << "the secret is stored in " << file;
  }
}

TEST(StoreTest, BuildStatusShouldFollowItsLifecycle) {
  auto store = Store::Open(FreshDir("builds"));
  ASSERT_TRUE(store.has_value());
  Store& s = **store;
  auto model = s.AddModel("kws", "1", PutText(s, "m"), "{}");
  auto build = s.AddBuild(model->id, "mps2-an386", "local", "", "cache-1");
  ASSERT_TRUE(build.has_value());
  EXPECT_EQ(build->status, BuildStatus::kQueued);
  EXPECT_EQ(s.SetBuildStatus(build->id, BuildStatus::kSucceeded).error().code, StoreErrorCode::kConflict);
  auto running = s.SetBuildStatus(build->id, BuildStatus::kRunning);
  ASSERT_TRUE(running.has_value());
  EXPECT_FALSE(running->started_at.empty());
  auto done = s.SetBuildStatus(build->id, BuildStatus::kSucceeded);
  ASSERT_TRUE(done.has_value());
  EXPECT_FALSE(done->finished_at.empty());
  EXPECT_EQ(s.SetBuildStatus(build->id, BuildStatus::kCanceled).error().code, StoreErrorCode::kConflict);
  ASSERT_TRUE(s.FindSucceededBuild("cache-1").has_value());
  EXPECT_FALSE(s.FindSucceededBuild("cache-2").has_value());
  ASSERT_TRUE(s.AddArtifact(build->id, "firmware.bin", PutText(s, "image")));
  EXPECT_EQ(s.AddArtifact(build->id, "firmware.bin", PutText(s, "image")).error().code, StoreErrorCode::kConflict);
  ASSERT_EQ(s.ListArtifacts(build->id).size(), 1u);
  EXPECT_EQ(s.ListBuilds({10, 0}, BuildStatus::kSucceeded).size(), 1u);
  EXPECT_EQ(s.AddBuild(999, "mps2-an386", "local", "", "k").error().code, StoreErrorCode::kNotFound);
}

TEST(StoreTest, RestartShouldKeepEverythingAndFailInterruptedBuilds) {
  const std::string dir = FreshDir("restart");
  int64_t running_id = 0, queued_id = 0;
  {
    auto store = Store::Open(dir);
    ASSERT_TRUE(store.has_value());
    Store& s = **store;
    auto model = s.AddModel("kws", "1", PutText(s, "m"), "{\"arena_bytes\": 12336}");
    running_id = s.AddBuild(model->id, "netduinoplus2", "local", "", "k1")->id;
    queued_id = s.AddBuild(model->id, "netduinoplus2", "local", "", "k2")->id;
    ASSERT_TRUE(s.SetBuildStatus(running_id, BuildStatus::kRunning));
  }  // the "crash": the process goes away with a build running
  auto store = Store::Open(dir);
  ASSERT_TRUE(store.has_value());
  Store& s = **store;
  EXPECT_EQ(s.GetBuild(running_id)->status, BuildStatus::kRunning) << "opening alone recovers nothing";
  EXPECT_EQ(s.RecoverInterruptedBuilds(), 1);
  auto interrupted = s.GetBuild(running_id);
  EXPECT_EQ(interrupted->status, BuildStatus::kFailed);
  EXPECT_NE(interrupted->reason.find("server stopped"), std::string::npos);
  EXPECT_EQ(s.GetBuild(queued_id)->status, BuildStatus::kQueued);
  auto model = s.FindModel("kws", "1");
  ASSERT_TRUE(model.has_value());
  EXPECT_EQ(model->facts_json, "{\"arena_bytes\": 12336}");
  EXPECT_TRUE(s.blobs().Exists(model->blob_sha256));
}

}  // namespace
}  // namespace tml::store
