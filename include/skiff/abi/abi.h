/* skiff guest ABI, binary-compatible with Solo5's hvt ABI version 2 (see docs/guest-abi.md). */
#ifndef SKIFF_ABI_ABI_H
#define SKIFF_ABI_ABI_H
#include "boot.h"
#include "hypercall.h"
#include "manifest.h"
#include "note.h"
#include "ring.h"
#endif
