#pragma once
// A CoAP download block by block (RFC 7959 Block2): what a device uses for a coap:// or
// coaps:// Package URI. Each block is asked for by number, so a download that stopped resumes
// at the block where it stopped, as an HTTP download resumes with Range.

#include <cstdint>
#include <functional>
#include <string>

#include "lwm2m/value.h"

namespace tml::lwm2m {

struct BlockFetchOptions {
  std::string uri;           ///< coap://HOST:PORT/PATH or coaps://HOST:PORT/PATH
  std::string psk_identity;  ///< coaps
  Bytes psk_key;             ///< coaps
  unsigned block_size = 1024;  ///< 16..1024, a power of two; the server may ask for smaller
  double timeout_s = 30;       ///< for one block, retransmissions included
};

/// Receives the bytes of each block at its `offset`; returning false stops the download.
using BlockSink = std::function<bool(const uint8_t* data, size_t size, uint64_t offset)>;

struct BlockFetchError {
  int code = 0;  ///< the server's CoAP code (404 ...), or 0: no answer, DTLS failure, stopped, bad URI
  std::string message;
};

/// GETs `options.uri` from byte `offset` (rounded down to a block) to its end, handing each
/// block to `sink`; returns the resource's size. Fails naming the CoAP code and the server's
/// diagnostic, a timeout, a DTLS failure, or "stopped" when the sink stopped it.
tl::expected<uint64_t, BlockFetchError> FetchBlockwise(const BlockFetchOptions& options, uint64_t offset, const BlockSink& sink);

}  // namespace tml::lwm2m
