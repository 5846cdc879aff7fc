#pragma once

// The replay ring of an SSE group (SPEC §4.5): the newest framed events of the group stream,
// bounded in count and in bytes, from which a client that reconnects with `Last-Event-ID`
// gets what it missed, and by which a publisher's key is recognised when it comes again.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>

namespace herald::actors {

class replay_ring {
 public:
  /// A framed event of the group stream.
  struct entry {
    std::uint64_t seq = 0;
    std::string frame;
    std::string key; ///< the publisher's key, if any
  };

  /// Keeps at most `max_events` events and `max_bytes` bytes of frames (the oldest go first).
  replay_ring(std::size_t max_events, std::size_t max_bytes) noexcept;

  /// Adds event `seq` (sequence numbers increase from one call to the next), then drops the
  /// oldest events until both bounds hold again; an event larger than `max_bytes` is dropped
  /// at once.
  void add(std::uint64_t seq, std::string frame, std::string key);

  /// The event still kept that `key` (non-empty) was published with, or null.
  const entry* find_key(std::string_view key) const noexcept;

  /// Appends the frames of the events after `after`, oldest first, to `out`.
  void append_after(std::uint64_t after, std::string& out) const;

  std::size_t size() const noexcept { return entries_.size(); }
  std::size_t bytes() const noexcept { return bytes_; }

 private:
  std::size_t max_events_;
  std::size_t max_bytes_;
  std::deque<entry> entries_;
  std::size_t bytes_ = 0;
};

} // namespace herald::actors
