// The modules compiled into this binary. Each factory exists only when its module is in
// SKIFF_MODULES (src/tender.cmake), so a module left out is not even linked.
#include "modules/module.h"
#include "skiff_modules.h"

namespace skiff {

#define SKIFF_DECLARE_MODULE(name) std::unique_ptr<Module> make_##name##_module();
#define SKIFF_ADD_MODULE(name) modules.push_back(make_##name##_module());

SKIFF_MODULE_LIST(SKIFF_DECLARE_MODULE)

ModuleList compiled_modules() {
    ModuleList modules;
    SKIFF_MODULE_LIST(SKIFF_ADD_MODULE)
    return modules;
}

}  // namespace skiff
