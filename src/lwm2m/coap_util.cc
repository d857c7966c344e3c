#include "lwm2m/coap_util.h"

#include <poll.h>
#include <mutex>
#include <sys/eventfd.h>
#include <unistd.h>

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

namespace tml::lwm2m {
namespace {

void ReleaseCopy(coap_session_t*, void* copy) { delete static_cast<Bytes*>(copy); }

}  // namespace

void AddUintOption(coap_pdu_t* pdu, coap_option_num_t number, unsigned value) {
  uint8_t buf[4];
  coap_add_option(pdu, number, coap_encode_var_safe(buf, sizeof(buf), value), buf);
}

void AddTextOption(coap_pdu_t* pdu, coap_option_num_t number, std::string_view text) {
  coap_add_option(pdu, number, text.size(), reinterpret_cast<const uint8_t*>(text.data()));
}

void AddPathOptions(coap_pdu_t* pdu, std::string_view path) {
  while (!path.empty()) {
    const size_t slash = std::min(path.find('/'), path.size());
    if (slash > 0) AddTextOption(pdu, COAP_OPTION_URI_PATH, path.substr(0, slash));
    path.remove_prefix(std::min(slash + 1, path.size()));
  }
}

std::optional<unsigned> UintOption(const coap_pdu_t* pdu, coap_option_num_t number) {
  coap_opt_iterator_t it;
  coap_opt_t* opt = coap_check_option(pdu, number, &it);
  if (opt == nullptr) return std::nullopt;
  return coap_decode_var_bytes(coap_opt_value(opt), coap_opt_length(opt));
}

Bytes BodyOf(const coap_pdu_t* pdu) {
  size_t length = 0, offset = 0, total = 0;
  const uint8_t* data = nullptr;
  if (!coap_get_data_large(pdu, &length, &data, &offset, &total)) return {};
  return Bytes(data, data + length);
}

void AddRequestBody(coap_session_t* session, coap_pdu_t* pdu, Bytes body) {
  auto* copy = new Bytes(std::move(body));
  coap_add_data_large_request(session, pdu, copy->size(), copy->data(), ReleaseCopy, copy);
}

void AddResponseBody(coap_resource_t* resource, coap_session_t* session, const coap_pdu_t* request,
                     const coap_string_t* query, coap_pdu_t* response, uint16_t format, Bytes body) {
  // libcoap leaves out a Content-Format of 0 (text/plain); LwM2M peers need it said.
  if (format == 0) coap_add_option(response, COAP_OPTION_CONTENT_FORMAT, 0, nullptr);
  auto* copy = new Bytes(std::move(body));
  coap_add_data_large_response(resource, session, request, response, query, format, -1, 0, copy->size(), copy->data(),
                               ReleaseCopy, copy);
}

void Reply(coap_pdu_t* response, int code, const std::string& diagnostic) {
  coap_pdu_set_code(response, static_cast<coap_pdu_code_t>(COAP_RESPONSE_CODE(code)));
  if (!diagnostic.empty()) coap_add_data(response, diagnostic.size(), reinterpret_cast<const uint8_t*>(diagnostic.data()));
}

int CodeOf(const coap_pdu_t* pdu) {
  const coap_pdu_code_t code = coap_pdu_get_code(pdu);
  return (code >> 5) * 100 + (code & 31);
}

void StartCoap() {
  static std::once_flag once;
  std::call_once(once, [] {
    coap_startup();
    coap_set_log_level(LOG_ERR);
    coap_dtls_set_log_level(LOG_ERR);
  });
}

Wakeup::Wakeup() : fd_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {}

Wakeup::~Wakeup() {
  if (fd_ >= 0) close(fd_);
}

void Wakeup::Ring() const {
  const uint64_t one = 1;
  [[maybe_unused]] const ssize_t n = write(fd_, &one, sizeof(one));
}

void Wakeup::WaitForIo(coap_context_t* context, int ms) const {
  const int coap_fd = coap_context_get_coap_fd(context);
  if (coap_fd < 0 || fd_ < 0) {  // libcoap without epoll: its own wait
    coap_io_process(context, static_cast<uint32_t>(ms));
    return;
  }
  pollfd fds[2] = {{coap_fd, POLLIN, 0}, {fd_, POLLIN, 0}};
  poll(fds, 2, ms);
  if (fds[1].revents & POLLIN) {
    uint64_t count = 0;
    [[maybe_unused]] const ssize_t n = read(fd_, &count, sizeof(count));
  }
  coap_io_process(context, COAP_IO_NO_WAIT);
}

}  // namespace tml::lwm2m
