#include "lwm2m/block_fetch.h"

#include <coap3/coap.h>

#include <chrono>
#include <mutex>
#include <optional>

#include "lwm2m/coap_util.h"
#include "lwm2m/lwm2m_server.h"

namespace tml::lwm2m {
namespace {

/// The answer to the block in flight (the context's app data).
struct Exchange {
  bool done = false;
  std::string failure;
  int code = 0;
  Bytes data;
  std::optional<coap_block_t> block;
};

coap_response_t OnResponse(coap_session_t* session, const coap_pdu_t*, const coap_pdu_t* received, const coap_mid_t) {
  auto& x = *static_cast<Exchange*>(coap_get_app_data(coap_session_get_context(session)));
  x.code = CodeOf(received);
  size_t size = 0;
  const uint8_t* data = nullptr;
  coap_get_data(received, &size, &data);
  x.data.assign(data, data + size);
  coap_block_t block;
  if (coap_get_block(received, COAP_OPTION_BLOCK2, &block)) x.block = block;
  x.done = true;
  return COAP_RESPONSE_OK;
}

void OnNack(coap_session_t* session, const coap_pdu_t*, const coap_nack_reason_t reason, const coap_mid_t) {
  auto& x = *static_cast<Exchange*>(coap_get_app_data(coap_session_get_context(session)));
  x.failure = reason == COAP_NACK_TLS_FAILED ? "the DTLS handshake failed (wrong PSK?)" : "the server did not answer";
  x.done = true;
}

unsigned SzxOf(unsigned block_size) {
  unsigned szx = 0;
  while (szx < 6 && (16u << szx) < block_size) ++szx;
  return szx;
}

struct Context {
  coap_context_t* context = nullptr;
  coap_session_t* session = nullptr;
  ~Context() {
    if (session != nullptr) coap_session_release(session);
    if (context != nullptr) coap_free_context(context);
  }
};

tl::unexpected<BlockFetchError> FetchFail(std::string message, int code = 0) {
  return tl::unexpected<BlockFetchError>(BlockFetchError{code, std::move(message)});
}

}  // namespace

tl::expected<uint64_t, BlockFetchError> FetchBlockwise(const BlockFetchOptions& options, uint64_t offset, const BlockSink& sink) {
  StartCoap();
  coap_uri_t uri;
  if (coap_split_uri(reinterpret_cast<const uint8_t*>(options.uri.data()), options.uri.size(), &uri) != 0) {
    return FetchFail("'" + options.uri + "' is not a coap:// or coaps:// URI");
  }
  const bool secure = uri.scheme == COAP_URI_SCHEME_COAPS;
  if (!secure && uri.scheme != COAP_URI_SCHEME_COAP) return FetchFail("'" + options.uri + "' is not a coap:// or coaps:// URI");
  if (secure && options.psk_key.empty()) return FetchFail("a coaps:// download needs the device's PSK");
  const std::string host(reinterpret_cast<const char*>(uri.host.s), uri.host.length);
  const std::string path(reinterpret_cast<const char*>(uri.path.s), uri.path.length);
  auto address = ResolveUdpAddress(host, uri.port, false);
  if (!address) return FetchFail(address.error());

  Exchange exchange;
  Context c;
  c.context = coap_new_context(nullptr);
  if (c.context == nullptr) return FetchFail("cannot create a CoAP context");
  coap_set_app_data(c.context, &exchange);
  coap_register_response_handler(c.context, OnResponse);
  coap_register_nack_handler(c.context, OnNack);
  if (secure) {
    coap_dtls_cpsk_t psk{};
    psk.version = COAP_DTLS_CPSK_SETUP_VERSION;
    psk.psk_info.identity = {options.psk_identity.size(), reinterpret_cast<const uint8_t*>(options.psk_identity.data())};
    psk.psk_info.key = {options.psk_key.size(), options.psk_key.data()};
    c.session = coap_new_client_session_psk2(c.context, nullptr, &*address, COAP_PROTO_DTLS, &psk);
  } else {
    c.session = coap_new_client_session(c.context, nullptr, &*address, COAP_PROTO_UDP);
  }
  if (c.session == nullptr) return FetchFail("cannot open a CoAP session to " + host);

  unsigned szx = SzxOf(options.block_size);
  uint32_t num = static_cast<uint32_t>(offset / (16u << szx));
  for (;;) {
    exchange = Exchange{};
    coap_pdu_t* pdu = coap_new_pdu(COAP_MESSAGE_CON, COAP_REQUEST_CODE_GET, c.session);
    uint8_t token[8];
    size_t token_length = 0;
    coap_session_new_token(c.session, &token_length, token);
    coap_add_token(pdu, token_length, token);
    AddPathOptions(pdu, path);
    AddUintOption(pdu, COAP_OPTION_BLOCK2, (num << 4) | szx);
    if (coap_send(c.session, pdu) == COAP_INVALID_MID) return FetchFail("cannot send to " + host);
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(static_cast<int64_t>(options.timeout_s * 1000));
    while (!exchange.done && std::chrono::steady_clock::now() < until) coap_io_process(c.context, 100);
    if (!exchange.done) return FetchFail("block " + std::to_string(num) + ": no answer within " + std::to_string(static_cast<int>(options.timeout_s)) + " s");
    if (!exchange.failure.empty()) return FetchFail(exchange.failure);
    if (exchange.code != 205) {
      return FetchFail("block " + std::to_string(num) + ": the server answered " + CoapCodeText(exchange.code) +
                           (exchange.data.empty() ? "" : ": " + std::string(exchange.data.begin(), exchange.data.end())),
                       exchange.code);
    }
    // Without Block2 the whole resource came in one answer (it fits in one datagram).
    const uint64_t at = exchange.block ? static_cast<uint64_t>(exchange.block->num) << (exchange.block->szx + 4) : 0;
    if (!exchange.data.empty() && !sink(exchange.data.data(), exchange.data.size(), at)) return FetchFail("stopped");
    if (!exchange.block || !exchange.block->m) return at + exchange.data.size();
    // The server may answer with smaller blocks than asked (RFC 7959 2.4): follow its size.
    if (exchange.block->szx < szx) szx = exchange.block->szx;
    num = static_cast<uint32_t>((at + exchange.data.size()) / (16u << szx));
  }
}

}  // namespace tml::lwm2m
