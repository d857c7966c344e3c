#pragma once
// Socket addresses for libcoap from "HOST:PORT" text, shared by the server and the client
// cores (internal to src/lwm2m: it exposes libcoap's types).

#include <coap3/coap.h>

#include <cstdint>
#include <string>
#include <utility>

#include "lwm2m/value.h"

namespace tml::lwm2m {

/// A UDP address; `numeric_only` refuses names (listen addresses must be literal IPs).
Lwm2mResult<coap_address_t> ResolveUdpAddress(const std::string& host, uint16_t port, bool numeric_only);

}  // namespace tml::lwm2m
