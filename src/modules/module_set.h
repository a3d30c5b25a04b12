// The phases of a module's lifecycle (src/modules/module.h), run over the enabled modules in order
// and stopped in reverse, so main() names none of them.
#pragma once

#include <exception>
#include <string>
#include <vector>

#include "memory/layout.h"
#include "modules/module.h"

namespace skiff {

class ModuleSet {
  public:
    explicit ModuleSet(ModuleList compiled);
    ~ModuleSet();  // stops what was opened, if stop() was not called
    ModuleSet(const ModuleSet&) = delete;
    ModuleSet& operator=(const ModuleSet&) = delete;

    const ModuleList& compiled() const { return compiled_; }

    // configure: the operator's options checked against the manifest, each module's typed
    // configuration made. UsageError at the first problem; nothing is opened.
    void configure(const std::string& image, const Manifest& manifest, const std::vector<ModuleOption>& options);
    // reserve: the sizes the enabled modules asked for, in module order.
    std::vector<uint64_t> reservations() const;
    // open: each enabled module gets its reservation's GPA from `layout`.
    void open(OpenContext context, const MemoryLayout& layout);
    void start(StartContext& context);
    void allow(SandboxPolicy& policy) const;
    // The enabled modules that watch the run.
    std::vector<RunObserver*> observers();
    // stop: every opened module, in reverse order, even if one fails; then throws the first failure,
    // else an error a module's thread gave `control` that the run never threw (the guest halted
    // before the run loop saw it): nothing a module's thread found is lost.
    void stop(const RunControl& control);

  private:
    std::exception_ptr stop_modules();  // the first failure, if any
    ModuleList compiled_;
    std::vector<Module*> enabled_;
    size_t opened_ = 0;
};

}  // namespace skiff
