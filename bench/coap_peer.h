#pragma once
// What the LwM2M benches' simulated devices share on raw libcoap: the server's address on
// loopback, and a confirmable request with a fresh token.
#include <coap3/coap.h>
#include <netinet/in.h>

#include <cstdint>
#include <string>

namespace tml::bench {

inline coap_address_t LoopbackAddress(uint16_t port) {
  coap_address_t a;
  coap_address_init(&a);
  a.addr.sin.sin_family = AF_INET;
  a.addr.sin.sin_port = htons(port);
  a.addr.sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.size = sizeof(a.addr.sin);
  return a;
}

/// A CON request on `session` with the session's next token (in `token`, when asked for).
inline coap_pdu_t* NewRequest(coap_session_t* session, coap_pdu_code_t code, std::string* token = nullptr) {
  coap_pdu_t* pdu = coap_new_pdu(COAP_MESSAGE_CON, code, session);
  uint8_t bytes[8];
  size_t length = 0;
  coap_session_new_token(session, &length, bytes);
  coap_add_token(pdu, length, bytes);
  if (token != nullptr) token->assign(reinterpret_cast<const char*>(bytes), length);
  return pdu;
}

}  // namespace tml::bench
