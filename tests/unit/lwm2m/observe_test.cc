#include "lwm2m/observe.h"

#include <gtest/gtest.h>

namespace tml::lwm2m {
namespace {

Observation SentAt(double t, double number) {
  Observation o;
  o.path = MakePath({3303, 0, 5700});
  o.last_sent = t;
  o.last_payload = {'x'};
  o.last_number = number;
  return o;
}

const Bytes kChanged = {'y'};

TEST(AttributeQueryTest, ShouldParseEveryAttributeAndTheOnesToClear) {
  auto u = ParseAttributeQuery("pmin=2&pmax=60&gt=30.5&lt=10&st=1.5&st");
  ASSERT_TRUE(u) << u.error();
  EXPECT_EQ(u->set.pmin, 2);
  EXPECT_EQ(u->set.pmax, 60);
  EXPECT_DOUBLE_EQ(*u->set.gt, 30.5);
  EXPECT_DOUBLE_EQ(*u->set.lt, 10);
  EXPECT_EQ(u->cleared, std::vector<std::string>{"st"});
  EXPECT_EQ(FormatAttributeQuery(*u), "pmin=2&pmax=60&gt=30.5&lt=10&st=1.5&st");
}

TEST(AttributeQueryTest, ShouldNameWhatIsWrong) {
  EXPECT_NE(ParseAttributeQuery("epmin=3").error().find("'epmin' is not a notification attribute"), std::string::npos);
  EXPECT_NE(ParseAttributeQuery("pmin=-1").error().find("pmin='-1'"), std::string::npos);
  EXPECT_NE(ParseAttributeQuery("gt=abc").error().find("gt='abc' is not a number"), std::string::npos);
  EXPECT_NE(ParseAttributeQuery("pmin=10&pmax=5").error().find("pmax (5) must not be below pmin (10)"), std::string::npos);
  EXPECT_NE(ParseAttributeQuery("gt=10&lt=5&st=3").error().find("lt + 2*st"), std::string::npos);
  EXPECT_NE(ParseAttributeQuery("st=0").error().find("st must be greater than 0"), std::string::npos);
}

TEST(AttributeStoreTest, ADeeperLevelShouldWinAndTheDefaultsFillTheRest) {
  AttributeStore store;
  ASSERT_TRUE(store.Apply(MakePath({5}), *ParseAttributeQuery("pmin=1&pmax=100")));
  ASSERT_TRUE(store.Apply(MakePath({5, 0}), *ParseAttributeQuery("pmax=50")));
  ASSERT_TRUE(store.Apply(MakePath({5, 0, 3}), *ParseAttributeQuery("pmin=0")));
  const NotificationAttributes defaults{.pmin = 7, .pmax = 900};
  const auto state = store.Effective(MakePath({5, 0, 3}), defaults);
  EXPECT_EQ(state.pmin, 0);
  EXPECT_EQ(state.pmax, 50);
  const auto result = store.Effective(MakePath({5, 0, 5}), defaults);
  EXPECT_EQ(result.pmin, 1);
  EXPECT_EQ(store.Effective(MakePath({3, 0}), defaults), defaults);
}

TEST(AttributeStoreTest, ClearingShouldRemoveAndABadCombinationShouldKeepTheOld) {
  AttributeStore store;
  const Path p = MakePath({3303, 0, 5700});
  ASSERT_TRUE(store.Apply(p, *ParseAttributeQuery("gt=20&lt=10")));
  auto worse = store.Apply(p, *ParseAttributeQuery("st=6"));  // 10 + 12 is not below 20
  ASSERT_FALSE(worse);
  EXPECT_FALSE(store.At(p).st.has_value());
  ASSERT_TRUE(store.Apply(p, *ParseAttributeQuery("gt&lt")));
  EXPECT_EQ(store.At(p), NotificationAttributes{});
  EXPECT_FALSE(store.Apply(MakePath({3303, 0}), *ParseAttributeQuery("st=1")));  // not on an instance
}

TEST(NotificationDueTest, AChangeShouldNotifyButNotBeforePmin) {
  const Observation o = SentAt(100, 5);
  EXPECT_TRUE(NotificationDue(o, {}, 100.01, kChanged, 6));
  EXPECT_FALSE(NotificationDue(o, {}, 200, o.last_payload, 5));  // nothing changed, no pmax
  EXPECT_FALSE(NotificationDue(o, {.pmin = 10}, 109, kChanged, 6));
  EXPECT_TRUE(NotificationDue(o, {.pmin = 10}, 110, kChanged, 6));
}

TEST(NotificationDueTest, PmaxShouldNotifyEvenWithoutAChange) {
  const Observation o = SentAt(100, 5);
  EXPECT_FALSE(NotificationDue(o, {.pmax = 30}, 129.9, o.last_payload, 5));
  EXPECT_TRUE(NotificationDue(o, {.pmax = 30}, 130, o.last_payload, 5));
}

TEST(NotificationDueTest, ThresholdsShouldNotifyOnlyOnACrossingOrAStep) {
  const Observation o = SentAt(100, 15);
  const NotificationAttributes a{.gt = 20, .lt = 10, .st = 4};
  EXPECT_FALSE(NotificationDue(o, a, 101, kChanged, 17));   // within the band, moved 2
  EXPECT_TRUE(NotificationDue(o, a, 101, kChanged, 19.5));  // moved 4.5 >= st
  EXPECT_TRUE(NotificationDue(SentAt(100, 19), {.gt = 20}, 101, kChanged, 21));   // above gt
  EXPECT_TRUE(NotificationDue(SentAt(100, 11), {.lt = 10}, 101, kChanged, 9));    // below lt
  EXPECT_FALSE(NotificationDue(SentAt(100, 21), {.gt = 20}, 101, kChanged, 25));  // stays above
}

TEST(NotificationDueTest, AValueThatIsNotOneNumberShouldIgnoreThresholds) {
  Observation o = SentAt(100, 0);
  o.last_number.reset();
  EXPECT_TRUE(NotificationDue(o, {.gt = 20}, 101, kChanged, std::nullopt));
}

TEST(NumberOfTest, ShouldReadOneNumericRecordOnly) {
  EXPECT_EQ(NumberOf({Record{MakePath({5, 0, 3}), int64_t{2}}}), 2.0);
  EXPECT_EQ(NumberOf({Record{MakePath({3, 0, 3}), std::string("build-1")}}), std::nullopt);
  EXPECT_EQ(NumberOf({Record{MakePath({5, 0, 3}), int64_t{2}}, Record{MakePath({5, 0, 5}), int64_t{0}}}), std::nullopt);
}

}  // namespace
}  // namespace tml::lwm2m
