/* Device lookup in the manifest copy the tender placed in low memory (docs/guest-abi.md §2.5, §3). */
#include "bindings.h"

static const struct skiff_manifest *manifest(void)
{
    return (const struct skiff_manifest *)(uintptr_t)skiff_boot_info->mft;
}

const struct skiff_manifest_entry *skiff_manifest_entry_of(skiff_handle_t handle, uint32_t type)
{
    const struct skiff_manifest *m = manifest();
    if (handle == 0 || handle >= m->entries || handle >= SKIFF_MANIFEST_MAX_ENTRIES)
        return NULL;
    const struct skiff_manifest_entry *e = &m->e[handle];
    return e->type == type && e->attached ? e : NULL;
}

const struct skiff_manifest_entry *skiff_manifest_find(const char *name, uint32_t type, skiff_handle_t *handle)
{
    const struct skiff_manifest *m = manifest();
    if (name == NULL)
        return NULL;
    for (uint32_t i = 1; i < m->entries && i < SKIFF_MANIFEST_MAX_ENTRIES; i++) {
        const struct skiff_manifest_entry *e = &m->e[i];
        if (e->type == type && e->attached && strcmp(e->name, name) == 0) {
            *handle = i;
            return e;
        }
    }
    return NULL;
}
