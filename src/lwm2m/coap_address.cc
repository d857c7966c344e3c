#include "lwm2m/coap_address.h"

#include <netdb.h>

#include <cstring>

namespace tml::lwm2m {

Lwm2mResult<coap_address_t> ResolveUdpAddress(const std::string& host, uint16_t port, bool numeric_only) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  hints.ai_flags = AI_NUMERICSERV | (numeric_only ? AI_NUMERICHOST : 0);
  addrinfo* found = nullptr;
  if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found) != 0 || found == nullptr) {
    return Lwm2mFail(numeric_only ? "'" + host + "' is not a numeric IP address" : "cannot resolve '" + host + "'");
  }
  coap_address_t address;
  coap_address_init(&address);
  address.size = found->ai_addrlen;
  std::memcpy(&address.addr, found->ai_addr, found->ai_addrlen);
  freeaddrinfo(found);
  return address;
}

}  // namespace tml::lwm2m
