#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Compile-time benchmark (standard library only).

Times compiling one translation unit to an object file (g++ -c, not -fsyntax-only), best of
--runs runs, at -O0 and at -O2, -std=c++17. The time is the compiler's CPU time (user + system of
the child processes, from getrusage), which other work on a shared machine barely moves; the wall
time of the same best run is reported beside it.
  (a) baseline:     an empty TU that includes <string> and <vector>
  (b) umbrella:     a TU that includes <ward/ward.hpp>
  (c) single:       a TU that includes single_include/ward/ward.hpp (skipped when that file does
                    not exist)
  (d) role_table:   <ward/ward.hpp> plus a constexpr table of 64 roles over a 256-permission
                    vocabulary, each role inheriting its predecessor and its parent in a binary tree,
                    checked with static_assert
  (e) std_headers:  diagnosis: the standard headers ward's headers include, alone (how much of
                    (b) is the standard library)
Reports seconds, seconds above (a) and the ratio to (a) at the same flags.

Usage: compile_time.py [--cxx g++] [--runs 5] [--json out.json] [--markdown out.md]
"""
import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

BASELINE = """#include <string>
#include <vector>
int ward_bench_anchor() { return 0; }
"""

UMBRELLA = """#include <ward/ward.hpp>
int ward_bench_anchor() { return 0; }
"""

STD_HEADERS = """#include <algorithm>
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <initializer_list>
#include <iterator>
#include <limits>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>
int ward_bench_anchor() { return 0; }
"""

SINGLE = """#include "ward/ward.hpp"
int ward_bench_anchor() { return 0; }
"""


def role_table_source(roles=64, perms=256):
    lines = ["#include <ward/ward.hpp>", "#include <array>", "#include <cstddef>", "#include <string_view>", "",
             "namespace ct {",
             "enum class perm : unsigned short {};",
             "template <std::size_t N> struct gen {",
             "    static constexpr std::size_t digits(std::size_t i) noexcept { return i < 10 ? 1 : 1 + digits(i / 10); }",
             "    static constexpr std::size_t total() noexcept { std::size_t t = 0; for (std::size_t i = 0; i < N; ++i) t += 1 + digits(i); return t; }",
             "    static constexpr std::array<char, total()> make() noexcept {",
             "        std::array<char, total()> b{}; std::size_t k = 0;",
             "        for (std::size_t i = 0; i < N; ++i) { b[k++] = 'p'; const std::size_t d = digits(i); std::size_t v = i;",
             "            for (std::size_t j = 0; j < d; ++j) { b[k + d - 1 - j] = static_cast<char>('0' + v % 10); v /= 10; } k += d; }",
             "        return b; }",
             "    static constexpr std::array<char, total()> chars = make();",
             "    static constexpr std::array<ward::permission_name<perm>, N> entries() noexcept {",
             "        std::array<ward::permission_name<perm>, N> out{}; std::size_t k = 0;",
             "        for (std::size_t i = 0; i < N; ++i) { const std::size_t len = 1 + digits(i);",
             "            out[i] = {static_cast<perm>(i), std::string_view(chars.data() + k, len)}; k += len; }",
             "        return out; }",
             "};",
             "} // namespace ct",
             "template <> struct ward::permission_traits<ct::perm> {",
             "    static constexpr auto names = ct::gen<%d>::entries();" % perms,
             "};",
             "",
             "constexpr auto roles = ward::make_roles<ct::perm>({"]
    per = perms // roles
    for i in range(roles):
        names = " ".join("p%d" % (i * per + k) for k in range(per))
        parents = []
        if i > 0:
            parents.append('"r%d"' % (i - 1))
            tree = (i - 1) // 2
            if tree != i - 1:
                parents.append('"r%d"' % tree)
        lines.append('    {"r%d", ward::permissions<ct::perm>("%s")%s},' % (
            i, names, (", {" + ", ".join(parents) + "}") if parents else ""))
    lines += ["});",
              'static_assert(roles["r%d"].count() == %d, "the last role of the chain holds everything");' % (roles - 1, perms),
              'static_assert(roles.includes("r%d", "r0"), "inheritance is flattened");' % (roles // 2),
              'static_assert(!roles["r0"].contains(ct::perm{%d}), "r0 holds only its own");' % (perms - 1),
              "int ward_bench_anchor() { return static_cast<int>(roles.size()); }", ""]
    return "\n".join(lines)


def time_compile(cxx, src_path, flags, include_dirs, runs, workdir):
    obj = os.path.join(workdir, "out.o")
    cmd = [cxx, "-std=c++17"] + flags + ["-I" + d for d in include_dirs] + ["-c", src_path, "-o", obj]
    best = None
    for _ in range(runs):
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        wall = time.perf_counter() - t0
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
        if p.returncode != 0:
            sys.stderr.write("compile failed: %s\n%s\n" % (" ".join(cmd), p.stderr[-4000:]))
            return None
        if best is None or cpu < best[0]:
            best = (cpu, wall)
    return best


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cxx", default=os.environ.get("CXX_FOR_COMPILE_BENCH", "g++"))
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--json", help="write the results as JSON here")
    ap.add_argument("--markdown", help="write a Markdown table here")
    args = ap.parse_args()
    if shutil.which(args.cxx) is None:
        sys.exit("compile_time.py: %s not found" % args.cxx)

    include = os.path.join(ROOT, "include")
    single_dir = os.path.join(ROOT, "single_include")
    single = os.path.join(single_dir, "ward", "ward.hpp")
    notes = []
    tus = [("baseline", "(a) empty TU with <string> and <vector>", BASELINE, []),
           ("umbrella", "(b) #include <ward/ward.hpp>", UMBRELLA, [include])]
    if os.path.exists(single):
        tus.append(("single", "(c) single_include/ward/ward.hpp", SINGLE, [single_dir]))
    else:
        notes.append("(c) skipped: single_include/ward/ward.hpp does not exist in this tree.")
    tus.append(("role_table", "(d) 64 roles x 256 permissions, constexpr role table", role_table_source(), [include]))
    tus.append(("std_headers", "(e) the standard headers ward includes, alone", STD_HEADERS, []))

    version = subprocess.run([args.cxx, "--version"], stdout=subprocess.PIPE, text=True).stdout.splitlines()[0]
    results = []
    with tempfile.TemporaryDirectory(prefix="ward-compile-time-") as work:
        for flags in (["-O0"], ["-O2"]):
            base = None
            for name, label, text, incs in tus:
                src = os.path.join(work, name + ".cpp")
                with open(src, "w") as f:
                    f.write(text)
                tw = time_compile(args.cxx, src, flags, incs, args.runs, work)
                if tw is None:
                    notes.append("%s at %s failed to compile" % (label, " ".join(flags)))
                    continue
                t, wall = tw
                if name == "baseline":
                    base = t
                results.append({"name": name, "label": label, "flags": " ".join(flags), "seconds": t, "wall_seconds": wall,
                                "above_baseline": t - base if base else 0.0, "ratio": t / base if base else 1.0})
                print("%-52s %-4s %.3f s CPU (%.3f s wall)  %.2fx the baseline" % (
                    label, " ".join(flags), t, wall, t / base if base else 1.0), flush=True)
    for n in notes:
        print("note: " + n)
    out = {"compiler": version, "runs": args.runs, "results": results, "notes": notes}
    if args.json:
        with open(args.json, "w") as f:
            json.dump(out, f, indent=2)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write("Compiler: %s; best of %d runs; -std=c++17 -c; compiler CPU seconds (wall beside).\n\n" % (version, args.runs))
            f.write("| TU | flags | CPU seconds | wall seconds | above (a) | ratio to (a) |\n|---|---|---:|---:|---:|---:|\n")
            for r in results:
                f.write("| %s | %s | %.3f | %.3f | %+.3f | %.2fx |\n" % (
                    r["label"], r["flags"], r["seconds"], r["wall_seconds"], r["above_baseline"], r["ratio"]))
            for n in notes:
                f.write("\nNote: %s\n" % n)


if __name__ == "__main__":
    main()
