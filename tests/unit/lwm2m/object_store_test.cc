// What a client serves, without sockets: operations and types enforced by the object
// definitions, Execute actions, Discover's links.
#include <gtest/gtest.h>

#include "lwm2m/object_store.h"
#include "lwm2m/objects.h"

namespace tml::lwm2m {
namespace {

TEST(ObjectStoreTest, OperationsAndTypesShouldFollowTheDefinitions) {
  ObjectStore store;
  store.Set(MakePath({3, 0, 0}), std::string("TinyMLaaS"));
  store.Set(MakePath({3, 0, 11, 0}), int64_t{0});
  store.Set(MakePath({1, 0, 1}), int64_t{300});
  ASSERT_EQ(store.Read(MakePath({3, 0}))->size(), 2u);
  EXPECT_EQ(store.Read(MakePath({3, 0, 21})).error().code, 404);  // readable, but not set
  EXPECT_EQ(store.Read(MakePath({3, 0, 4})).error().code, 405);  // Reboot is executable only
  EXPECT_EQ(store.Write(MakePath({3, 0}), {{MakePath({3, 0, 0}), std::string("x")}}).error().code, 405);
  EXPECT_EQ(store.Write(MakePath({1, 0}), {{MakePath({1, 0, 1}), std::string("600")}}).error().message,
            "/1/0/1 takes a Integer");
  ASSERT_TRUE(store.Write(MakePath({1, 0}), {{MakePath({1, 0, 1}), int64_t{600}}}));
  EXPECT_EQ(*store.Get(MakePath({1, 0, 1})), Value(int64_t{600}));
  EXPECT_EQ(store.Execute(MakePath({3, 0, 4}), "").error().code, 500);  // no action on this device
  int reboots = 0;
  store.OnExecute(MakePath({3, 0, 4}), [&](std::string_view) -> OpResult<void> {
    ++reboots;
    return {};
  });
  EXPECT_TRUE(store.Execute(MakePath({3, 0, 4}), ""));
  EXPECT_EQ(reboots, 1);
  EXPECT_EQ(store.Execute(MakePath({3, 0, 0}), "").error().code, 405);
  EXPECT_EQ(store.Links().size(), 2u);  // </1/0>, </3/0>
}

TEST(ObjectStoreTest, DiscoverShouldListInstancesResourcesAndDimensions) {
  ObjectStore store;
  store.Set(MakePath({3, 0, 0}), std::string("TinyMLaaS"));
  store.Set(MakePath({3, 0, 6, 0}), int64_t{1});
  store.Set(MakePath({3, 0, 6, 1}), int64_t{5});
  store.OnExecute(MakePath({3, 0, 4}), [](std::string_view) -> OpResult<void> { return {}; });
  auto links = store.Discover(MakePath({3, 0}));
  ASSERT_TRUE(links);
  EXPECT_EQ(FormatLinks(*links), "</3/0>,</3/0/0>,</3/0/4>,</3/0/6>;dim=2");
  EXPECT_EQ(FormatLinks(*store.Discover(MakePath({3}))), "</3>,</3/0>,</3/0/0>,</3/0/4>,</3/0/6>;dim=2");
  EXPECT_EQ(store.Discover(MakePath({3, 1})).error().code, 404);
}

}  // namespace
}  // namespace tml::lwm2m
