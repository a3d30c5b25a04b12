// Ending a run from outside the vCPU's own loop, cleanly: a stop signal (SIGINT, SIGTERM, SIGHUP,
// SIGXFSZ) or an I/O thread's error interrupts KVM_RUN and any POLL wait, and the vCPU thread then
// ends the run through the normal path, so devices are synced and one line is printed.
#pragma once

#include <atomic>
#include <exception>
#include <mutex>
#include <string>
#include <thread>

#include "common/error.h"
#include "common/unique_fd.h"
#include "kvm/kvm.h"

namespace skiff {

class ThreadPolicy;

// The run ended because skiff was asked to stop. Exit status 128 + the signal, as a shell reports a
// process killed by it, after every device was synced.
class Stopped : public Error {
  public:
    explicit Stopped(int signal);
    int exit_code() const override { return 128 + signal_; }

  private:
    int signal_;
};

class RunControl {
  public:
    // Installs the stop-signal handlers (process-wide; one RunControl at a time). Call it on the
    // thread that will run the vCPU, before other threads start.
    RunControl();
    ~RunControl();
    RunControl(const RunControl&) = delete;
    RunControl& operator=(const RunControl&) = delete;

    // The vCPU whose KVM_RUN a stop must interrupt; its thread is the calling thread.
    void attach(VcpuFd& vcpu);

    // From any thread: end the run with `error` (the first one wins).
    void fail(std::exception_ptr error) noexcept;
    // On the vCPU thread: throws the pending error or Stopped, if any.
    void check() const;
    // On the vCPU thread once the I/O threads are joined: throws an error that check() never threw,
    // one that came after the guest's last exit (it halted meanwhile) or after the run had ended
    // for another reason. A stop signal alone throws nothing here: the guest's ending stands.
    void check_undelivered() const;
    bool pending() const { return pending_.load(std::memory_order_acquire); }

    // A debugger's input on `fd` interrupts KVM_RUN (its Ctrl-C): the kernel signals the vCPU thread
    // (SIGIO) when `fd` becomes readable, and the run loop's observers look (Interrupted exit). Makes
    // `fd` non-blocking.
    void interrupt_on_input(int fd);

    // Readable once a stop is pending: blocking waits on the vCPU thread (POLL) include it.
    int wake_fd() const { return wake_.get(); }

    // What a thread needs to stop the run: arm the wake-up, and from an I/O thread signal the vCPU
    // thread. The vCPU thread itself (its signal handler) needs the first only.
    void allow_vcpu_thread(ThreadPolicy& rules) const;
    void allow_io_thread(ThreadPolicy& rules) const;

  private:
    static void on_signal(int signal);
    [[noreturn]] void throw_error() const;  // error_mutex_ held
    void request_stop() noexcept;

    UniqueFd wake_;
    std::atomic<bool> pending_{false};
    std::atomic<int> signal_{0};
    mutable std::mutex error_mutex_;
    std::exception_ptr error_;
    mutable bool error_thrown_ = false;  // by check() or check_undelivered(); guarded by error_mutex_
    std::atomic<uint8_t*> immediate_exit_{nullptr};
    int pid_ = 0;
    int vcpu_tid_ = 0;
    std::thread::id vcpu_thread_;
};

// "SIGTERM": a signal's name for messages.
std::string signal_name(int signal);

}  // namespace skiff
