// Factories of the optional modules; each exists only when its module is compiled in.
#pragma once

#include <memory>

#include "modules/module.h"

namespace skiff {

#ifdef SKIFF_MODULE_NET
std::unique_ptr<DeviceModule> make_net_module();
#endif
#ifdef SKIFF_MODULE_BLOCK
std::unique_ptr<DeviceModule> make_block_module();
#endif

}  // namespace skiff
