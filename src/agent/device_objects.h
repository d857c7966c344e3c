#pragma once
// What the agent tells the LwM2M server about its device: the Device object (3) and the
// inference object (26241) filled from the board's hello and the image's manifest, with Run
// wired to the board. See docs/lwm2m.md for what each resource holds.

#include <string>

#include "agent/board.h"
#include "lwm2m/object_store.h"

namespace tml::agent {

struct DeviceFacts {
  std::string endpoint;
  std::string board;             ///< the board's name (Model Number, Hardware Version)
  std::string firmware_version;  ///< the build id of the running image (3/0/3)
};

/// Publishes objects 3 and 26241 for `board`; Run on 26241 runs one inference on it, Reboot
/// (3/0/4) reboots it.
compiler::Result<void> PublishDevice(lwm2m::ObjectStore& objects, const DeviceFacts& facts, Board& board);

/// What changes after an update: Firmware Version, Hardware Version, Software Version (the
/// model's sha256), and the inference object's Model SHA-256 and Arena Bytes.
void PublishRunning(lwm2m::ObjectStore& objects, const std::string& firmware_version, const firmware::HelloInfo& hello);

struct ServerFacts {
  std::string uri;         ///< coaps://... or coap://...
  std::string psk_identity;
  int64_t lifetime = 300;
};

/// Publishes the Security (0, not readable by servers) and Server (1) objects of the one
/// server the agent talks to: short server id 1, lifetime, binding "U".
void PublishServer(lwm2m::ObjectStore& objects, const ServerFacts& facts);

}  // namespace tml::agent
