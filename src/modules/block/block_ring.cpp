#include "modules/block/block_ring.h"

#include <cstring>
#include <optional>

#include "common/error.h"
#include "modules/ring/ring_server.h"
#include "skiff/abi/hypercall.h"

namespace skiff {
namespace {

std::optional<BlockOp> op_of(uint32_t operation) {
    switch (operation) {
        case SKIFF_RING_BLOCK_READ: return BlockOp::Read;
        case SKIFF_RING_BLOCK_WRITE: return BlockOp::Write;
        case SKIFF_RING_BLOCK_FLUSH: return BlockOp::Flush;
        case SKIFF_RING_BLOCK_DISCARD: return BlockOp::Discard;
        default: return std::nullopt;
    }
}

}  // namespace

uint32_t process_block_ring(skiff_ring& ring, GuestMemory& mem, Disks& disks) {
    const uint32_t pending = pending_submissions(ring, "block ring");
    // Completions the guest has not consumed yet; a com_head past com_tail is the guest's own
    // confusion, and leaves no room.
    const uint32_t unconsumed =
        shared(ring.com_tail).load(std::memory_order_relaxed) - shared(ring.com_head).load(std::memory_order_acquire);
    const uint32_t room = unconsumed > SKIFF_RING_SLOTS ? 0 : SKIFF_RING_SLOTS - unconsumed;
    const uint32_t count = pending < room ? pending : room;
    uint32_t head = shared(ring.ent_head).load(std::memory_order_relaxed);
    for (uint32_t i = 0; i < count; ++i, ++head) {
        skiff_ring_submission s;  // one copy: the guest may rewrite the slot meanwhile
        std::memcpy(&s, &ring.ent[head & (SKIFF_RING_SLOTS - 1)], sizeof s);
        const std::optional<BlockOp> op = op_of(s.operation);
        if (!op) throw GuestFault("block ring: unknown operation " + std::to_string(s.operation));
        try {
            const BlockResult r = execute(disks, mem, BlockRequest{*op, s.handle, s.offset, s.data, s.len});
            post(ring, skiff_ring_completion{s.id, r.ret, uint32_t(r.len), 0});
        } catch (const GuestFault& fault) {
            throw with_context("block ring entry " + std::to_string(head), fault);
        }
        shared(ring.ent_head).store(head + 1, std::memory_order_release);
    }
    return count;
}

}  // namespace skiff
