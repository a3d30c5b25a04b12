// skiff-elftool, run as the built binary: gen-manifest output compiled and linked with the host
// compiler and read back with query-manifest; every bad input refused with one line and no file.
#include <gelf.h>
#include <libelf.h>
#include <sys/wait.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "elf/elf_image.h"
#include "elf_builder.h"

namespace skiff {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using test::Bytes;

struct Result {
    int status;
    std::string out;
    std::string err;
};

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

void spit(const fs::path& p, const std::string& text) {
    std::ofstream(p, std::ios::binary) << text;
}

std::string quote(const std::string& s) {
    std::string q = "'";
    for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

size_t line_count(const std::string& s) {
    return static_cast<size_t>(std::count(s.begin(), s.end(), '\n'));
}

json manifest_json(const std::vector<std::pair<std::string, std::string>>& devices) {
    json list = json::array();
    for (const auto& [name, type] : devices) list.push_back({{"name", name}, {"type", type}});
    return {{"type", "solo5.manifest"}, {"version", 1}, {"devices", list}};
}

json many_devices(int n) {
    std::vector<std::pair<std::string, std::string>> devices;
    for (int i = 0; i < n; ++i) devices.emplace_back("dev" + std::to_string(i), i % 3 ? "NET_BASIC" : "BLOCK_BASIC");
    return manifest_json(devices);
}

constexpr const char* kStartC = "void _start(void) { for (;;) __asm__ volatile(\"hlt\"); }\n";

constexpr const char* kAbiNoteC = R"(#include "skiff/abi/note.h"
const struct skiff_abi_note skiff_abi_note __attribute__((section(".note.solo5.abi"), aligned(4), used)) = {
    .h = {.n_namesz = SKIFF_NOTE_NAMESZ, .n_descsz = sizeof(struct skiff_abi_info),
          .n_type = SKIFF_NOTE_TYPE_ABI, .n_name = SKIFF_NOTE_NAME},
    .payload = {.abi_target = SKIFF_ABI_TARGET_HVT, .abi_version = SKIFF_ABI_VERSION}};
)";

class Elftool : public ::testing::Test {
  protected:
    void SetUp() override {
        ASSERT_STRNE(SKIFF_ELFTOOL_PATH, "") << "skiff-elftool is not part of this build";
        std::string pattern = (fs::temp_directory_path() / "skiff-elftool-test.XXXXXX").string();
        ASSERT_NE(mkdtemp(pattern.data()), nullptr);
        dir_ = pattern;
    }
    void TearDown() override { fs::remove_all(dir_); }

    fs::path path(const std::string& name) const { return dir_ / name; }

    // Runs skiff-elftool with `args` (already quoted), stdin from `stdin_file` if given.
    Result run(const std::string& args, const std::string& stdin_file = "") const {
        std::string cmd = quote(SKIFF_ELFTOOL_PATH) + " " + args + " >" + quote(path("stdout").string()) + " 2>" +
                          quote(path("stderr").string());
        if (!stdin_file.empty()) cmd += " <" + quote(stdin_file);
        int raw = std::system(cmd.c_str());
        Result r{WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, slurp(path("stdout")), slurp(path("stderr"))};
        fs::remove(path("stdout"));
        fs::remove(path("stderr"));
        return r;
    }

    static bool shell(const std::string& cmd) { return std::system((cmd + " >/dev/null 2>&1").c_str()) == 0; }

    // Compiles C source at `c` to an object file with the host compiler, against the ABI headers.
    fs::path compile(const fs::path& c) const {
        fs::path o = c;
        o.replace_extension(".o");
        const std::string cmd =
            "cc -std=c99 -Wall -Wextra -Werror -ffreestanding -fno-pie -fno-stack-protector "
            "-fno-asynchronous-unwind-tables -I " SKIFF_SOURCE_DIR "/include -c " +
            quote(c.string()) + " -o " + quote(o.string());
        EXPECT_TRUE(shell(cmd)) << cmd;
        return o;
    }

    // A static non-PIE ET_EXEC with a _start, the hvt ABI note and the manifest generated from `doc`.
    fs::path build_unikernel(const json& doc) {
        spit(path("manifest.json"), doc.dump());
        Result gen =
            run("gen-manifest " + quote(path("manifest.json").string()) + " " + quote(path("manifest.c").string()));
        EXPECT_EQ(gen.status, 0) << gen.err;
        spit(path("start.c"), kStartC);
        spit(path("abi.c"), kAbiNoteC);
        const fs::path elf = path("kernel.elf");
        const std::string cmd =
            "cc -nostdlib -static -no-pie -Wl,-Ttext-segment=0x100000 "
            "-Wl,-z,max-page-size=0x1000 -Wl,--build-id=none " +
            quote(compile(path("start.c")).string()) + " " + quote(compile(path("abi.c")).string()) + " " +
            quote(compile(path("manifest.c")).string()) + " -o " + quote(elf.string());
        EXPECT_TRUE(shell(cmd)) << cmd;
        return elf;
    }

    void write_image(const std::string& name, const Bytes& bytes) const {
        std::ofstream(path(name), std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    }

    // Files in the test directory other than the ones the test wrote itself.
    std::vector<std::string> files() const {
        std::vector<std::string> names;
        for (const auto& e : fs::directory_iterator(dir_)) names.push_back(e.path().filename().string());
        std::sort(names.begin(), names.end());
        return names;
    }

    void expect_round_trip(const json& doc) {
        const fs::path elf = build_unikernel(doc);
        Result q = run("query-manifest " + quote(elf.string()));
        ASSERT_EQ(q.status, 0) << q.err;
        EXPECT_EQ(q.err, "");
        EXPECT_EQ(json::parse(q.out), doc);
    }

    fs::path dir_;
};

TEST_F(Elftool, RoundTripsNoDevices) {
    expect_round_trip(manifest_json({}));
}

TEST_F(Elftool, RoundTripsOneDevice) {
    expect_round_trip(manifest_json({{"service", "NET_BASIC"}}));
}

TEST_F(Elftool, RoundTripsTwoDevicesInOrder) {
    expect_round_trip(manifest_json({{"storage", "BLOCK_BASIC"}, {"storage", "NET_BASIC"}}));
}

TEST_F(Elftool, RoundTrips63Devices) {
    expect_round_trip(many_devices(63));
}

TEST_F(Elftool, QueryManifestPrintsPrettyJson) {
    const fs::path elf = build_unikernel(manifest_json({{"a", "NET_BASIC"}}));
    EXPECT_EQ(run("query-manifest " + quote(elf.string())).out,
              "{\n  \"type\": \"solo5.manifest\",\n  \"version\": 1,\n  \"devices\": [\n    {\n      \"name\": \"a\",\n"
              "      \"type\": \"NET_BASIC\"\n    }\n  ]\n}\n");
}

TEST_F(Elftool, QueryAbiPrintsTargetAndVersion) {
    const fs::path elf = build_unikernel(manifest_json({}));
    Result q = run("query-abi " + quote(elf.string()));
    ASSERT_EQ(q.status, 0) << q.err;
    EXPECT_EQ(json::parse(q.out), json::parse(R"({"type":"solo5.abi","target":"hvt","version":2,"machine":"x86_64"})"));
}

TEST_F(Elftool, QueryAbiNamesOtherTargets) {
    test::ElfBuilder b;
    b.load(0x100000, 0x1000, PF_R | PF_X);
    b.notes({test::abi_note(6, 1)});
    write_image("xen.elf", b.build());
    Result q = run("query-abi " + quote(path("xen.elf").string()));
    ASSERT_EQ(q.status, 0) << q.err;
    EXPECT_EQ(json::parse(q.out), json::parse(R"({"type":"solo5.abi","target":"xen","version":1,"machine":"x86_64"})"));
}

// The linked image's manifest note holds exactly the bytes of docs/guest-abi.md §2.3, and the section
// in the object file is SHT_NOTE.
TEST_F(Elftool, GeneratedNoteMatchesTheBinaryLayout) {
    const fs::path elf = build_unikernel(manifest_json({{"disk", "BLOCK_BASIC"}, {"net", "NET_BASIC"}}));
    const ElfImage image = ElfImage::open(elf);
    const ElfNote* found = nullptr;
    for (const ElfNote& n : image.notes())
        if (n.name == "Solo5" && n.type == SKIFF_NOTE_TYPE_MANIFEST) found = &n;
    ASSERT_NE(found, nullptr);
    const Bytes expected = test::manifest_note(test::manifest_payload(
        test::manifest_entries({{"disk", SKIFF_DEV_BLOCK_BASIC}, {"net", SKIFF_DEV_NET_BASIC}})));
    EXPECT_EQ(found->desc.size(), SKIFF_MANIFEST_NOTE_DESCSZ(3));
    EXPECT_EQ(Bytes(found->desc.begin(), found->desc.end()), Bytes(expected.begin() + 20, expected.end()));

    ASSERT_EQ(elf_version(EV_CURRENT), EV_CURRENT);
    std::string object = slurp(path("manifest.o"));
    Elf* e = elf_memory(object.data(), object.size());
    ASSERT_NE(e, nullptr);
    size_t shstrndx = 0;
    ASSERT_EQ(elf_getshdrstrndx(e, &shstrndx), 0);
    bool seen = false;
    for (Elf_Scn* scn = elf_nextscn(e, nullptr); scn; scn = elf_nextscn(e, scn)) {
        GElf_Shdr sh;
        gelf_getshdr(scn, &sh);
        if (std::string(elf_strptr(e, shstrndx, sh.sh_name)) != ".note.solo5.manifest") continue;
        seen = true;
        EXPECT_EQ(sh.sh_type, static_cast<unsigned>(SHT_NOTE));
        EXPECT_EQ(sh.sh_size, 32u + 104u * 3);
        EXPECT_EQ(sh.sh_addralign, 4u);
    }
    elf_end(e);
    EXPECT_TRUE(seen);
}

TEST_F(Elftool, ReadsStdinAndWritesStdout) {
    spit(path("in.json"), manifest_json({{"a", "BLOCK_BASIC"}}).dump());
    Result r = run("gen-manifest - -", path("in.json").string());
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("#include \"skiff/abi/manifest.h\""), std::string::npos);
    EXPECT_NE(r.out.find("{.name = \"a\", .type = SKIFF_DEV_BLOCK_BASIC}"), std::string::npos);
    EXPECT_NE(r.out.find("section(\".note.solo5.manifest\")"), std::string::npos);
}

TEST_F(Elftool, QueryManifestWorksWithoutAbiNote) {
    test::ElfBuilder b;
    b.load(0x100000, 0x1000, PF_R | PF_X);
    b.notes({test::manifest_note(test::manifest_payload(test::manifest_entries({{"n", SKIFF_DEV_NET_BASIC}})))});
    write_image("noabi.elf", b.build());
    Result q = run("query-manifest " + quote(path("noabi.elf").string()));
    ASSERT_EQ(q.status, 0) << q.err;
    EXPECT_EQ(json::parse(q.out), manifest_json({{"n", "NET_BASIC"}}));
    Result a = run("query-abi " + quote(path("noabi.elf").string()));
    EXPECT_EQ(a.status, 1);
    EXPECT_EQ(a.err, "skiff-elftool: " + path("noabi.elf").string() + ": no Solo5 ABI note found in executable\n");
}

TEST_F(Elftool, QueryRejectsNonElfInOneLine) {
    spit(path("junk"), std::string(100, 'x'));
    for (const char* cmd : {"query-manifest ", "query-abi "}) {
        Result q = run(cmd + quote(path("junk").string()));
        EXPECT_EQ(q.status, 1);
        EXPECT_EQ(q.out, "");
        EXPECT_EQ(q.err, "skiff-elftool: " + path("junk").string() + ": not an ELF file\n");
    }
}

TEST_F(Elftool, QueryManifestReportsMissingManifest) {
    test::ElfBuilder b;
    b.load(0x100000, 0x1000, PF_R | PF_X);
    write_image("bare.elf", b.build());
    Result q = run("query-manifest " + quote(path("bare.elf").string()));
    EXPECT_EQ(q.status, 1);
    EXPECT_EQ(q.err, "skiff-elftool: " + path("bare.elf").string() + ": no Solo5 manifest found in executable\n");
}

TEST_F(Elftool, KeepsAnExistingOutputOnError) {
    spit(path("out.c"), "previous");
    spit(path("bad.json"), "{}");
    Result r = run("gen-manifest " + quote(path("bad.json").string()) + " " + quote(path("out.c").string()));
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(slurp(path("out.c")), "previous");
    EXPECT_EQ(files(), (std::vector<std::string>{"bad.json", "out.c"}));
}

TEST_F(Elftool, ReportsUnreadableInput) {
    Result r = run("gen-manifest " + quote(path("missing.json").string()) + " " + quote(path("out.c").string()));
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.err, "skiff-elftool: " + path("missing.json").string() + ": No such file or directory\n");
    EXPECT_TRUE(files().empty());
}

TEST_F(Elftool, PrintsVersionAndHelp) {
    Result v = run("--version");
    EXPECT_EQ(v.status, 0);
    EXPECT_EQ(v.out.rfind("skiff-elftool ", 0), 0u) << v.out;
    Result h = run("--help");
    EXPECT_EQ(h.status, 0);
    for (const char* sub : {"gen-manifest", "query-manifest", "query-abi"})
        EXPECT_NE(h.out.find(sub), std::string::npos);
}

TEST_F(Elftool, RequiresASubcommand) {
    Result r = run("");
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(line_count(r.err), 1u);
    EXPECT_EQ(r.err.rfind("skiff-elftool: ", 0), 0u);
}

// One bad JSON source and the end of the one line skiff-elftool prints for it.
struct BadSource {
    const char* label;
    std::string json;
    std::string message;  // after "skiff-elftool: <file>: "
};

class ElftoolBadSource : public Elftool, public ::testing::WithParamInterface<BadSource> {};

TEST_P(ElftoolBadSource, FailsWithOneLineAndNoOutput) {
    spit(path("m.json"), GetParam().json);
    Result r = run("gen-manifest " + quote(path("m.json").string()) + " " + quote(path("out.c").string()));
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err, "skiff-elftool: " + path("m.json").string() + ": " + GetParam().message + "\n");
    EXPECT_EQ(files(), std::vector<std::string>{"m.json"});  // neither out.c nor a temporary file
}

std::string with_device(const std::string& device) {
    return R"({"type":"solo5.manifest","version":1,"devices":[)" + device + "]}";
}

const BadSource kBadSources[] = {
    {"SyntaxError", "{\"type\": ",
     "not valid JSON: line 1, column 10: syntax error while parsing value - unexpected end of input; "
     "expected '[', '{', or a literal"},
    {"RootNotObject", "[]", ".: must be an object"},
    {"MissingType", R"({"version":1,"devices":[]})", ".type: missing required key"},
    {"MissingVersion", R"({"type":"solo5.manifest","devices":[]})", ".version: missing required key"},
    {"MissingDevices", R"({"type":"solo5.manifest","version":1})", ".devices: missing required key"},
    {"UnknownRootKey", R"({"type":"solo5.manifest","version":1,"devices":[],"extra":0})", ".extra: unknown key"},
    {"DuplicateRootKey", R"({"type":"solo5.manifest","version":1,"version":1,"devices":[]})",
     ".version: key given more than once"},
    {"WrongTypeValue", R"({"type":"solo5.abi","version":1,"devices":[]})", ".type: must be \"solo5.manifest\""},
    {"TypeNotString", R"({"type":1,"version":1,"devices":[]})", ".type: must be a string"},
    {"VersionNotInteger", R"({"type":"solo5.manifest","version":"1","devices":[]})", ".version: must be an integer"},
    {"VersionFloat", R"({"type":"solo5.manifest","version":1.0,"devices":[]})", ".version: must be an integer"},
    {"VersionTwo", R"({"type":"solo5.manifest","version":2,"devices":[]})",
     ".version: unsupported version 2, must be 1"},
    {"DevicesNotArray", R"({"type":"solo5.manifest","version":1,"devices":{}})", ".devices: must be an array"},
    {"DeviceNotObject", with_device(R"("net0")"), ".devices[0]: must be an object"},
    {"UnknownDeviceKey", with_device(R"({"name":"a","type":"NET_BASIC","mac":"x"})"), ".devices[0].mac: unknown key"},
    {"MissingDeviceName", with_device(R"({"type":"NET_BASIC"})"), ".devices[0].name: missing required key"},
    {"MissingDeviceType", with_device(R"({"name":"a"})"), ".devices[0].type: missing required key"},
    {"DuplicateDeviceKey", with_device(R"({"name":"a","type":"NET_BASIC","name":"b"})"),
     ".devices[0].name: key given more than once"},
    {"NameNotString", with_device(R"({"name":7,"type":"NET_BASIC"})"), ".devices[0].name: must be a string"},
    {"EmptyName", with_device(R"({"name":"","type":"NET_BASIC"})"),
     ".devices[0].name: must be 1-67 characters of [A-Za-z0-9]"},
    {"NameWithDash", with_device(R"({"name":"ok","type":"NET_BASIC"},{"name":"net-0","type":"NET_BASIC"})"),
     ".devices[1].name: must be 1-67 characters of [A-Za-z0-9]"},
    {"NameTooLong", with_device(R"({"name":")" + std::string(68, 'a') + R"(","type":"BLOCK_BASIC"})"),
     ".devices[0].name: must be 1-67 characters of [A-Za-z0-9]"},
    {"TypeNotStringInDevice", with_device(R"({"name":"a","type":2})"), ".devices[0].type: must be a string"},
    {"UnknownDeviceType", with_device(R"({"name":"a","type":"RESERVED_FIRST"})"),
     ".devices[0].type: unknown device type \"RESERVED_FIRST\" (BLOCK_BASIC or NET_BASIC)"},
    {"DuplicateName",
     with_device(R"({"name":"a","type":"NET_BASIC"},{"name":"b","type":"NET_BASIC"},)"
                 R"({"name":"a","type":"NET_BASIC"})"),
     ".devices[2].name: duplicate NET_BASIC device \"a\" (also .devices[0])"},
    {"TooManyDevices", many_devices(64).dump(), ".devices[]: too many entries, maximum 63"},
};

INSTANTIATE_TEST_SUITE_P(Elftool, ElftoolBadSource, ::testing::ValuesIn(kBadSources),
                         [](const auto& info) { return std::string(info.param.label); });

}  // namespace
}  // namespace skiff
