#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace herald::net {

/// Every bound the network controls. One immutable copy per listener, validated at start-up
/// by the configuration loader; the defaults here are the documented ones.
struct limits {
  /// Connections served at once; the one after answers 503 and is closed.
  std::size_t max_connections = 10'000;
  /// Connections of one client address at once on the public listener (an IPv6 client's
  /// /64); the one after answers 429 and is closed. 0: no bound (the default).
  std::size_t max_connections_per_ip = 0;
  /// Requests per second of one client address on the public listener, as a token bucket of
  /// `request_burst_per_ip` tokens (0: one second's worth); past it a request answers 429
  /// with `Retry-After`. 0: no bound (the default).
  std::uint32_t requests_per_second_per_ip = 0;
  std::uint32_t request_burst_per_ip = 0;
  /// Request line plus header fields, in bytes (SPEC: larger answers 431).
  std::uint32_t header_limit = 16 * 1024;
  /// Request body, in bytes (SPEC: larger answers 413).
  std::uint64_t body_limit = 1024 * 1024;
  /// Chunked bodies: what the reader must hold unparsed at once to make progress, that is one
  /// chunk-size line with its extensions, or the last chunk with its trailer fields. Chunk
  /// data is taken as it arrives and counts against `body_limit`; the framing around it is
  /// held until its line ends, so it needs a bound of its own (400 / 431 past it).
  std::uint32_t chunk_framing_limit = 4 * 1024;
  /// From the first byte of a request until its header block is complete (slowloris: 408).
  std::chrono::milliseconds header_timeout{10'000};
  /// From the end of the header block until the body is complete (408).
  std::chrono::milliseconds body_timeout{30'000};
  /// A keep-alive connection waiting for its next request is closed quietly after this.
  std::chrono::milliseconds idle_timeout{60'000};
  /// A response that the peer does not drain within this is abandoned and the socket closed.
  std::chrono::milliseconds write_timeout{30'000};
  /// An event stream's kernel send buffer (SO_SNDBUF; Linux doubles it), in bytes; 0 leaves
  /// the kernel's autotuning, which lets one socket hold up to `net.ipv4.tcp_wmem`'s maximum
  /// (4 MiB): a subscriber that stops reading would hold that much kernel memory besides its
  /// `max_lag_bytes`, and a thousand of them would press on every connection of the machine.
  std::uint32_t stream_send_buffer = 64 * 1024;
};

} // namespace herald::net
