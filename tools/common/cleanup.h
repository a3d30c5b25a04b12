// Ending a tool cleanly whatever ends it. A stop signal (SIGINT, SIGTERM, SIGHUP) only sets a flag;
// the tool's waits turn it into an Interrupted exception, so destructors remove what was made (taps,
// scratch directories, children and their groups) and the tool exits 128 + the signal. A crash
// (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT) runs the registered emergency actions, best effort,
// before the process dies of it.
#pragma once

#include <functional>
#include <stdexcept>
#include <string>

namespace skiff::tools {

class Interrupted : public std::runtime_error {
  public:
    explicit Interrupted(int signal);
    int signal() const { return signal_; }

  private:
    int signal_;
};

// Crash signals run the emergency actions (installed once per process; EmergencyCleanup does it).
void install_crash_cleanup();
// Stop signals set the flag instead of ending the process: for tools whose waits check it.
void install_stop_handlers();
// The stop signal received so far, or 0.
int stop_signal();
// Throws Interrupted if a stop signal arrived.
void throw_if_stopped();

// An emergency action for as long as it lives: run if the process crashes meanwhile.
class EmergencyCleanup {
  public:
    explicit EmergencyCleanup(std::function<void()> action);
    ~EmergencyCleanup();
    EmergencyCleanup(const EmergencyCleanup&) = delete;
    EmergencyCleanup& operator=(const EmergencyCleanup&) = delete;

  private:
    int slot_;
};

}  // namespace skiff::tools
