// Our LwM2M server driven by another implementation: libcoap's own command-line client
// (coap-client-notls / coap-client-openssl from Debian's libcoap3-bin) as a raw peer, over
// plain CoAP and DTLS-PSK, with a block-wise registration.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <regex>
#include <thread>

#include "lwm2m/lwm2m_server.h"
#include "tests/support/free_port.h"

namespace tml::lwm2m {
namespace {

using testing_support::FreeUdpPort;

/// Runs a command and returns what it printed (stdout and stderr).
std::string RunCommand(const std::string& command) {
  std::string out;
  FILE* p = popen((command + " 2>&1").c_str(), "r");
  char buf[4096];
  while (p != nullptr && fgets(buf, sizeof(buf), p) != nullptr) out += buf;
  if (p != nullptr) pclose(p);
  return out;
}

bool HaveCoapClients() {
  return RunCommand("command -v coap-client-notls").find("coap-client-notls") != std::string::npos &&
         RunCommand("command -v coap-client-openssl").find("coap-client-openssl") != std::string::npos;
}

class ServerInteropTest : public testing::Test {
 protected:
  void SetUp() override {
    // The peer is part of the test: missing, the test fails (scripts/setup.sh installs it).
    ASSERT_TRUE(HaveCoapClients()) << "coap-client-notls/openssl are missing: install libcoap3-bin (scripts/setup.sh does)";
    coap_port_ = FreeUdpPort();
    coaps_port_ = FreeUdpPort();
    Lwm2mServerOptions o;
    o.coap = "127.0.0.1:" + std::to_string(coap_port_);
    o.coaps = "127.0.0.1:" + std::to_string(coaps_port_);
    const DeviceCredentials gw{"gw-1", "gw-1-identity", {'s', 'e', 'c', 'r', 'e', 't', '4', '2'}};
    o.by_endpoint = [gw](const std::string& ep) { return ep == gw.endpoint ? std::optional(gw) : std::nullopt; };
    o.by_identity = [gw](const std::string& id) { return id == gw.psk_identity ? std::optional(gw) : std::nullopt; };
    o.on_change = [this](const Registration& r, const std::string& event) {
      std::lock_guard lock(mutex_);
      events_.push_back(event + " " + r.endpoint);
    };
    auto server = Lwm2mServer::Start(o);
    ASSERT_TRUE(server) << server.error();
    server_ = std::move(*server);
  }

  std::string Coap(const std::string& args, const std::string& path) {
    return RunCommand("coap-client-notls -B 10 -v 7 " + args + " 'coap://127.0.0.1:" + std::to_string(coap_port_) + path + "'");
  }
  std::string Coaps(const std::string& key, const std::string& args, const std::string& path) {
    return RunCommand("coap-client-openssl -B 10 -v 7 -u gw-1-identity -k " + key + " " + args + " 'coaps://127.0.0.1:" +
               std::to_string(coaps_port_) + path + "'");
  }
  static std::string LocationOf(const std::string& out) {
    std::smatch m;
    return std::regex_search(out, m, std::regex("Location-Path:rd, Location-Path:([0-9a-f]+)")) ? m[1].str() : "";
  }
  std::vector<std::string> Events() {
    std::lock_guard lock(mutex_);
    return events_;
  }

  uint16_t coap_port_ = 0, coaps_port_ = 0;
  std::unique_ptr<Lwm2mServer> server_;
  std::mutex mutex_;
  std::vector<std::string> events_;
};

TEST_F(ServerInteropTest, RegisterUpdateDeregisterShouldFollowTheSpec) {
  const std::string reg = Coap("-m post -t 40 -e '</1/0>,</3/0>,</5/0>'", "/rd?ep=gw-1&lt=300&lwm2m=1.1&b=U");
  ASSERT_NE(reg.find("c:2.01"), std::string::npos) << reg;
  const std::string id = LocationOf(reg);
  ASSERT_FALSE(id.empty()) << reg;
  auto r = server_->FindEndpoint("gw-1");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->lifetime, 300);
  EXPECT_EQ(r->version, "1.1");
  EXPECT_EQ(r->objects.size(), 3u);

  const std::string upd = Coap("-m post -t 40 -e '</1/0>,</3/0>,</5/0>,</9/0>'", "/rd/" + id + "?lt=120");
  EXPECT_NE(upd.find("c:2.04"), std::string::npos) << upd;
  EXPECT_EQ(server_->FindEndpoint("gw-1")->lifetime, 120);
  EXPECT_EQ(server_->FindEndpoint("gw-1")->objects.size(), 4u);
  EXPECT_NE(Coap("-m post", "/rd/ffffffffffff?lt=120").find("c:4.04"), std::string::npos);
  const std::string del = Coap("-m delete", "/rd/" + id);
  EXPECT_NE(del.find("c:2.02"), std::string::npos) << del;
  EXPECT_FALSE(server_->FindEndpoint("gw-1"));
  // The old location is gone with the registration.
  EXPECT_NE(Coap("-m post", "/rd/" + id).find("c:4.04"), std::string::npos);
  EXPECT_EQ(Events(), (std::vector<std::string>{"registered gw-1", "updated gw-1", "deregistered gw-1"}));
}

TEST_F(ServerInteropTest, BadAndUnprovisionedRegistrationsShouldBeRefusedWithTheReason) {
  const std::string stranger = Coap("-m post -t 40 -e '</3/0>'", "/rd?ep=stranger&lt=60");
  EXPECT_NE(stranger.find("c:4.03"), std::string::npos) << stranger;
  EXPECT_NE(stranger.find("endpoint 'stranger' is not provisioned"), std::string::npos) << stranger;
  const std::string no_ep = Coap("-m post -t 40 -e '</3/0>'", "/rd?lt=60");
  EXPECT_NE(no_ep.find("c:4.00"), std::string::npos) << no_ep;
  EXPECT_NE(no_ep.find("the endpoint name 'ep' is missing"), std::string::npos) << no_ep;
  EXPECT_TRUE(server_->Registrations().empty());
}

TEST_F(ServerInteropTest, AShortLifetimeShouldExpire) {
  ASSERT_NE(Coap("-m post -t 40 -e '</3/0>'", "/rd?ep=gw-1&lt=1").find("c:2.01"), std::string::npos);
  // No presence check here: on a loaded machine the second may already be over.
  for (int i = 0; i < 50 && Events().size() < 2; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_FALSE(server_->FindEndpoint("gw-1"));
  EXPECT_EQ(Events(), (std::vector<std::string>{"registered gw-1", "expired gw-1"}));
}

TEST_F(ServerInteropTest, BlockwiseRegistrationShouldBeReassembled) {
  std::string objects;
  for (int i = 0; i < 40; ++i) objects += (objects.empty() ? "" : ",") + std::string("</") + std::to_string(3300 + i) + "/0>";
  const std::string reg = Coap("-b 16 -m post -t 40 -e '" + objects + "'", "/rd?ep=gw-1&lt=60");
  ASSERT_NE(reg.find("c:2.01"), std::string::npos) << reg;
  EXPECT_NE(reg.find("Block1:"), std::string::npos) << "the client did not send block-wise: " << reg;
  EXPECT_EQ(server_->FindEndpoint("gw-1")->objects.size(), 40u);
}

TEST_F(ServerInteropTest, DtlsShouldNeedTheProvisionedKeyAndIdentity) {
  const std::string ok = Coaps("secret42", "-m post -t 40 -e '</3/0>'", "/rd?ep=gw-1&lt=60");
  ASSERT_NE(ok.find("c:2.01"), std::string::npos) << ok;
  EXPECT_EQ(server_->FindEndpoint("gw-1")->psk_identity, "gw-1-identity");
  // Another endpoint name under this identity is refused.
  const std::string other = Coaps("secret42", "-m post -t 40 -e '</3/0>'", "/rd?ep=gw-2&lt=60");
  EXPECT_NE(other.find("c:4.03"), std::string::npos) << other;
  server_.reset();  // a fresh server: no session left from the good key
  SetUp();
  const std::string wrong = Coaps("wrongkey", "-B 3 -m post -t 40 -e '</3/0>'", "/rd?ep=gw-1&lt=60");
  EXPECT_EQ(wrong.find("c:2.01"), std::string::npos) << wrong;
  EXPECT_FALSE(server_->FindEndpoint("gw-1"));
}

}  // namespace
}  // namespace tml::lwm2m
