#include "modules/module_set.h"

#include <exception>

#include "modules/device_bindings.h"

namespace skiff {

ModuleSet::ModuleSet(ModuleList compiled) : compiled_(std::move(compiled)) {}

ModuleSet::~ModuleSet() {
    try {
        stop();
    } catch (...) {
        // Reported by the explicit stop() on every path that can report; here only unwinding.
    }
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

void ModuleSet::stop() {
    std::exception_ptr first;
    while (opened_ > 0) {
        try {
            enabled_[--opened_]->stop();
        } catch (...) {
            if (!first) first = std::current_exception();
        }
    }
    if (first) std::rethrow_exception(first);
}

}  // namespace skiff
