// A net device's host end: an existing Linux tap interface, and the frames to and from it, shared
// by the NET_WRITE/NET_READ hypercalls and the net ring.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <span>
#include <string>

#include "common/unique_fd.h"

namespace skiff {

// A frame carries the Ethernet header on top of the MTU.
inline constexpr uint32_t kEthernetHeader = 14;

struct Tap {
    UniqueFd fd;
    uint16_t mtu = 0;
    std::string label;  // "net device 'service' (tap tap0)", for messages

    // Frames the guest may send: a whole Ethernet header, at most mtu + header bytes.
    bool accepts(uint64_t len) const { return len >= kEthernetHeader && len <= mtu + kEthernetHeader; }
    // Writes one whole frame; an error or a short write is a HostError naming the device (the ABI
    // makes a failed write fatal).
    void write_frame(std::span<const uint8_t> frame) const;
    // Reads one frame into `buffer`: its length, or 0 if none is queued; a HostError naming the
    // device if the tap failed.
    size_t read_frame(std::span<uint8_t> buffer) const;
};

// Opens the existing tap interface `interface` for net device `device` and reads its MTU; turns
// off GRO/GSO so no frame exceeds it. UsageError saying what to do when it cannot.
Tap open_tap(const std::string& device, const std::string& interface);

// Takes over `fd`, a tap its parent opened and passed down (--net:NAME=@FD, as for solo5-hvt): it
// must be a tap without packet information or vnet headers; made non-blocking, its MTU read.
Tap adopt_tap_fd(const std::string& device, int fd);

}  // namespace skiff
