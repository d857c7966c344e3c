#pragma once
// libcoap helpers the server and the client cores share (internal to src/lwm2m: it exposes
// libcoap's types): addresses from text, options, bodies, replies.

#include <coap3/coap.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "lwm2m/value.h"

namespace tml::lwm2m {

/// libcoap's one-time start-up (and its log levels: errors only), however many contexts.
void StartCoap();

/// A UDP address; `numeric_only` refuses names (listen addresses must be literal IPs).
Lwm2mResult<coap_address_t> ResolveUdpAddress(const std::string& host, uint16_t port, bool numeric_only);

void AddUintOption(coap_pdu_t* pdu, coap_option_num_t number, unsigned value);
void AddTextOption(coap_pdu_t* pdu, coap_option_num_t number, std::string_view text);
/// One Uri-Path option per segment of "rd/abc" (or "/3/0/1").
void AddPathOptions(coap_pdu_t* pdu, std::string_view path);
std::optional<unsigned> UintOption(const coap_pdu_t* pdu, coap_option_num_t number);
/// The whole body (libcoap reassembles block-wise bodies first).
Bytes BodyOf(const coap_pdu_t* pdu);
/// A request body, sent block-wise (RFC 7959) when it is larger than one datagram; libcoap
/// keeps its own copy until the transfer ends.
void AddRequestBody(coap_session_t* session, coap_pdu_t* pdu, Bytes body);
/// The same for a response (Block2), with its Content-Format.
void AddResponseBody(coap_resource_t* resource, coap_session_t* session, const coap_pdu_t* request,
                     const coap_string_t* query, coap_pdu_t* response, uint16_t format, Bytes body);
/// A response code (class * 100 + detail, e.g. 404) with a diagnostic payload.
void Reply(coap_pdu_t* response, int code, const std::string& diagnostic = "");
/// class * 100 + detail of a PDU's code (205 for 2.05).
int CodeOf(const coap_pdu_t* pdu);

/// What lets another thread wake a CoAP thread that waits for I/O: an eventfd, written by
/// Ring(), watched by WaitForIo() beside libcoap's own descriptor.
class Wakeup {
 public:
  Wakeup();
  ~Wakeup();
  Wakeup(const Wakeup&) = delete;
  Wakeup& operator=(const Wakeup&) = delete;
  void Ring() const;
  /// Up to `ms` for network I/O on `context` or a Ring(), then handles what libcoap has.
  void WaitForIo(coap_context_t* context, int ms) const;

 private:
  int fd_ = -1;
};

}  // namespace tml::lwm2m
