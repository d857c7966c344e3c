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
