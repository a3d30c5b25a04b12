#include <iostream>

#include "common/error.h"
#include "elf/elf_image.h"
#include "manifest/manifest.h"

int main(int argc, char** argv) {
    try {
        if (argc < 2) throw skiff::UsageError("missing UNIKERNEL operand");
        auto image = skiff::ElfImage::open(argv[1]);
        auto manifest = skiff::load_manifest(image);
        for (const auto& d : manifest.devices)
            std::cout << d.handle << " " << d.name << " " << skiff::device_type_name(d.type) << "\n";
        return 0;
    } catch (const skiff::Error& e) {
        std::cerr << "skiff: " << e.what() << "\n";
        return e.exit_code();
    }
}
