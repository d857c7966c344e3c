// The registration interface without sockets: what Register and Update requests say, and the
// registry's replacements, updates and lifetime expiry with time as an argument.
#include <gtest/gtest.h>

#include "lwm2m/registration.h"

namespace tml::lwm2m {
namespace {

TEST(RegistrationTest, RegisterRequestsShouldParseOrSayWhatIsWrong) {
  auto r = ParseRegisterRequest("ep=gw-1&lt=300&lwm2m=1.1&b=UQ", "</1/0>,</3/0>,</5/0>,</26241/0>");
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->endpoint, "gw-1");
  EXPECT_EQ(r->lifetime, 300);
  EXPECT_EQ(r->version, "1.1");
  EXPECT_TRUE(r->queue_mode);
  ASSERT_EQ(r->objects.size(), 4u);
  EXPECT_EQ(r->objects[3].target, "/26241/0");
  EXPECT_EQ(ParseRegisterRequest("lt=300", "").error(), "the endpoint name 'ep' is missing");
  EXPECT_EQ(ParseRegisterRequest("ep=a&lt=-1", "").error(), "lifetime 'lt=-1' is not a number of seconds from 1 to 4294967295");
  EXPECT_EQ(ParseRegisterRequest("ep=a&lwm2m=2.0", "").error(), "LwM2M version '2.0' is not supported (1.0 and 1.1 are)");
  EXPECT_EQ(ParseRegisterRequest("ep=a", "</1/0").error(), "the object list: link format: no '>' for the '<' at byte 0");
  EXPECT_EQ(ParseRegisterRequest("ep=a", "")->lifetime, 86400);
  auto u = ParseUpdateRequest("lt=60", "");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->lifetime, 60);
  EXPECT_FALSE(u->objects);
}

TEST(RegistrationTest, TheRegistryShouldReplaceUpdateAndExpire) {
  Registry registry;
  auto request = *ParseRegisterRequest("ep=gw-1&lt=10", "</3/0>");
  registry.Register(request, "a1", "127.0.0.1:1", "", 1000);
  registry.Register(*ParseRegisterRequest("ep=gw-2&lt=100", "</3/0>"), "b1", "127.0.0.1:2", "", 1000);
  // The same endpoint registering again replaces its registration and location.
  registry.Register(request, "a2", "127.0.0.1:3", "", 1005);
  EXPECT_EQ(registry.Find("a1"), nullptr);
  EXPECT_EQ(registry.FindEndpoint("gw-1")->id, "a2");
  EXPECT_EQ(registry.size(), 2u);
  // An update moves the lifetime's start.
  EXPECT_EQ(registry.Update("nope", {}, "x", 1010), nullptr);
  EXPECT_NE(registry.Update("a2", *ParseUpdateRequest("lt=20", ""), "127.0.0.1:4", 1012), nullptr);
  EXPECT_EQ(registry.Find("a2")->peer, "127.0.0.1:4");
  EXPECT_TRUE(registry.Expire(1032).empty());
  const auto expired = registry.Expire(1033);
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0].endpoint, "gw-1");
  EXPECT_EQ(registry.FindEndpoint("gw-1"), nullptr);
  EXPECT_EQ(registry.Deregister("b1")->endpoint, "gw-2");
  EXPECT_FALSE(registry.Deregister("b1"));
  EXPECT_EQ(registry.size(), 0u);
}

}  // namespace
}  // namespace tml::lwm2m
