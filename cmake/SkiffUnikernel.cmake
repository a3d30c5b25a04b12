# skiff_add_unikernel: being written
