// Our LwM2M client against the specs' message formats, not against our server: the test is
// the server, on a plain UDP socket, with its own reading and writing of CoAP messages
// (RFC 7252 section 3), and checks what the client sends byte by byte: the Register of the
// LwM2M 1.1 registration interface, Observe (RFC 7641: the Observe option, confirmable
// notifications with the observation's token and rising numbers, an RST ends it),
// Write-Attributes, Create (2.01 with Location-Path), Discover and De-register.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <map>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "lwm2m/lwm2m_client.h"
#include "lwm2m/objects.h"

namespace tml::lwm2m {
namespace {

enum : uint8_t { kCon = 0, kNon = 1, kAck = 2, kRst = 3 };
constexpr uint8_t Code(int klass, int detail) { return static_cast<uint8_t>(klass << 5 | detail); }

/// A CoAP message as RFC 7252 section 3 lays it out.
struct Message {
  uint8_t type = kCon, code = 0;
  uint16_t mid = 0;
  std::string token;
  std::multimap<uint16_t, std::string> options;  // number -> value, in order
  std::string payload;

  std::vector<std::string> All(uint16_t number) const {
    std::vector<std::string> out;
    for (auto [it, end] = options.equal_range(number); it != end; ++it) out.push_back(it->second);
    return out;
  }
  std::optional<uint32_t> Uint(uint16_t number) const {
    auto it = options.find(number);
    if (it == options.end()) return std::nullopt;
    uint32_t v = 0;
    for (unsigned char c : it->second) v = v << 8 | c;
    return v;
  }
  std::string Joined(uint16_t number, char sep) const {
    std::string out;
    for (const auto& v : All(number)) out += (out.empty() ? "" : std::string(1, sep)) + v;
    return out;
  }
};

enum : uint16_t { kObserve = 6, kLocationPath = 8, kUriPath = 11, kContentFormat = 12, kUriQuery = 15, kAccept = 17 };

std::optional<Message> Parse(const std::string& d) {
  if (d.size() < 4 || (static_cast<uint8_t>(d[0]) >> 6) != 1) return std::nullopt;
  Message m;
  m.type = (static_cast<uint8_t>(d[0]) >> 4) & 3;
  const size_t tkl = static_cast<uint8_t>(d[0]) & 15;
  m.code = static_cast<uint8_t>(d[1]);
  m.mid = static_cast<uint16_t>(static_cast<uint8_t>(d[2]) << 8 | static_cast<uint8_t>(d[3]));
  if (4 + tkl > d.size()) return std::nullopt;
  m.token = d.substr(4, tkl);
  size_t at = 4 + tkl;
  uint16_t number = 0;
  while (at < d.size()) {
    const uint8_t head = static_cast<uint8_t>(d[at++]);
    if (head == 0xFF) {
      m.payload = d.substr(at);
      break;
    }
    auto extended = [&](uint32_t nibble) -> uint32_t {
      if (nibble == 13) return 13u + static_cast<uint8_t>(d[at++]);
      if (nibble == 14) {
        const uint32_t v = 269u + (static_cast<uint8_t>(d[at]) << 8 | static_cast<uint8_t>(d[at + 1]));
        at += 2;
        return v;
      }
      return nibble;
    };
    number = static_cast<uint16_t>(number + extended(head >> 4));
    const uint32_t length = extended(head & 15);
    if (at + length > d.size()) return std::nullopt;
    m.options.emplace(number, d.substr(at, length));
    at += length;
  }
  return m;
}

std::string Serialize(const Message& m) {
  std::string d;
  d += static_cast<char>(1 << 6 | m.type << 4 | static_cast<int>(m.token.size()));
  d += static_cast<char>(m.code);
  d += static_cast<char>(m.mid >> 8);
  d += static_cast<char>(m.mid & 0xFF);
  d += m.token;
  uint16_t last = 0;
  for (const auto& [number, value] : m.options) {  // the multimap keeps them in order
    const uint32_t delta = number - last, length = static_cast<uint32_t>(value.size());
    auto nibble = [](uint32_t v) { return v < 13 ? v : v < 269 ? 13u : 14u; };
    d += static_cast<char>(nibble(delta) << 4 | nibble(length));
    for (uint32_t v : {delta, length}) {
      if (v >= 269) {
        d += static_cast<char>((v - 269) >> 8);
        d += static_cast<char>((v - 269) & 0xFF);
      } else if (v >= 13) {
        d += static_cast<char>(v - 13);
      }
    }
    d += value;
    last = number;
  }
  if (!m.payload.empty()) d += '\xFF' + m.payload;
  return d;
}

/// The test's LwM2M server: one UDP socket on loopback.
class RawServer {
 public:
  RawServer() {
    fd_ = socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a));
    socklen_t len = sizeof(a);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
  }
  ~RawServer() { close(fd_); }
  uint16_t port() const { return port_; }

  /// The next message within `ms`, from the client (whose address it remembers).
  std::optional<Message> Receive(int ms = 3000) {
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, ms) <= 0) return std::nullopt;
    char buffer[2048];
    socklen_t len = sizeof(peer_);
    const ssize_t n = recvfrom(fd_, buffer, sizeof(buffer), 0, reinterpret_cast<sockaddr*>(&peer_), &len);
    return n > 0 ? Parse(std::string(buffer, static_cast<size_t>(n))) : std::nullopt;
  }
  /// The next message that is not an empty ACK or a retransmission of one already seen.
  std::optional<Message> ReceiveNew(int ms = 3000) {
    for (;;) {
      auto m = Receive(ms);
      if (!m) return m;
      if (m->type == kAck && m->code == 0) continue;
      if (m->type == kCon && !seen_.insert(m->mid).second) continue;
      return m;
    }
  }
  void Send(const Message& m) {
    const std::string d = Serialize(m);
    sendto(fd_, d.data(), d.size(), 0, reinterpret_cast<sockaddr*>(&peer_), sizeof(peer_));
  }
  void Reply(const Message& to, uint8_t code, std::multimap<uint16_t, std::string> options = {}, std::string payload = {}) {
    Send(Message{kAck, code, to.mid, to.token, std::move(options), std::move(payload)});
  }
  /// A confirmable request; returns its piggybacked answer.
  std::optional<Message> Request(Message m) {
    m.type = kCon;
    m.mid = next_mid_++;
    Send(m);
    for (;;) {
      auto answer = Receive();
      if (!answer) return answer;
      if (answer->type == kAck && answer->mid == m.mid) return answer;
      // A request of the client's meanwhile (an Update after a Create): answered, as a server
      // must, or the client's next confirmable message waits behind it (NSTART = 1).
      if (answer->type == kCon && answer->code >= 1 && answer->code < 32) {
        seen_.insert(answer->mid);
        Reply(*answer, Code(2, 4));
      }
    }
  }

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
  sockaddr_in peer_{};
  uint16_t next_mid_ = 0x4000;
  std::set<uint16_t> seen_;
};

Message Get(const std::string& token, std::vector<std::string> path) {
  Message m;
  m.code = Code(0, 1);
  m.token = token;
  for (auto& p : path) m.options.emplace(kUriPath, p);
  return m;
}

TEST(ClientConformanceTest, OurClientShouldSpeakTheSpecsMessageFormats) {
  RawServer server;
  ObjectStore objects;
  objects.Set(MakePath({3, 0, 0}), std::string("TinyMLaaS"));
  objects.Set(MakePath({3, 0, 9}), int64_t{100});
  objects.OnCreate(kSoftwareObject, [&](uint16_t i) { objects.Set(MakePath({kSoftwareObject, i, 7}), int64_t{0}); }, nullptr);
  Lwm2mClientOptions options;
  options.server = "coap://127.0.0.1:" + std::to_string(server.port());
  options.endpoint = "gw-spec";
  options.lifetime = 120;
  auto client = Lwm2mClient::Start(options, objects);
  ASSERT_TRUE(client) << client.error();

  // Register (core spec 6.2.1, transport 6.4): CON POST /rd, Content-Format 40, the queries.
  auto reg = server.ReceiveNew();
  ASSERT_TRUE(reg) << "no Register";
  EXPECT_EQ(reg->type, kCon);
  EXPECT_EQ(reg->code, Code(0, 2));
  EXPECT_EQ(reg->Joined(kUriPath, '/'), "rd");
  EXPECT_EQ(reg->Uint(kContentFormat), 40u);
  const std::string query = reg->Joined(kUriQuery, '&');
  EXPECT_NE(query.find("ep=gw-spec"), std::string::npos) << query;
  EXPECT_NE(query.find("lt=120"), std::string::npos) << query;
  EXPECT_NE(query.find("lwm2m=1.1"), std::string::npos) << query;
  EXPECT_NE(reg->payload.find("</3/0>"), std::string::npos) << reg->payload;
  server.Reply(*reg, Code(2, 1), {{kLocationPath, "rd"}, {kLocationPath, "x1"}});
  for (int i = 0; i < 50 && !(*client)->registered(); ++i) usleep(20000);
  EXPECT_EQ((*client)->location(), "/rd/x1");

  // Observe (RFC 7641 section 2, 3.2): the answer carries Observe and the token.
  Message observe = Get("T1", {"3", "0", "9"});
  observe.options.emplace(kObserve, "");
  observe.options.emplace(kAccept, "");  // 0: text/plain
  auto first = server.Request(observe);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->code, Code(2, 5));
  EXPECT_EQ(first->token, "T1");
  ASSERT_TRUE(first->Uint(kObserve).has_value()) << "a 2.05 to an Observe register must carry Observe";
  EXPECT_EQ(first->Uint(kContentFormat).value_or(99), 0u);
  EXPECT_EQ(first->payload, "100");

  // Write-Attributes (core spec 5.4.4): PUT, the query, no payload; 2.04.
  Message attributes;
  attributes.code = Code(0, 3);
  attributes.token = "W1";
  for (const char* p : {"3", "0", "9"}) attributes.options.emplace(kUriPath, p);
  attributes.options.emplace(kUriQuery, "st=5");
  auto written = server.Request(attributes);
  ASSERT_TRUE(written);
  EXPECT_EQ(written->code, Code(2, 4));

  // A change of 3 is under st: nothing; one of 10 is a confirmable 2.05 with T1 and a larger
  // Observe number.
  objects.Set(MakePath({3, 0, 9}), int64_t{97});
  objects.Set(MakePath({3, 0, 9}), int64_t{87});
  auto notification = server.ReceiveNew();
  ASSERT_TRUE(notification) << "no notification";
  EXPECT_EQ(notification->type, kCon);
  EXPECT_EQ(notification->code, Code(2, 5));
  EXPECT_EQ(notification->token, "T1");
  EXPECT_GT(notification->Uint(kObserve).value_or(0), first->Uint(kObserve).value_or(0));
  EXPECT_EQ(notification->payload, "87");
  server.Send(Message{kAck, 0, notification->mid, "", {}, ""});

  // An RST to a notification ends the observation (RFC 7641 3.6).
  objects.Set(MakePath({3, 0, 9}), int64_t{50});
  auto second = server.ReceiveNew();
  ASSERT_TRUE(second);
  EXPECT_EQ(second->payload, "50");
  server.Send(Message{kRst, 0, second->mid, "", {}, ""});
  usleep(200000);
  objects.Set(MakePath({3, 0, 9}), int64_t{10});
  auto none = server.ReceiveNew(1200);
  EXPECT_FALSE(none && none->token == "T1") << "a notification after the RST: " << none->payload;

  // Create (core spec 5.4.5): POST on the object; 2.01 with Location-Path /9/0.
  Message create;
  create.code = Code(0, 2);
  create.token = "C1";
  create.options.emplace(kUriPath, "9");
  auto created = server.Request(create);
  ASSERT_TRUE(created);
  EXPECT_EQ(created->code, Code(2, 1));
  EXPECT_EQ(created->Joined(kLocationPath, '/'), "9/0");

  // Discover (core spec 5.4.2): a GET asking for link format, 2.05 in link format.
  Message discover = Get("D1", {"3", "0"});
  discover.options.emplace(kAccept, std::string(1, '\x28'));  // 40
  auto links = server.Request(discover);
  ASSERT_TRUE(links);
  EXPECT_EQ(links->code, Code(2, 5));
  EXPECT_EQ(links->Uint(kContentFormat), 40u);
  EXPECT_NE(links->payload.find("</3/0/9>"), std::string::npos) << links->payload;

  // De-register (core spec 6.2.3): DELETE of the location the server gave.
  std::thread stop([&] { client->reset(); });
  std::optional<Message> bye;
  for (int i = 0; i < 10 && !(bye && bye->code == Code(0, 4)); ++i) {
    bye = server.ReceiveNew(500);
    if (bye && bye->code != Code(0, 4) && bye->type == kCon) server.Reply(*bye, Code(2, 4));  // an Update, say
  }
  ASSERT_TRUE(bye && bye->code == Code(0, 4)) << "no De-register";
  EXPECT_EQ(bye->Joined(kUriPath, '/'), "rd/x1");
  server.Reply(*bye, Code(2, 2));
  stop.join();
}

}  // namespace
}  // namespace tml::lwm2m
