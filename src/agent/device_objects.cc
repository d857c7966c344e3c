#include "agent/device_objects.h"

#include "lwm2m/objects.h"

namespace tml::agent {

using lwm2m::MakePath;

compiler::Result<void> PublishDevice(lwm2m::ObjectStore& objects, const DeviceFacts& facts, Board& board) {
  auto hello = board.Hello();
  if (!hello) return tl::unexpected(hello.error());
  constexpr uint16_t kDev = lwm2m::kDeviceObject, kInf = lwm2m::kInferenceObject;
  objects.Set(MakePath({kDev, 0, 0}), std::string("TinyMLaaS"));
  objects.Set(MakePath({kDev, 0, 1}), facts.board);
  objects.Set(MakePath({kDev, 0, 2}), facts.endpoint);
  objects.Set(MakePath({kDev, 0, 11, 0}), int64_t{0});  // no error
  objects.Set(MakePath({kDev, 0, 16}), std::string("U"));
  objects.Set(MakePath({kDev, 0, 17}), std::string("microcontroller"));
  objects.Set(MakePath({kInf, 0, 0}), lwm2m::Bytes{});
  objects.Set(MakePath({kInf, 0, 2}), lwm2m::Bytes{});
  objects.Set(MakePath({kInf, 0, 3}), int64_t{0});
  objects.Set(MakePath({kInf, 0, 6}), int64_t{0});
  PublishRunning(objects, facts.firmware_version, *hello);
  objects.OnExecute(MakePath({kDev, 0, 4}), [&board](std::string_view) -> lwm2m::OpResult<void> {
    if (auto r = board.Reboot(); !r) return lwm2m::OpFail(500, "the board did not boot again: " + r.error().message);
    return {};
  });
  objects.OnExecute(MakePath({kInf, 0, 1}), [&objects, &board](std::string_view) -> lwm2m::OpResult<void> {
    const auto input = objects.Get(MakePath({kInf, 0, 0}));
    const auto* bytes = input ? std::get_if<lwm2m::Bytes>(&*input) : nullptr;
    if (bytes == nullptr || bytes->empty()) return lwm2m::OpFail(400, "write the input (/26241/0/0) first");
    auto result = board.Infer(*bytes);
    if (!result) return lwm2m::OpFail(400, result.error().message);
    objects.Set(MakePath({kInf, 0, 2}), result->outputs);
    objects.Set(MakePath({kInf, 0, 3}), static_cast<int64_t>(result->instructions));
    const auto count = objects.Get(MakePath({kInf, 0, 6}));
    objects.Set(MakePath({kInf, 0, 6}), (count ? std::get<int64_t>(*count) : 0) + 1);
    return {};
  });
  return {};
}

void PublishRunning(lwm2m::ObjectStore& objects, const std::string& firmware_version, const firmware::HelloInfo& hello) {
  constexpr uint16_t kDev = lwm2m::kDeviceObject, kInf = lwm2m::kInferenceObject;
  objects.Set(MakePath({kDev, 0, 3}), firmware_version);
  objects.Set(MakePath({kDev, 0, 18}), hello.board);
  objects.Set(MakePath({kDev, 0, 19}), hello.model_sha256);  // the running model
  objects.Set(MakePath({kInf, 0, 4}), hello.model_sha256);
  objects.Set(MakePath({kInf, 0, 5}), static_cast<int64_t>(hello.arena_bytes));
}

void PublishServer(lwm2m::ObjectStore& objects, const ServerFacts& facts) {
  const bool secure = facts.uri.rfind("coaps://", 0) == 0;
  objects.Set(MakePath({lwm2m::kSecurityObject, 0, 0}), facts.uri);
  objects.Set(MakePath({lwm2m::kSecurityObject, 0, 1}), false);
  objects.Set(MakePath({lwm2m::kSecurityObject, 0, 2}), int64_t{secure ? 0 : 3});  // 0 = PSK, 3 = NoSec
  objects.Set(MakePath({lwm2m::kSecurityObject, 0, 3}),
              lwm2m::Bytes(facts.psk_identity.begin(), facts.psk_identity.end()));
  objects.Set(MakePath({lwm2m::kSecurityObject, 0, 10}), int64_t{1});
  objects.Set(MakePath({lwm2m::kServerObject, 0, 0}), int64_t{1});
  objects.Set(MakePath({lwm2m::kServerObject, 0, 1}), facts.lifetime);
  objects.Set(MakePath({lwm2m::kServerObject, 0, 6}), false);
  objects.Set(MakePath({lwm2m::kServerObject, 0, 7}), std::string("U"));
}

}  // namespace tml::agent
