// The gdb module: with --gdb, skiff waits for a debugger on a TCP port before the guest's first
// instruction and serves the GDB remote protocol (src/modules/gdb/stub.h) whenever the guest is
// stopped: at the start, at a breakpoint or step, and when the debugger interrupts it (Ctrl-C).
// The connection is accepted before the sandbox is installed, so the filter allows I/O on that one
// socket only; a debugger that goes away detaches (its breakpoints removed) and the guest runs on.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <deque>
#include <memory>

#include "arch/arch.h"
#include "common/error.h"
#include "common/unique_fd.h"
#include "modules/gdb/protocol.h"
#include "modules/gdb/stub.h"
#include "modules/module.h"
#include "sandbox/sandbox.h"
#include "vcpu/kvm_vcpu.h"
#include "vcpu/run_control.h"

namespace skiff {
namespace {

constexpr int kDefaultPort = 1234;  // solo5-hvt's and QEMU's
constexpr int kSigTrap = 5, kSigInt = 2, kSigSegv = 11;

// The debugger's kill: the run ends like a process killed by SIGKILL, its devices synced.
class KilledByDebugger : public Error {
  public:
    KilledByDebugger() : Error("the debugger killed the guest") {}
    int exit_code() const override { return 128 + SIGKILL; }
};

struct Endpoint {
    sockaddr_storage address{};
    socklen_t length = 0;
    std::string text;  // "127.0.0.1:1234", "[::1]:1234"
};

Endpoint endpoint(const std::string& host, int port) {
    Endpoint e;
    auto* v4 = reinterpret_cast<sockaddr_in*>(&e.address);
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&e.address);
    if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(uint16_t(port));
        e.length = sizeof *v4;
        e.text = host + ":" + std::to_string(port);
    } else if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(uint16_t(port));
        e.length = sizeof *v6;
        e.text = "[" + host + "]:" + std::to_string(port);
    } else {
        throw UsageError("--gdb-address=" + host + ": not an IPv4 or IPv6 address");
    }
    return e;
}

int parse_port(const std::string& text) {
    if (text.empty() || text.size() > 5 || text.find_first_not_of("0123456789") != std::string::npos ||
        std::stoi(text) > 65535)
        throw UsageError("--gdb-port=" + text + ": a TCP port from 1 to 65535 (0: any free one)");
    return std::stoi(text);
}

class GdbModule final : public Module, public RunObserver, public gdb::DebugTarget {
  public:
    const char* name() const override { return "gdb"; }
    std::vector<OptionSpec> options() const override {
        return {{"gdb", "", "Wait for gdb to connect (target remote) before the guest's first instruction", false},
                {"gdb-port", "PORT", "The TCP port gdb connects to (default 1234; 0: any free port, named on stderr)",
                 false},
                {"gdb-address", "ADDRESS", "The address it listens on (default 127.0.0.1: this host only)", false}};
    }

    bool configure(const ModuleRequest& request) override {
        const bool enabled = request.flags.contains("gdb");
        for (const char* flag : {"gdb-port", "gdb-address"})
            if (request.flags.contains(flag) && !enabled) throw UsageError(std::string("--") + flag + " needs --gdb");
        if (!enabled) return false;
        const auto value = [&](const char* flag, const char* otherwise) {
            auto it = request.flags.find(flag);
            return it == request.flags.end() ? std::string(otherwise) : it->second;
        };
        endpoint_ = endpoint(value("gdb-address", "127.0.0.1"),
                             parse_port(value("gdb-port", std::to_string(kDefaultPort).c_str())));
        return true;
    }

    void open(OpenContext& ctx) override {
        poll_ = &ctx.poll;
        memory_ = &ctx.memory;
        listener_.reset(::socket(endpoint_.address.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0));
        const int yes = 1;
        if (!listener_.valid() || setsockopt(listener_.get(), SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes) != 0 ||
            ::bind(listener_.get(), reinterpret_cast<const sockaddr*>(&endpoint_.address), endpoint_.length) != 0 ||
            ::listen(listener_.get(), 1) != 0)
            throw UsageError(errno_message("--gdb: cannot listen on " + endpoint_.text, errno));
        // --gdb-port=0: the kernel picks a free port, which the waiting line names.
        socklen_t length = sizeof endpoint_.address;
        if (getsockname(listener_.get(), reinterpret_cast<sockaddr*>(&endpoint_.address), &length) == 0)
            endpoint_.text = endpoint_.text.substr(0, endpoint_.text.rfind(':') + 1) +
                             std::to_string(ntohs(reinterpret_cast<sockaddr_in*>(&endpoint_.address)->sin_port));
    }

    // The debugger connects before the vCPU runs, and before the sandbox: a stop signal while
    // waiting ends the run cleanly.
    void start(StartContext& ctx) override {
        vcpu_ = &ctx.vcpu;
        control_ = &ctx.control;
        note("waiting for a debugger on " + endpoint_.text + " (gdb: target remote " + endpoint_.text + ")");
        wait_readable(listener_.get(), POLLIN);
        connection_.reset(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
        if (!connection_.valid()) throw HostError(errno_message("--gdb: accepting the debugger failed", errno));
        listener_.reset();
        const int yes = 1;
        setsockopt(connection_.get(), IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);  // one packet, one segment
        control_->interrupt_on_input(connection_.get());
        poll_->add_interrupt(connection_.get());
        resume(false);
        stub_ = std::make_unique<gdb::Stub>(*this);
    }

    void allow(SandboxPolicy& policy) const override {
        if (!connection_.valid()) return;
        ThreadPolicy& rules = policy.vcpu_thread();
        const int fd = connection_.get();
        rules.allow_on_fd(SCMP_SYS(read), fd, "gdb: the debugger's packets");
        rules.allow_on_fd(SCMP_SYS(write), fd, "gdb: replies");
        rules.allow_on_fd(SCMP_SYS(close), fd, "gdb: the debugger detached");
        rules.allow(SCMP_SYS(ppoll), "gdb: waiting for the debugger or a stop");
        poll_->allow_remove_interrupt(rules, fd);
        arch::allow_debugging(rules, vcpu_->fd());
    }

    RunObserver* observer() override { return this; }

    void started() override { serve(); }

    bool debug_exit() override {
        if (!connected()) return false;
        send_packet(stub_->stopped(kSigTrap));
        serve();
        return true;
    }

    void interrupted() override {
        if (!connected()) return;
        receive(false);
        for (auto it = events_.begin(); it != events_.end(); ++it)
            if (it->kind == gdb::PacketEvent::Kind::Interrupt) {
                events_.erase(events_.begin(), it + 1);  // what came before the Ctrl-C is stale
                send_packet(stub_->stopped(kSigInt));
                serve();
                return;
            }
        events_.clear();  // packets while the guest runs have no meaning: gdb sends none
    }

    std::string ended(const RunEnding& ending) override {
        if (!connected() || killed_) return "";
        // The debugger learns how the guest ended: "W" an exit status, "X" a signal (a fault).
        char reply[8];
        if (ending.status)
            std::snprintf(reply, sizeof reply, "W%02x", *ending.status & 0xff);
        else
            std::snprintf(reply, sizeof reply, "X%02x", kSigSegv);
        send_packet(reply);
        connection_.reset();
        return "";
    }

    // DebugTarget: the vCPU and guest memory as the stub sees them. Guests map memory 1:1, so a
    // debugger's addresses are guest-physical (docs/guest-abi.md §4).
    std::vector<uint8_t> registers() override { return arch::gdb_registers(vcpu_->fd()); }
    bool set_registers(std::span<const uint8_t> bytes) override { return arch::set_gdb_registers(vcpu_->fd(), bytes); }
    bool read_memory(uint64_t addr, std::span<uint8_t> out) override {
        try {
            const auto bytes = memory_->translate(addr, out.size());
            std::copy(bytes.begin(), bytes.end(), out.begin());
            return true;
        } catch (const GuestFault&) {
            return false;
        }
    }
    bool write_memory(uint64_t addr, std::span<const uint8_t> bytes) override {
        return memory_->debug_write(addr, bytes);
    }
    std::span<const uint8_t> breakpoint_instruction() const override { return arch::breakpoint_instruction(); }
    size_t hardware_breakpoint_slots() const override { return arch::kHardwareBreakpoints; }
    void set_hardware_breakpoints(std::span<const uint64_t> addresses) override {
        hardware_breakpoints_.assign(addresses.begin(), addresses.end());
    }

  private:
    bool connected() const { return connection_.valid(); }

    void resume(bool single_step) { arch::set_guest_debug(vcpu_->fd(), {true, single_step, hardware_breakpoints_}); }

    // Serves packets while the vCPU is stopped, until the debugger resumes it, detaches or goes.
    void serve() {
        while (connected()) {
            if (events_.empty()) {
                receive(true);
                continue;
            }
            gdb::PacketEvent event = std::move(events_.front());
            events_.pop_front();
            if (event.kind == gdb::PacketEvent::Kind::Bad) {
                send_raw("-");
                continue;
            }
            if (event.kind != gdb::PacketEvent::Kind::Packet) continue;  // Ctrl-C while stopped
            send_raw("+");
            const gdb::Stub::Answer answer = stub_->handle(event.payload);
            if (answer.reply) send_packet(answer.text);
            switch (answer.resume) {
                case gdb::Resume::Stay: break;
                case gdb::Resume::Continue: resume(false); return;
                case gdb::Resume::Step: resume(true); return;
                case gdb::Resume::Detach: disconnect("the debugger detached"); return;
                case gdb::Resume::Kill: killed_ = true; throw KilledByDebugger();
            }
        }
    }

    // Reads what the debugger sent; with `wait`, waits for it (or a stop: then the run ends).
    void receive(bool wait) {
        if (wait && !wait_readable(connection_.get(), POLLIN)) return;
        char buf[4096];
        const ssize_t n = ::read(connection_.get(), buf, sizeof buf);
        if (n > 0) {
            for (gdb::PacketEvent& e : reader_.feed({buf, size_t(n)})) events_.push_back(std::move(e));
        } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
            disconnect("the debugger went away");
        }
    }

    // Waits until `fd` is ready; a pending stop ends the run (throws). False if interrupted.
    bool wait_readable(int fd, short events) {
        pollfd fds[2] = {{fd, events, 0}, {control_->wake_fd(), POLLIN, 0}};
        const int n = ::ppoll(fds, 2, nullptr, nullptr);
        control_->check();
        return n > 0 && fds[0].revents != 0;
    }

    void send_packet(const std::string& payload) { send_raw(gdb::frame(payload)); }

    void send_raw(std::string_view bytes) {
        while (connected() && !bytes.empty()) {
            const ssize_t n = ::write(connection_.get(), bytes.data(), bytes.size());
            if (n > 0) {
                bytes.remove_prefix(size_t(n));
            } else if (n < 0 && errno == EAGAIN) {
                wait_readable(connection_.get(), POLLOUT);
            } else if (n < 0 && errno != EINTR) {
                disconnect("the debugger went away");
            }
        }
    }

    // The guest runs on as if no debugger had come: its breakpoints gone, no more debug exits.
    void disconnect(const char* why) {
        stub_->remove_breakpoints();
        arch::set_guest_debug(vcpu_->fd(), {});
        poll_->remove_interrupt(connection_.get());
        connection_.reset();
        events_.clear();
        note(std::string(why) + ": the guest runs on");
    }

    Endpoint endpoint_;
    UniqueFd listener_;
    UniqueFd connection_;
    PollSet* poll_ = nullptr;
    GuestMemory* memory_ = nullptr;
    KvmVcpu* vcpu_ = nullptr;
    RunControl* control_ = nullptr;
    std::unique_ptr<gdb::Stub> stub_;
    gdb::PacketReader reader_;
    std::deque<gdb::PacketEvent> events_;
    std::vector<uint64_t> hardware_breakpoints_;
    bool killed_ = false;
};

}  // namespace

std::unique_ptr<Module> make_gdb_module() {
    return std::make_unique<GdbModule>();
}

}  // namespace skiff
