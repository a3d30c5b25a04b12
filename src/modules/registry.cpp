#include "modules/registry.h"

namespace skiff {

const std::string* DeviceBinding::value(const std::string& flag) const {
    auto it = values.find(flag);
    return it == values.end() ? nullptr : &it->second;
}

ModuleList compiled_modules() {
    ModuleList modules;
#ifdef SKIFF_MODULE_NET
    modules.push_back(make_net_module());
#endif
#ifdef SKIFF_MODULE_BLOCK
    modules.push_back(make_block_module());
#endif
    return modules;
}

}  // namespace skiff
