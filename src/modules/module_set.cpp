#include "modules/module_set.h"

#include <exception>

#include "modules/device_bindings.h"
#include "vcpu/run_control.h"

namespace skiff {

ModuleSet::ModuleSet(ModuleList compiled) : compiled_(std::move(compiled)) {}

ModuleSet::~ModuleSet() {
    (void)stop_modules();  // reported by the explicit stop() on every path that can report; here only unwinding
}

void ModuleSet::configure(const std::string& image, const Manifest& manifest,
                          const std::vector<ModuleOption>& options) {
    for (ModuleRequests& entry : bind_options(image, manifest, options, compiled_))
        if (entry.module->configure(entry.request)) enabled_.push_back(entry.module);
}

std::vector<uint64_t> ModuleSet::reservations() const {
    std::vector<uint64_t> sizes;
    for (const Module* m : enabled_)
        if (const uint64_t size = m->reservation()) sizes.push_back(size);
    return sizes;
}

void ModuleSet::open(OpenContext context, const MemoryLayout& layout) {
    size_t next_reservation = 0;
    for (Module* m : enabled_) {
        context.reservation = m->reservation() ? layout.reservations.at(next_reservation++) : 0;
        ++opened_;  // a module that fails half-way still gets stop() for what it opened
        m->open(context);
    }
}

void ModuleSet::start(StartContext& context) {
    for (Module* m : enabled_) m->start(context);
}

void ModuleSet::allow(SandboxPolicy& policy) const {
    for (const Module* m : enabled_) m->allow(policy);
}

std::vector<RunObserver*> ModuleSet::observers() {
    std::vector<RunObserver*> all;
    for (Module* m : enabled_)
        if (RunObserver* o = m->observer()) all.push_back(o);
    return all;
}

void ModuleSet::stop(const RunControl& control) {
    if (const std::exception_ptr first = stop_modules()) std::rethrow_exception(first);
    control.check_undelivered();
}

std::exception_ptr ModuleSet::stop_modules() {
    std::exception_ptr first;
    while (opened_ > 0) {
        try {
            enabled_[--opened_]->stop();
        } catch (...) {
            if (!first) first = std::current_exception();
        }
    }
    return first;
}

}  // namespace skiff
