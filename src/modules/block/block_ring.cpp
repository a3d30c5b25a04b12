#include "modules/block/block_ring.h"

#include <cstring>
#include <exception>
#include <optional>
#include <vector>

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

// Completions there is room for among the pending submissions.
uint32_t servable(skiff_ring& ring) {
    const uint32_t pending = pending_submissions(ring, "block ring");
    // Completions the guest has not consumed yet; a com_head past com_tail is the guest's own
    // confusion, and leaves no room.
    const uint32_t unconsumed =
        shared(ring.com_tail).load(std::memory_order_relaxed) - shared(ring.com_head).load(std::memory_order_acquire);
    const uint32_t room = unconsumed > SKIFF_RING_SLOTS ? 0 : SKIFF_RING_SLOTS - unconsumed;
    return pending < room ? pending : room;
}

// Whether `later` must wait for `earlier` to be done: the same disk, and either a flush after what
// it must cover, or overlapping ranges that are not both reads.
bool conflicts(const BlockIo& earlier, const BlockIo& later) {
    if (earlier.disk != later.disk) return false;
    if (later.op == BlockOp::Flush) return earlier.op == BlockOp::Write || earlier.op == BlockOp::Discard;
    if (earlier.op == BlockOp::Flush) return false;  // the flush need not cover later writes
    if (earlier.op == BlockOp::Read && later.op == BlockOp::Read) return false;
    return earlier.offset < later.offset + later.len && later.offset < earlier.offset + earlier.len;
}

// The I/O of one pass, gathered into rounds of requests that do not conflict.
class Rounds {
  public:
    Rounds(const BlockIoRound& run, std::vector<BlockResult>& results) : run_(run), results_(results) {}

    void add(const BlockIo& io, size_t entry) {
        for (const BlockIo& earlier : ios_)
            if (conflicts(earlier, io)) {
                flush();
                break;
            }
        ios_.push_back(io);
        entries_.push_back(entry);
    }

    // Carries out the round gathered so far.
    void flush() {
        if (ios_.empty()) return;
        std::vector<BlockResult> done(ios_.size(), BlockResult{SKIFF_HC_EUNSPEC});
        run_(ios_, done);
        for (size_t i = 0; i < ios_.size(); ++i) results_[entries_[i]] = done[i];
        ios_.clear();
        entries_.clear();
    }

  private:
    const BlockIoRound& run_;
    std::vector<BlockResult>& results_;
    std::vector<BlockIo> ios_;
    std::vector<size_t> entries_;
};

}  // namespace

uint32_t process_block_ring_in_rounds(skiff_ring& ring, GuestMemory& mem, Disks& disks, const BlockIoRound& run) {
    const uint32_t count = servable(ring);
    const uint32_t first = shared(ring.ent_head).load(std::memory_order_relaxed);
    std::vector<uint32_t> ids;
    std::vector<BlockResult> results;
    ids.reserve(count);
    results.reserve(count);
    Rounds rounds(run, results);
    std::exception_ptr fault;  // a bad entry ends the pass: what came before it is still done
    for (uint32_t i = 0; i < count && !fault; ++i) {
        skiff_ring_submission s;  // one copy: the guest may rewrite the slot meanwhile
        std::memcpy(&s, &ring.ent[(first + i) & (SKIFF_RING_SLOTS - 1)], sizeof s);
        try {
            const std::optional<BlockOp> op = op_of(s.operation);
            if (!op) throw GuestFault("block ring: unknown operation " + std::to_string(s.operation));
            std::variant<BlockResult, BlockIo> checked;
            try {
                checked = check(disks, mem, BlockRequest{*op, s.handle, s.offset, s.data, s.len});
            } catch (const GuestFault& f) {
                throw with_context("block ring entry " + std::to_string(first + i), f);
            }
            ids.push_back(s.id);
            results.push_back(BlockResult{SKIFF_HC_EUNSPEC});
            if (const BlockResult* result = std::get_if<BlockResult>(&checked))
                results.back() = *result;
            else
                rounds.add(std::get<BlockIo>(checked), results.size() - 1);
        } catch (const GuestFault&) {
            fault = std::current_exception();
        }
    }
    rounds.flush();
    for (size_t i = 0; i < ids.size(); ++i) {
        post(ring, skiff_ring_completion{ids[i], results[i].ret, uint32_t(results[i].len), 0});
        shared(ring.ent_head).store(first + uint32_t(i) + 1, std::memory_order_release);
    }
    if (fault) std::rethrow_exception(fault);
    return uint32_t(ids.size());
}

uint32_t process_block_ring(skiff_ring& ring, GuestMemory& mem, Disks& disks) {
    const uint32_t count = servable(ring);
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
