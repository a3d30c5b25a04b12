// Frames to and from a tap fd, shared by the NET_WRITE/NET_READ hypercalls and the net ring.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <span>

namespace skiff {

// A frame may carry the Ethernet header on top of the MTU.
inline constexpr uint32_t kEthernetHeader = 14;

// Writes one whole frame; an error or a short write is a HostError (the ABI makes it fatal).
// `what` names the path in the message ("net write", "net ring").
void write_frame_to_tap(int fd, std::span<const uint8_t> frame, const char* what);

// Reads one frame into `buffer`: its length, 0 if none is queued, -1 with errno on an error.
// Interrupted reads are retried.
ssize_t read_frame_from_tap(int fd, std::span<uint8_t> buffer);

}  // namespace skiff
