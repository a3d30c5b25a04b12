// skiff-bench: skiff against the physical limit. Builds nothing; times what BUILD_DIR holds
// (src/skiff, examples/hello/hello.elf, tests/bench/bench_*), and prints one table.
//
// Every ratio compares two things measured side by side, interleaved, in this run:
//   boot       exec of `skiff hello.elf` to exit   vs bench_floor (open KVM, VM, vCPU, 512 MiB lazily,
//              and of `skiff bench_halt.elf`       long mode, one OUT, HLT); plus skiff's phases from
//              (HALT first, the floor's guest work) SKIFF_TRACE_SETUP=1; runs rotated every repetition
//   hypercall  bench_hypercall.elf: N WALLTIME     vs bench_floor N: N bare PIO (x86_64) or MMIO (aarch64)
//                                                 exits (per exit)
//   block      bench_block.elf, 4 KiB, 64 KiB and 1 MiB, seq/rand, read/write, 4096-byte blocks:
//              raw hypercall QD1, and skiff_block_submit through the block ring QD1 and QD32
//              (batches of 32)                     vs bench_hostio, same file and offsets: pread/
//                                                  pwrite QD1, io_uring QD32 for the QD32 rows
//                                                  ("skipped" without liburing or io_uring)
//   net        bench_net.elf tx/rx, 64 B and 1500 B frames over a tap, with ring I/O
//              (docs/guest-abi.md §6) and with `--skiff:no-ring` (one hypercall per frame)
//                                                  vs bench_hostio writing/reading the same tap
//              (needs root: a tap skb<pid> is created with `ip tuntap` and deleted afterwards)
//   scale      skiff start-up with 63 vs 1 declared (and bound) block devices; 8 for reference; with a
//              20 MiB image and with --mem=4096, each against an empty guest with 512 MiB
//   footprint  skiff's peak RSS with 512 MiB of guest memory, binary size, trusted lines of code
// Ratios are "skiff / floor" for times and throughputs alike, so 1.0x is the floor itself.
// `--only block,net` runs only those sections (boot, hypercall, block, net, scale; footprint comes
// with boot).
// Exit status: 0, 1 when a measurement fails, 2 for bad usage, 77 without a usable /dev/kvm.
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "child_process.h"
#include "scratch_dir.h"

namespace {

#if defined(__aarch64__)
constexpr const char* kBareExit = "MMIO";
constexpr const char* kSecuritySetUp = "; what seccomp";
#else
constexpr const char* kBareExit = "PIO";
constexpr const char* kSecuritySetUp = "; what the CPUID template, MSR filter and seccomp";
#endif

namespace fs = std::filesystem;
using namespace skiff::tools;
using namespace std::chrono_literals;

constexpr int kExitSkipped = 77;
const std::set<std::string> kSections{"boot", "hypercall", "block", "net", "scale"};

struct Failed : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct Stats {
    double min = 0, median = 0;
};

Stats stats_of(std::vector<double> v) {
    if (v.empty()) return {};
    std::sort(v.begin(), v.end());
    const size_t n = v.size();
    return {v.front(), n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2};
}

std::string fmt(double value, int decimals = 1) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
    return buf;
}

std::string pair(const Stats& s) {
    return fmt(s.min) + " / " + fmt(s.median);
}

std::string ratio(double a, double b) {
    return fmt(b != 0 ? a / b : 0, 2) + "x";
}

// The number after "KEY=" in `text`.
double field(const std::string& text, const std::string& key) {
    const std::regex pattern("(^|[^a-z_])" + key + "=([0-9.]+)");
    std::smatch m;
    if (!std::regex_search(text, m, pattern)) throw Failed("no " + key + "= in: " + text);
    return std::stod(m[2]);
}

struct Row {
    std::string name, skiff, floor, ratio, notes;
};

class Bench {
  public:
    Bench(fs::path build, int reps, bool smoke, std::set<std::string> only)
        : build_(std::move(build)),
          bench_(build_ / "tests/bench"),
          reps_(reps),
          smoke_(smoke),
          only_(std::move(only)) {}

    int run() {
        for (const fs::path& f :
             {skiff(), hello(), bench_ / "bench_floor", bench_ / "bench_hostio", bench_ / "bench_hypercall.elf",
              bench_ / "bench_block.elf", bench_ / "bench_net.elf", bench_ / "bench_scale_1.elf",
              bench_ / "bench_scale_8.elf", bench_ / "bench_scale_63.elf", bench_ / "bench_empty.elf",
              bench_ / "bench_big.elf", bench_ / "bench_halt.elf"})
            if (access(f.c_str(), X_OK) != 0) throw Failed(f.string() + " missing: build it first");
        if (run_command({(bench_ / "bench_floor").string(), "1"}, 30s).status != 0) {
            std::fprintf(stderr, "skiff-bench: no usable /dev/kvm; skipped\n");
            return kExitSkipped;
        }
        if (wanted("boot")) boot();
        if (wanted("hypercall")) hypercall();
        if (wanted("block")) block();
        if (wanted("net")) net();
        if (wanted("scale")) scale();
        print();
        if (rss_kib_ > 131072) {
            std::fprintf(stderr, "skiff-bench: skiff's peak RSS (%ld KiB) suggests guest memory is pre-faulted\n",
                         rss_kib_);
            return 1;
        }
        return 0;
    }

  private:
    fs::path skiff() const { return build_ / "src/skiff"; }
    fs::path hello() const { return build_ / "examples/hello/hello.elf"; }
    int count(int full, int small) const { return smoke_ ? small : full; }
    bool wanted(const std::string& section) const { return only_.empty() || only_.contains(section); }

    // Runs argv to its end; its stdout, or Failed with what it said.
    Completed must_run(const std::vector<std::string>& argv, const std::vector<std::string>& env = {}) {
        Completed c = run_command(argv, 120s, ChildOptions{.separate_stderr = true, .uid = -1, .env = env});
        if (c.status != 0 || c.timed_out)
            throw Failed("failed (status " + std::to_string(c.status) + "): " + argv[0] + ": " + c.out + c.err);
        return c;
    }
    // Wall time of exec to exit in µs (fork and exec included, the same for skiff and the floor).
    double timed_us(const std::vector<std::string>& argv, Completed* result = nullptr,
                    const std::vector<std::string>& env = {}) {
        const auto t0 = Clock::now();
        Completed c = must_run(argv, env);
        const double us = std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
        if (result) *result = std::move(c);
        return us;
    }

    void row(std::string name, const Stats& skiff, const Stats& floor, std::string notes) {
        rows_.push_back(
            {std::move(name), pair(skiff), pair(floor), ratio(skiff.median, floor.median), std::move(notes)});
    }
    static std::string over(const Stats& a, const Stats& b) {
        const double d = a.median - b.median;
        return (d >= 0 ? "+" : "") + fmt(d, 0) + " us over the floor (median)";
    }

    // Own time (exec to exit, less the guest-run phase) of one traced skiff run.
    double own_time_us(std::vector<std::string> argv, std::map<std::string, std::vector<double>>* phases = nullptr,
                       std::vector<std::string>* order = nullptr, double* total = nullptr) {
        Completed traced;
        const double s = timed_us(argv, &traced, {"SKIFF_TRACE_SETUP=1"});
        if (total) *total = s;
        std::istringstream lines(traced.err);
        std::string line;
        double guest_run = 0;
        static const std::regex trace(R"(skiff: setup-trace: (\S+) ([0-9.]+) us)");
        for (std::smatch m; std::getline(lines, line);) {
            if (!std::regex_search(line, m, trace)) continue;
            if (phases) {
                if (!phases->contains(m[1])) order->push_back(m[1]);
                (*phases)[m[1]].push_back(std::stod(m[2]));
            }
            if (m[1] == "guest-run") guest_run = std::stod(m[2]);
        }
        return s - guest_run;
    }

    // Each repetition runs the floor and the skiff variants once, starting one further along each
    // time: a run pays for what the previous one left behind (kernel teardown work, text patching
    // when the last vCPU goes), so a fixed order would favour whoever comes first.
    void boot() {
        std::vector<double> total_s, total_f, own_s, own_f, own_halt, own_bare;
        std::map<std::string, std::vector<double>> phases;
        std::vector<std::string> order;
        const std::vector<std::function<void()>> runs = {
            [&] {
                Completed floor;
                const double f = timed_us({(bench_ / "bench_floor").string(), "1", "512"}, &floor);
                total_f.push_back(f);
                own_f.push_back(f - field(floor.out, "run_ns") / 1000);
            },
            [&] {
                double total = 0;
                own_s.push_back(own_time_us({skiff().string(), hello().string()}, &phases, &order, &total));
                total_s.push_back(total);
            },
            [&] {
                own_halt.push_back(own_time_us({skiff().string(), (bench_ / "bench_halt.elf").string()}));
            },
            [&] {
                own_bare.push_back(own_time_us({skiff().string(), "--cpu=host", "--no-sandbox", hello().string()}));
            },
        };
        for (int r = 0; r < reps_; ++r)
            for (size_t i = 0; i < runs.size(); ++i) runs[(size_t(r) + i) % runs.size()]();
        const Stats ts = stats_of(total_s), tf = stats_of(total_f), os = stats_of(own_s), of = stats_of(own_f);
        const Stats halt = stats_of(own_halt), bare = stats_of(own_bare);
        row("boot: exec to exit (us)", ts, tf, over(ts, tf));
        row("boot: same, less guest run time (us)", os, of, over(os, of) + "; target <= 1.2x");
        row("boot: same, guest = HALT first, as the floor's (us)", halt, of, over(halt, of) + "; target <= 1.2x");
        row("boot: hello, --cpu=host --no-sandbox (us)", bare, of,
            over(bare, of) + std::string(kSecuritySetUp) + " cost: " + fmt(os.median - bare.median, 0) + " us");
        for (const std::string& name : order)
            rows_.push_back({"  skiff phase: " + name + " (us)", pair(stats_of(phases[name])), "", "", ""});

        // Lazy guest memory: peak RSS of skiff and the floor, both with 512 MiB of guest memory.
        rss_kib_ = must_run({skiff().string(), "--mem=512", hello().string()}).max_rss_kib;
        floor_rss_kib_ = long(field(must_run({(bench_ / "bench_floor").string(), "1", "512"}).out, "vmhwm_kib"));
    }

    void hypercall() {
        const int n = count(20000, 200);
        std::vector<double> s, f;
        for (int r = 0; r < reps_; ++r) {
            f.push_back(
                field(must_run({(bench_ / "bench_floor").string(), std::to_string(n), "512"}).out, "ns_per_exit"));
            s.push_back(
                field(must_run({skiff().string(), (bench_ / "bench_hypercall.elf").string(), std::to_string(n)}).out,
                      "ns") /
                n);
        }
        row(std::string("hypercall: WALLTIME vs bare ") + kBareExit + " (ns)", stats_of(s), stats_of(f),
            "N=" + std::to_string(n) + " per rep; target <= 1.10x");
    }

    // The guest's block throughput (MB/s) for one run of bench_block.elf; `ring` says whether the
    // run must have used the block ring.
    double guest_block(const fs::path& disk, const std::vector<std::string>& work, double bytes, bool ring) {
        std::vector<std::string> argv{skiff().string(), "--block:disk=" + disk.string(),
                                      "--block-sector-size:disk=4096", (bench_ / "bench_block.elf").string()};
        argv.insert(argv.end(), work.begin(), work.end());
        const std::string out = must_run(argv).out;
        if ((field(out, "ring") == 1) != ring)
            throw Failed(std::string("bench_block ") + (ring ? "did not use" : "used") + " the block ring: " + out);
        return bytes / field(out, "ns") * 1000;
    }

    void block() {
        const fs::path disk = scratch_.path() / "disk.img";
        fs::resize_file(create(disk), 64 << 20);
        const std::string hostio = (bench_ / "bench_hostio").string();
        must_run({hostio, "block", disk.string(), "write", "seq", "65536", "1024"});  // allocate every block once
        constexpr int kQd = 32;
        // bench_hostio says "skipped: WHY" (status 77) without liburing or io_uring.
        std::string uring_skipped;
        const Completed probe =
            run_command({hostio, "block", disk.string(), "read", "seq", "4096", "1", std::to_string(kQd)}, 30s);
        if (probe.status == kExitSkipped)
            uring_skipped = probe.out.substr(0, probe.out.find('\n'));
        else if (probe.status != 0)
            throw Failed("bench_hostio io_uring probe failed: " + probe.out);
        for (int size : {4096, 65536, 1 << 20}) {
            // About 8, 25 and 64 MiB a run: slow guest code on kvm-pvm makes small requests costly.
            const int n = size == 4096 ? count(2000, 20) : size == 65536 ? count(400, 5) : count(64, 2);
            const std::string label = size < (1 << 20) ? std::to_string(size / 1024) + " KiB" : "1 MiB";
            const std::string target = size >= 65536 ? "; target >= 0.90x" : "";
            for (const char* op : {"read", "write"})
                for (const char* pattern : {"seq", "rand"}) {
                    std::vector<double> hc, ring1, ring32, sync_qd1, uring;
                    const double bytes = double(size) * n;
                    const std::vector<std::string> work{op, pattern, std::to_string(size), std::to_string(n)};
                    auto with = [&work](std::vector<std::string> front) {
                        front.insert(front.end(), work.begin(), work.end());
                        return front;
                    };
                    for (int r = 0; r < reps_; ++r) {
                        std::vector<std::string> host = with({hostio, "block", disk.string()});
                        sync_qd1.push_back(bytes / field(must_run(host).out, "ns") * 1000);
                        hc.push_back(guest_block(disk, with({"hc"}), bytes, false));
                        ring1.push_back(guest_block(disk, with({"api", "qd=1"}), bytes, true));
                        if (uring_skipped.empty()) {
                            host.push_back(std::to_string(kQd));
                            uring.push_back(bytes / field(must_run(host).out, "ns") * 1000);
                        }
                        ring32.push_back(guest_block(disk, with({"api", "qd=" + std::to_string(kQd)}), bytes, true));
                    }
                    const std::string name = "block: " + label + " " + pattern + " " + op + ", ";
                    const std::string sync = op == std::string("read") ? "pread" : "pwrite";
                    // Median time per request, from the median throughput (MB/s = bytes per us).
                    auto per_request = [size](const std::vector<double>& mbps) {
                        return fmt(size / stats_of(mbps).median, 0) + " us/req";
                    };
                    const std::string per_rep = "; " + std::to_string(n) + " per rep";
                    row(name + "hc QD1 (MB/s)", stats_of(hc), stats_of(sync_qd1),
                        "vs " + sync + " QD1; one exit per request; " + per_request(hc) + per_rep + target);
                    row(name + "ring QD1 (MB/s)", stats_of(ring1), stats_of(sync_qd1),
                        "vs " + sync + " QD1; guest API code + a kick and host-thread wake-up per request; " +
                            per_request(ring1) + per_rep + target);
                    const std::string qd32_notes =
                        "guest API code per request; host I/O in io_uring rounds where skiff has io_uring; " +
                        per_request(ring32) + "; " + fmt(stats_of(ring32).median / stats_of(sync_qd1).median, 2) +
                        "x " + sync + " QD1" + per_rep + (size == 4096 ? "; target >= 0.50x" : target);
                    if (uring_skipped.empty())
                        row(name + "ring QD32 (MB/s)", stats_of(ring32), stats_of(uring),
                            "vs io_uring QD32; " + qd32_notes);
                    else
                        rows_.push_back(
                            {name + "ring QD32 (MB/s)", pair(stats_of(ring32)), uring_skipped, "", qd32_notes});
                }
        }
    }

    // A tap of our own, deleted on destruction.
    struct Tap {
        std::string name;
        explicit Tap(std::string n, int queue) : name(std::move(n)) {
            if (run_command({"ip", "tuntap", "add", name, "mode", "tap"}, 10s).status != 0)
                throw Failed("ip tuntap add " + name);
            run_command({"sysctl", "-qw", "net.ipv6.conf." + name + ".disable_ipv6=1"}, 10s);  // no host chatter
            run_command({"ip", "link", "set", name, "txqueuelen", std::to_string(queue), "up"}, 10s);
        }
        ~Tap() { run_command({"ip", "link", "del", name}, 10s); }
        bool carrier() const {
            std::ifstream in("/sys/class/net/" + name + "/carrier");
            return in.get() == '1';
        }
    };

    // Starts `receiver`, which holds the tap; injects the frames once it is attached; its output.
    std::string receive(const Tap& tap, int size, int frames, const std::vector<std::string>& receiver) {
        Child child = Child::start(receiver);
        const auto attach_by = Clock::now() + 30s;  // a loaded machine starts a guest slowly
        while (!tap.carrier()) {
            if (Clock::now() > attach_by) throw Failed("the receiver never attached to " + tap.name);
            std::this_thread::sleep_for(10ms);
        }
        std::this_thread::sleep_for(50ms);
        must_run(
            {(bench_ / "bench_hostio").string(), "inject", tap.name, std::to_string(size), std::to_string(frames)});
        const auto deadline = Clock::now() + 60s;
        while (!child.done() && Clock::now() < deadline) wait_for_any({&child}, deadline);
        if (!child.done() || child.status() != 0) throw Failed("the receiver failed: " + child.output());
        return child.output();
    }

    void net() {
        if (geteuid() != 0) {
            rows_.push_back({"net", "skipped", "(needs root and ip tuntap)", "", ""});
            return;
        }
        const int n = count(20000, 50);
        const std::string settle = smoke_ ? "50" : "300";
        const Tap tap("skb" + std::to_string(getpid()), n + 1000);  // room for every injected frame
        const std::string hostio = (bench_ / "bench_hostio").string(), guest = (bench_ / "bench_net.elf").string();
        for (int size : {64, 1500})
            for (const char* dir : {"tx", "rx"})
                for (bool ring : {true, false}) {
                    std::vector<double> g, h, mbps;
                    auto rate = [](double frames, double ns) { return frames / ns * 1e9 / 1000; };
                    for (int r = 0; r < reps_; ++r) {
                        std::vector<std::string> skiff_argv{skiff().string(), "--net:net=" + tap.name, guest};
                        if (!ring) skiff_argv.push_back("--skiff:no-ring");
                        std::string host_out, guest_out;
                        if (dir == std::string("tx")) {
                            host_out =
                                must_run({hostio, "tap-tx", tap.name, std::to_string(size), std::to_string(n)}).out;
                            skiff_argv.insert(skiff_argv.end(), {"tx", std::to_string(size), std::to_string(n)});
                            guest_out = must_run(skiff_argv).out;
                            h.push_back(rate(n, field(host_out, "ns")));
                            g.push_back(rate(n, field(guest_out, "ns")));
                            mbps.push_back(double(size) * n / field(guest_out, "ns") * 1000);
                        } else {
                            host_out = receive(tap, size, n, {hostio, "tap-rx", tap.name, std::to_string(n), settle});
                            skiff_argv.insert(skiff_argv.end(), {"rx", std::to_string(n), settle});
                            guest_out = receive(tap, size, n, skiff_argv);
                            h.push_back(rate(field(host_out, "frames"), field(host_out, "ns")));
                            g.push_back(rate(field(guest_out, "frames"), field(guest_out, "ns")));
                            mbps.push_back(field(guest_out, "bytes") / field(guest_out, "ns") * 1000);
                        }
                    }
                    const std::string label = dir == std::string("tx") ? "guest->host" : "host->guest";
                    row("net: " + label + " " + std::to_string(size) + " B " + (ring ? "ring" : "no-ring") +
                            " (kframes/s)",
                        stats_of(g), stats_of(h),
                        "guest median " + fmt(stats_of(mbps).median, 2) + " MB/s; " + std::to_string(n) + " frames");
                }
    }

    void scale() {
        // One small sparse file per device: skiff refuses one file behind two writable devices.
        std::vector<fs::path> disks;
        for (int i = 1; i <= 63; ++i) {
            disks.push_back(scratch_.path() / ("small" + std::to_string(i) + ".img"));
            fs::resize_file(create(disks.back()), 1 << 20);
        }
        std::map<int, std::vector<double>> times;
        for (int r = 0; r < reps_; ++r)
            for (int n : {1, 8, 63}) {
                std::vector<std::string> argv{skiff().string()};
                for (int i = 1; i <= n; ++i)
                    argv.push_back("--block:d" + std::to_string(i) + "=" + disks[size_t(i - 1)].string());
                argv.push_back((bench_ / ("bench_scale_" + std::to_string(n) + ".elf")).string());
                times[n].push_back(timed_us(argv));
            }
        for (int n : {8, 63})
            row("scale: start-up, " + std::to_string(n) + " vs 1 block dev (us)", stats_of(times[n]),
                stats_of(times[1]), n == 63 ? "target <= 2.00x" : "");
        image_and_memory();
    }

    // Start-up's growth with the image (20 MiB of text and data against an empty guest) and with
    // guest memory (--mem=4096 against the default 512 MiB), exec to exit.
    void image_and_memory() {
        const std::string empty = (bench_ / "bench_empty.elf").string(), big = (bench_ / "bench_big.elf").string();
        std::vector<double> small_t, big_t, mem_t;
        for (int r = 0; r < reps_; ++r) {
            small_t.push_back(timed_us({skiff().string(), empty}));
            big_t.push_back(timed_us({skiff().string(), big}));
            mem_t.push_back(timed_us({skiff().string(), "--mem=4096", empty}));
        }
        const Stats small = stats_of(small_t), large = stats_of(big_t), mem = stats_of(mem_t);
        row("scale: start-up, 20 MiB image vs empty (us)", large, small,
            "+" + fmt((large.median - small.median) / 20, 0) + " us per MiB loaded (median)");
        row("scale: start-up, --mem=4096 vs 512 (us)", mem, small, over(mem, small));
    }

    static fs::path create(const fs::path& file) {
        std::ofstream(file).flush();
        return file;
    }

    // Lines of trusted code: src/ and include/, without blank lines and comments.
    static long trusted_lines(const fs::path& source) {
        long n = 0;
        if (!fs::is_directory(source / "src")) return -1;  // run away from the sources (the emulated host)
        for (const char* dir : {"src", "include"})
            for (const auto& entry : fs::recursive_directory_iterator(source / dir)) {
                const std::string ext = entry.path().extension();
                if (ext != ".cpp" && ext != ".h") continue;
                std::ifstream in(entry.path());
                bool in_comment = false;
                for (std::string line; std::getline(in, line);) {
                    std::string code;
                    for (size_t i = 0; i < line.size(); ++i) {
                        if (in_comment) {
                            if (line.compare(i, 2, "*/") == 0) in_comment = false, ++i;
                        } else if (line.compare(i, 2, "/*") == 0) {
                            in_comment = true, ++i;
                        } else if (line.compare(i, 2, "//") == 0) {
                            break;
                        } else {
                            code += line[i];
                        }
                    }
                    n += code.find_first_not_of(" \t") != std::string::npos;
                }
            }
        return n;
    }

    void print() const {
        utsname u{};
        uname(&u);
        std::string cpu;
        std::ifstream info("/proc/cpuinfo");
        for (std::string line; cpu.empty() && std::getline(info, line);)
            if (line.starts_with("model name")) cpu = line.substr(line.find(':') + 2);
        std::printf("skiff benchmarks: %d rep(s), values are min / median; %s, %u cores, %s\n", reps_, u.release,
                    std::thread::hardware_concurrency(), cpu.c_str());
        int width = 34;
        for (const Row& r : rows_) width = std::max(width, int(r.name.size()));
        std::printf("%-*s %-22s %-22s %-8s %s\n", width, "measurement", "skiff", "floor", "ratio", "notes");
        for (const Row& r : rows_)
            std::printf("%-*s %-22s %-22s %-8s %s\n", width, r.name.c_str(), r.skiff.c_str(), r.floor.c_str(),
                        r.ratio.c_str(), r.notes.c_str());
        if (!wanted("boot")) return;
        const long lines = trusted_lines(SKIFF_SOURCE_DIR);
        std::printf(
            "footprint: skiff peak RSS %ld KiB with 512 MiB guest memory (floor: %ld KiB; lazy memory if far "
            "below 524288); binary %ju bytes; trusted code %s lines (src/ + include/, no blanks or comments)\n",
            rss_kib_, floor_rss_kib_, uintmax_t(fs::file_size(skiff())),
            lines < 0 ? "?" : std::to_string(lines).c_str());
    }

    fs::path build_, bench_;
    int reps_;
    bool smoke_;
    std::set<std::string> only_;
    ScratchDir scratch_{"bench"};
    std::vector<Row> rows_;
    long rss_kib_ = 0, floor_rss_kib_ = 0;
};

int usage(const char* problem) {
    std::fprintf(stderr, "skiff-bench: %s\nusage: skiff-bench [--reps N] [--smoke] [--only SECTIONS] [BUILD_DIR]\n",
                 problem);
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    int reps = 5;
    bool smoke = false;
    std::set<std::string> only;
    fs::path build = "build";
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--reps" && i + 1 < argc) {
            reps = std::atoi(argv[++i]);
            if (reps < 1) return usage("--reps needs a positive number");
        } else if (a == "--smoke") {
            smoke = true;
        } else if (a == "--only" && i + 1 < argc) {
            std::istringstream list(argv[++i]);
            for (std::string section; std::getline(list, section, ',');) {
                if (!kSections.contains(section))
                    return usage(("--only: unknown section '" + section +
                                  "' (boot, hypercall, block, net, scale; comma-separated)")
                                     .c_str());
                only.insert(section);
            }
        } else if (a == "--only") {
            return usage("--only needs a comma-separated list of sections");
        } else if (a == "-h" || a == "--help") {
            std::printf(
                "usage: skiff-bench [--reps N] [--smoke] [--only SECTIONS] [BUILD_DIR]\n"
                "  --reps N         repetitions of every measurement (default 5); min and median are printed\n"
                "  --smoke          tiny counts, to check that the driver still works (ctest bench_smoke)\n"
                "  --only SECTIONS  only these sections, comma-separated: boot, hypercall, block, net, scale\n"
                "                   (the footprint line comes with boot); default: all\n");
            return 0;
        } else if (a.starts_with("-")) {
            return usage(("unknown option " + a).c_str());
        } else {
            build = a;
        }
    }
    try {
        return Bench(build, reps, smoke, std::move(only)).run();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "skiff-bench: %s\n", e.what());
        return 1;
    }
}
