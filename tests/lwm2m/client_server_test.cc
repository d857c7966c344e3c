// Our LwM2M client (what the agent runs) with our server, both on libcoap over loopback:
// registration, Read in every content format, Write and Execute on the inference object,
// block-wise bodies both ways, errors as CoAP codes; and our client against libcoap's own
// resource directory server (coap-rd-notls) as a foreign registrar.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <mutex>
#include <thread>

#include "lwm2m/content_format.h"
#include "lwm2m/lwm2m_client.h"
#include "lwm2m/lwm2m_server.h"
#include "tests/support/free_port.h"
#include "lwm2m/objects.h"

namespace tml::lwm2m {
namespace {

using testing_support::FreeUdpPort;

template <typename Pred>
bool WaitFor(Pred pred, int ms = 5000) {
  for (int i = 0; i < ms / 20; ++i) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return pred();
}

class ClientServerTest : public testing::Test {
 protected:
  void SetUp() override {
    port_ = FreeUdpPort();
    secure_port_ = FreeUdpPort();
    Lwm2mServerOptions o;
    o.coap = "127.0.0.1:" + std::to_string(port_);
    o.coaps = "127.0.0.1:" + std::to_string(secure_port_);
    const DeviceCredentials gw{"gw-1", "gw-1", {0x10, 0x20, 0x30, 0x40}};
    o.by_endpoint = [gw](const std::string& ep) { return ep == gw.endpoint ? std::optional(gw) : std::nullopt; };
    o.by_identity = [gw](const std::string& id) { return id == gw.psk_identity ? std::optional(gw) : std::nullopt; };
    auto server = Lwm2mServer::Start(o);
    ASSERT_TRUE(server) << server.error();
    server_ = std::move(*server);

    objects_.Set(MakePath({3, 0, 0}), std::string("TinyMLaaS"));
    objects_.Set(MakePath({3, 0, 3}), std::string("build-7"));
    objects_.Set(MakePath({3, 0, 9}), int64_t{100});
    objects_.Set(MakePath({kInferenceObject, 0, 4}), std::string(64, 'a'));
    objects_.Set(MakePath({kInferenceObject, 0, 0}), Bytes{});
    objects_.Set(MakePath({kInferenceObject, 0, 2}), Bytes{});
    // Run: the output is the input reversed, its length the "latency".
    objects_.OnExecute(MakePath({kInferenceObject, 0, 1}), [this](std::string_view) -> OpResult<void> {
      Bytes in = std::get<Bytes>(*objects_.Get(MakePath({kInferenceObject, 0, 0})));
      if (in.empty()) return OpFail(400, "write an input first");
      objects_.Set(MakePath({kInferenceObject, 0, 2}), Bytes(in.rbegin(), in.rend()));
      objects_.Set(MakePath({kInferenceObject, 0, 3}), static_cast<int64_t>(in.size()));
      return {};
    });
  }

  std::unique_ptr<Lwm2mClient> Connect(const std::string& scheme, Bytes key = {}) {
    Lwm2mClientOptions c;
    c.server = scheme + "://127.0.0.1:" + std::to_string(scheme == "coaps" ? secure_port_ : port_);
    c.endpoint = "gw-1";
    c.psk_key = std::move(key);
    c.lifetime = 60;
    auto client = Lwm2mClient::Start(c, objects_);
    EXPECT_TRUE(client) << client.error();
    return client ? std::move(*client) : nullptr;
  }

  std::vector<Record> Read(const Path& path, ContentFormat format) {
    auto r = server_->Request("gw-1", Method::kGet, path, format);
    EXPECT_TRUE(r) << r.error();
    if (!r) return {};
    EXPECT_EQ(r->code, 205) << std::string(r->payload.begin(), r->payload.end());
    EXPECT_EQ(r->format, format);
    auto records = DecodeRecords(*r->format, path, r->payload, TypeOfResource);
    EXPECT_TRUE(records) << records.error();
    return records ? *records : std::vector<Record>{};
  }

  uint16_t port_ = 0, secure_port_ = 0;
  ObjectStore objects_;
  std::unique_ptr<Lwm2mServer> server_;
};

TEST_F(ClientServerTest, ReadsShouldAnswerInEveryContentFormat) {
  auto client = Connect("coap");
  ASSERT_TRUE(WaitFor([&] { return client->registered(); })) << client->last_error();
  const auto reg = server_->FindEndpoint("gw-1");
  ASSERT_TRUE(reg);
  ASSERT_EQ(reg->objects.size(), 2u);
  EXPECT_EQ(reg->objects[1].target, "/26241/0");
  for (ContentFormat f : {ContentFormat::kTlv, ContentFormat::kSenmlJson, ContentFormat::kSenmlCbor}) {
    const auto records = Read(MakePath({3, 0}), f);
    ASSERT_EQ(records.size(), 3u) << ContentFormatName(f);
    EXPECT_EQ(records[0], (Record{MakePath({3, 0, 0}), std::string("TinyMLaaS")}));
    EXPECT_EQ(records[2], (Record{MakePath({3, 0, 9}), int64_t{100}}));
  }
  EXPECT_EQ(Read(MakePath({3, 0, 3}), ContentFormat::kText),
            (std::vector<Record>{{MakePath({3, 0, 3}), std::string("build-7")}}));
  // Without an Accept option a single resource comes as plain text.
  auto plain = server_->Request("gw-1", Method::kGet, MakePath({3, 0, 9}));
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->format, ContentFormat::kText);
  EXPECT_EQ(std::string(plain->payload.begin(), plain->payload.end()), "100");
  EXPECT_EQ(server_->Request("gw-1", Method::kGet, MakePath({3, 0, 21}))->code, 404);
  EXPECT_EQ(server_->Request("gw-1", Method::kGet, MakePath({7}))->code, 404);
  EXPECT_EQ(server_->Request("nobody", Method::kGet, MakePath({3})).error(), "device nobody is not registered");
}

TEST_F(ClientServerTest, WriteExecuteAndReadBackShouldRunTheDevicesAction) {
  auto client = Connect("coaps", {0x10, 0x20, 0x30, 0x40});
  ASSERT_TRUE(WaitFor([&] { return client->registered(); })) << client->last_error();
  EXPECT_FALSE(server_->FindEndpoint("gw-1")->psk_identity.empty());
  Bytes input(3000);  // larger than a block: Block1 to the device, Block2 back
  for (size_t i = 0; i < input.size(); ++i) input[i] = static_cast<uint8_t>(i * 7);
  const Path in = MakePath({kInferenceObject, 0, 0});
  auto w = server_->Request("gw-1", Method::kPut, in, std::nullopt, ContentFormat::kOpaque, input);
  ASSERT_TRUE(w) << w.error();
  EXPECT_EQ(w->code, 204) << std::string(w->payload.begin(), w->payload.end());
  auto x = server_->Request("gw-1", Method::kPost, MakePath({kInferenceObject, 0, 1}));
  ASSERT_TRUE(x);
  EXPECT_EQ(x->code, 204);
  auto out = server_->Request("gw-1", Method::kGet, MakePath({kInferenceObject, 0, 2}), ContentFormat::kOpaque);
  ASSERT_TRUE(out);
  EXPECT_EQ(out->payload, Bytes(input.rbegin(), input.rend()));
  const auto latency = Read(MakePath({kInferenceObject, 0, 3}), ContentFormat::kTlv);
  ASSERT_EQ(latency.size(), 1u);
  EXPECT_EQ(latency[0].value, Value(int64_t{3000}));
  // Errors as the spec's codes: a read-only resource, an executable that is not, a bad type.
  auto ro = server_->Request("gw-1", Method::kPut, MakePath({3, 0, 0}), std::nullopt, ContentFormat::kText, Bytes{'x'});
  EXPECT_EQ(ro->code, 405);
  EXPECT_EQ(server_->Request("gw-1", Method::kPost, MakePath({3, 0, 0}))->code, 405);
  auto bad = server_->Request("gw-1", Method::kPut, MakePath({3, 0, 13}), std::nullopt, ContentFormat::kText, Bytes{'x'});
  EXPECT_EQ(bad->code, 400);
}

/// Notifications the server received, as the values they carried (plain text).
struct Notifications {
  std::mutex mutex;
  std::vector<std::string> values;
  void Add(const DeviceResponse& r) {
    std::lock_guard lock(mutex);
    values.emplace_back(r.payload.begin(), r.payload.end());
  }
  size_t size() {
    std::lock_guard lock(mutex);
    return values.size();
  }
  std::string back() {
    std::lock_guard lock(mutex);
    return values.empty() ? "" : values.back();
  }
};

TEST_F(ClientServerTest, ObserveShouldNotifyEachChangeAsTheAttributesSay) {
  auto client = Connect("coaps", {0x10, 0x20, 0x30, 0x40});
  ASSERT_TRUE(WaitFor([&] { return client->registered(); })) << client->last_error();
  const Path battery = MakePath({3, 0, 9});
  Notifications seen;
  auto first = server_->Observe("gw-1", battery, ContentFormat::kText, [&](const DeviceResponse& r) { seen.Add(r); });
  ASSERT_TRUE(first) << first.error();
  ASSERT_EQ(first->code, 205);
  EXPECT_EQ(std::string(first->payload.begin(), first->payload.end()), "100");
  ASSERT_FALSE(first->observation.empty());

  objects_.Set(battery, int64_t{90});
  ASSERT_TRUE(WaitFor([&] { return seen.back() == "90"; }, 2000)) << seen.size();
  objects_.Set(battery, int64_t{90});  // the same value again: nothing to say
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(seen.size(), 1u);

  // Write-Attributes: only a step of 10 or more counts, and the device must send at least
  // every second even without a change.
  auto wa = server_->WriteAttributes("gw-1", battery, "st=10&pmax=1");
  ASSERT_TRUE(wa) << wa.error();
  EXPECT_EQ(wa->code, 204) << std::string(wa->payload.begin(), wa->payload.end());
  objects_.Set(battery, int64_t{85});
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(seen.size(), 1u) << seen.back();
  objects_.Set(battery, int64_t{75});
  ASSERT_TRUE(WaitFor([&] { return seen.back() == "75"; }, 2000));
  const size_t after_step = seen.size();
  ASSERT_TRUE(WaitFor([&] { return seen.size() >= after_step + 1; }, 2500));  // pmax, unchanged
  EXPECT_EQ(seen.back(), "75");

  // Attributes the spec forbids are refused with 4.00 and a reason.
  auto bad = server_->WriteAttributes("gw-1", battery, "pmin=10&pmax=5");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->code, 400);
  EXPECT_NE(std::string(bad->payload.begin(), bad->payload.end()).find("pmax (5) must not be below pmin (10)"), std::string::npos);

  // Cancel: no more notifications.
  server_->CancelObservation(first->observation);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const size_t at_cancel = seen.size();
  objects_.Set(battery, int64_t{10});
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_EQ(seen.size(), at_cancel);
}

TEST_F(ClientServerTest, ObservingAnInstanceShouldNotifyWhenAnyOfItsResourcesChanges) {
  auto client = Connect("coap");
  ASSERT_TRUE(WaitFor([&] { return client->registered(); })) << client->last_error();
  Notifications seen;
  auto first = server_->Observe("gw-1", MakePath({3, 0}), ContentFormat::kSenmlJson, [&](const DeviceResponse& r) { seen.Add(r); });
  ASSERT_TRUE(first) << first.error();
  objects_.Set(MakePath({3, 0, 3}), std::string("build-8"));
  ASSERT_TRUE(WaitFor([&] { return seen.back().find("build-8") != std::string::npos; }, 2000)) << seen.back();
  // An observation of something that does not exist is refused, and nothing is kept.
  auto none = server_->Observe("gw-1", MakePath({3, 0, 21}), ContentFormat::kText, [&](const DeviceResponse& r) { seen.Add(r); });
  ASSERT_TRUE(none);
  EXPECT_EQ(none->code, 404);
  EXPECT_TRUE(none->observation.empty());
}

TEST(TwoDevicesTest, AnswersShouldReachTheRequestOfTheirOwnDevice) {
  // libcoap gives every session the same token sequence: an observation of one device and a
  // read of another carry the same token, and must still not be taken for each other.
  const uint16_t port = FreeUdpPort();
  Lwm2mServerOptions o;
  o.coap = "127.0.0.1:" + std::to_string(port);
  o.by_endpoint = [](const std::string& ep) -> std::optional<DeviceCredentials> {
    if (ep != "gw-a" && ep != "gw-b") return std::nullopt;
    return DeviceCredentials{ep, ep, {}};
  };
  auto server = Lwm2mServer::Start(o);
  ASSERT_TRUE(server) << server.error();
  ObjectStore a, b;
  a.Set(MakePath({3, 0, 0}), std::string("device A"));
  b.Set(MakePath({3, 0, 0}), std::string("device B"));
  std::vector<std::unique_ptr<Lwm2mClient>> clients;
  for (auto [name, store] : {std::pair{"gw-a", &a}, std::pair{"gw-b", &b}}) {
    auto c = Lwm2mClient::Start({"coap://127.0.0.1:" + std::to_string(port), name, "", {}, 60, "U"}, *store);
    ASSERT_TRUE(c) << c.error();
    clients.push_back(std::move(*c));
  }
  ASSERT_TRUE(WaitFor([&] { return clients[0]->registered() && clients[1]->registered(); }));
  ASSERT_TRUE(WaitFor([&] { return server->get()->FindEndpoint("gw-a") && server->get()->FindEndpoint("gw-b"); }));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the server's own reads of /3/0 are done
  Notifications of_a;
  auto observed = (*server)->Observe("gw-a", MakePath({3, 0, 0}), ContentFormat::kText, [&](const DeviceResponse& r) { of_a.Add(r); });
  ASSERT_TRUE(observed && observed->code == 205) << (observed ? "" : observed.error());
  auto read = (*server)->Request("gw-b", Method::kGet, MakePath({3, 0, 0}), ContentFormat::kText, std::nullopt, {}, 3);
  ASSERT_TRUE(read) << read.error();
  EXPECT_EQ(std::string(read->payload.begin(), read->payload.end()), "device B");
  EXPECT_EQ(of_a.size(), 0u) << "device B's answer reached the observation of device A: " << of_a.back();
}

TEST_F(ClientServerTest, StoppingShouldDeregisterAndAWrongKeyShouldNeverRegister) {
  {
    auto client = Connect("coap");
    ASSERT_TRUE(WaitFor([&] { return client->registered(); }));
  }
  EXPECT_FALSE(server_->FindEndpoint("gw-1"));
  auto wrong = Connect("coaps", {9, 9, 9, 9});
  std::this_thread::sleep_for(std::chrono::seconds(2));
  EXPECT_FALSE(wrong->registered());
  EXPECT_FALSE(server_->FindEndpoint("gw-1"));
}

TEST(ClientInteropTest, OurClientShouldRegisterWithLibcoapsResourceDirectory) {
  ASSERT_EQ(system("command -v coap-rd-notls > /dev/null"), 0)
      << "coap-rd-notls is missing: install libcoap3-bin (scripts/setup.sh does)";
  const uint16_t port = FreeUdpPort();
  const pid_t rd = fork();
  if (rd == 0) {
    execlp("coap-rd-notls", "coap-rd-notls", "-A", "127.0.0.1", "-p", std::to_string(port).c_str(), nullptr);
    _exit(127);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ObjectStore objects;
  objects.Set(MakePath({3, 0, 0}), std::string("TinyMLaaS"));
  Lwm2mClientOptions c;
  c.server = "coap://127.0.0.1:" + std::to_string(port);
  c.endpoint = "gw-rd";
  auto client = Lwm2mClient::Start(c, objects);
  ASSERT_TRUE(client) << client.error();
  const bool registered = WaitFor([&] { return (*client)->registered(); });
  const std::string location = (*client)->location();
  client->reset();
  kill(rd, SIGTERM);
  waitpid(rd, nullptr, 0);
  ASSERT_TRUE(registered) << (*client ? "" : "") << "coap-rd did not accept the registration";
  EXPECT_EQ(location.rfind("/rd/", 0), 0u) << location;
}

}  // namespace
}  // namespace tml::lwm2m
