// confine: starts a program the way urunc starts its monitor, for the orchestrator contract tests.
//   confine [--syscalls FILE] [--uid N] [--tap NAME:FD] -- PROGRAM ARGS...
// --tap opens the tap NAME (IFF_TAP | IFF_NO_PI) as fd FD, left open across exec (solo5-hvt's
// --net:NAME=@FD); --uid switches to that user and group with no supplementary groups; --syscalls
// applies a seccomp filter allowing exactly the system calls FILE lists (whitespace-separated names,
// # comments) with the default action TRAP, no-new-privs and TSYNC, as urunc does. Then execve.
#include <fcntl.h>
#include <grp.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <seccomp.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

extern char** environ;

namespace {

[[noreturn]] void die(const std::string& what) {
    std::fprintf(stderr, "confine: %s\n", what.c_str());
    _exit(125);
}

void open_tap(const std::string& spec) {
    const size_t colon = spec.rfind(':');
    if (colon == std::string::npos) die("--tap wants NAME:FD");
    const std::string name = spec.substr(0, colon);
    const int want = std::stoi(spec.substr(colon + 1));
    const int fd = ::open("/dev/net/tun", O_RDWR);
    ifreq ifr{};
    std::strncpy(ifr.ifr_name, name.c_str(), IFNAMSIZ - 1);
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    if (fd < 0 || ioctl(fd, TUNSETIFF, &ifr) != 0) die("cannot open tap " + name + ": " + std::strerror(errno));
    if (fd != want && (dup2(fd, want) != want || close(fd) != 0)) die("cannot move the tap to fd " + spec);
}

void apply_filter(const std::string& file) {
    std::ifstream in(file);
    if (!in) die("cannot read " + file);
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_TRAP);
    std::string word;
    while (in >> word) {
        if (word.starts_with("#")) {
            std::getline(in, word);
            continue;
        }
        const int nr = seccomp_syscall_resolve_name(word.c_str());
        if (nr == __NR_SCMP_ERROR || seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0) != 0)
            die("unknown system call " + word);
    }
    if (seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 1) != 0 || seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1) != 0 ||
        seccomp_load(ctx) != 0)
        die("cannot load the filter");
    seccomp_release(ctx);
}

}  // namespace

int main(int argc, char** argv) {
    std::string syscalls, tap;
    int uid = -1;
    int i = 1;
    for (; i < argc && std::strcmp(argv[i], "--") != 0; ++i) {
        const std::string a = argv[i];
        if (i + 1 >= argc) die("missing value for " + a);
        if (a == "--syscalls")
            syscalls = argv[++i];
        else if (a == "--uid")
            uid = std::stoi(argv[++i]);
        else if (a == "--tap")
            tap = argv[++i];
        else
            die("unknown option " + a);
    }
    if (i + 1 >= argc) die("usage: confine [--syscalls FILE] [--uid N] [--tap NAME:FD] -- PROGRAM ARGS...");
    if (!tap.empty()) open_tap(tap);
    if (uid >= 0 && (setgroups(0, nullptr) != 0 || setgid(gid_t(uid)) != 0 || setuid(uid_t(uid)) != 0))
        die(std::string("cannot switch to uid ") + std::to_string(uid) + ": " + std::strerror(errno));
    if (!syscalls.empty()) apply_filter(syscalls);
    execvp(argv[i + 1], argv + i + 1);
    die(std::string("cannot run ") + argv[i + 1] + ": " + std::strerror(errno));
}
