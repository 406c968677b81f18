#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Turns ward_bench's JSON output into Markdown tables of medians and ratios against the baseline
measured in the same run, and checks the performance targets (reported, never asserted).

Benchmark names are <section>/<case...>/<impl>; the impl called "baseline" is the denominator of
its case. Times are per iteration: CPU time of the benchmark thread (the machine is shared, so
wall time includes waiting for other processes), except the build benchmarks, which are timed
manually (the building thread's CPU time around the build only).

ward_service_bench's JSON (ward-service's write path, wall-clock) may follow as a third argument.

Usage: report.py bench.json [compile_time.json] [service.json] > report.md
"""
import json
import re
import sys
from collections import OrderedDict

SUFFIX = re.compile(r"^(iterations:\d+|repeats:\d+|manual_time|real_time|min_time:.*|threads:\d+)$")
TO_NS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}


def load(path):
    with open(path) as f:
        data = json.load(f)
    runs = OrderedDict()
    for b in data["benchmarks"]:
        name = b.get("run_name", b["name"])
        parts = [p for p in name.split("/") if not SUFFIX.match(p)]
        key = "/".join(parts)
        manual = "manual_time" in name or "real_time" in name  # timed by hand, or wall-clock on purpose
        entry = runs.setdefault(key, {"samples": [], "median": None, "manual": manual})
        unit = TO_NS[b.get("time_unit", "ns")]
        t = (b["real_time"] if manual else b["cpu_time"]) * unit
        counters = {k: v for k, v in b.items() if k not in (
            "name", "run_name", "run_type", "repetitions", "repetition_index", "threads", "iterations",
            "real_time", "cpu_time", "time_unit", "family_index", "per_family_instance_index",
            "aggregate_name", "aggregate_unit", "error_occurred", "error_message", "label")}
        if b.get("error_occurred"):
            entry["error"] = b.get("error_message", "error")
        if b.get("run_type") == "aggregate":
            if b.get("aggregate_name") == "median":
                entry["median"] = {"ns": t, "counters": counters}
        else:
            entry["samples"].append({"ns": t, "counters": counters})
    for key, e in runs.items():
        if e["median"] is None and e["samples"]:  # a single repetition: its own value
            s = sorted(e["samples"], key=lambda x: x["ns"])
            e["median"] = s[len(s) // 2]
    return data.get("context", {}), runs


def fmt_ns(ns):
    if ns >= 1e6:
        return "%.2f ms" % (ns / 1e6)
    if ns >= 1e3:
        return "%.2f us" % (ns / 1e3)
    if ns >= 100:
        return "%.0f ns" % ns
    return "%.1f ns" % ns


def fmt_num(x):
    if x is None:
        return "-"
    if x == 0:
        return "0"
    if abs(x) >= 100:
        return "%.0f" % x
    if abs(x) >= 10:
        return "%.1f" % x
    return "%.2f" % x


def split(key):
    parts = key.split("/")
    return parts[0], "/".join(parts[1:-1]), parts[-1]


# Benchmarks whose operation is a batch: their time per operation is divided by the batch size, so
# that the tables and targets compare one decision with one decision.
BATCHED = {"ward_batch64": 64, "independent_reads64": 64}
BATCH_UNIT = {"ward_batch64": "per decision", "independent_reads64": "per read"}


def per_decision(key, ns):
    return ns / BATCHED.get(split(key)[2].split("/")[0], 1)


def baseline_of(runs, sec, case):
    """The baseline of a case: its `baseline` run, or for writes the full `rebuild`."""
    return runs.get("%s/%s/baseline" % (sec, case)) or runs.get("%s/%s/rebuild" % (sec, case))


def table(runs, sections):
    """One Markdown table per section: each impl against its case's baseline."""
    out = []
    for section in sections:
        rows = [(k, e) for k, e in runs.items() if split(k)[0] == section and e["median"]]
        if not rows:
            continue
        out.append("")
        out.append("| case | impl | median / op | baseline | speed-up vs baseline | allocs / op |")
        out.append("|---|---|---:|---:|---:|---:|")
        for key, e in rows:
            sec, case, impl = split(key)
            base = baseline_of(runs, sec, case)
            m = e["median"]
            ns = per_decision(key, m["ns"])
            allocs = m["counters"].get("allocs_per_op")
            if impl in ("baseline", "rebuild"):
                ratio = "1 (baseline)"
                bm = fmt_ns(ns)
            elif base and base["median"]:
                ratio = "%.2fx" % (base["median"]["ns"] / ns)
                bm = fmt_ns(base["median"]["ns"])
            else:
                ratio, bm = "-", "-"
            if impl in BATCHED:
                impl += " (%s)" % BATCH_UNIT[impl]
            err = " (error: %s)" % e["error"] if e.get("error") else ""
            out.append("| %s | %s%s | %s | %s | %s | %s |" % (case, impl, err, fmt_ns(ns), bm, ratio, fmt_num(allocs)))
    return out


def build_table(runs):
    out = ["", "| memberships | impl | build / row | build() call / row | heap bytes / membership | "
           "memory_bytes() / membership | beyond id strings | id strings | speed-up vs baseline | memory vs baseline |",
           "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for key, e in runs.items():
        sec, case, impl = split(key)
        if sec != "build" or not e["median"]:
            continue
        c = e["median"]["counters"]
        base = runs.get("build/%s/baseline" % case)
        bc = base["median"]["counters"] if base and base["median"] else {}
        speed = "%.2fx" % (bc["ns_per_row"] / c["ns_per_row"]) if bc and impl != "baseline" else "1 (baseline)"
        mem = "%.2f" % (c["heap_bytes_per_membership"] / bc["heap_bytes_per_membership"]) if bc and impl != "baseline" else "1"
        out.append("| %s | %s | %s ns | %s | %.0f | %s | %s | %s | %s | %s |" % (
            case, impl, fmt_num(c.get("ns_per_row")),
            (fmt_num(c["build_call_ns_per_row"]) + " ns") if "build_call_ns_per_row" in c else "-",
            c.get("heap_bytes_per_membership", 0),
            fmt_num(c.get("bytes_per_membership")), fmt_num(c.get("bytes_per_membership_beyond_ids")),
            fmt_num(c.get("id_bytes_per_membership")), speed, mem))
    return out


def get(runs, key, what="ns"):
    e = runs.get(key)
    if not e or not e["median"]:
        return None
    return e["median"]["ns"] if what == "ns" else e["median"]["counters"].get(what)


def targets(runs, compile_results):
    rows = []

    def add(name, value, ok):
        rows.append("| %s | %s | %s |" % (name, value, "met" if ok else "**missed**"))

    r = get(runs, "sets/contains_all/64/ward"), get(runs, "sets/contains_all/64/baseline")
    if None not in r:
        add("64-bit contains_all within 2x of the raw integer test", "%.2fx the raw test's time" % (r[0] / r[1]), r[0] <= 2 * r[1])
    for m in ("10", "1000", "100000", "1000000"):
        h, s, b = (get(runs, "scale/%s/%s" % (m, i)) for i in ("ward_handle", "ward_strings", "baseline"))
        if None not in (h, b):
            add("dense handle >= 10x the baseline, %s memberships" % m, "%.1fx" % (b / h), b / h >= 10)
        if None not in (s, b):
            add("string ids >= 3x the baseline, %s memberships" % m, "%.1fx" % (b / s), b / s >= 3)
    for req in ("allowed", "denied"):
        h, s, b = (get(runs, "decide/1000orgs/%s/%s" % (req, i)) for i in ("ward_handle", "ward_strings", "baseline"))
        if None not in (h, b):
            add("dense handle >= 10x the baseline, 1,000 orgs, %s" % req, "%.1fx" % (b / h), b / h >= 10)
            add("dense handle < 10 ns, 1,000 orgs, %s" % req, fmt_ns(h), h < 10)
        if None not in (s, b):
            add("string ids >= 3x the baseline, 1,000 orgs, %s" % req, "%.1fx" % (b / s), b / s >= 3)
    h = get(runs, "scale/1000000/ward_handle")
    if h is not None:
        add("dense handle <= 150 ns per single check at 1,000,000 random memberships", fmt_ns(h), h <= 150)
    bt = get(runs, "scale/1000000/ward_batch64")
    if bt is not None:
        add("<= 40 ns per decision in a batch of 64 at 1,000,000 random memberships", fmt_ns(bt / 64), bt / 64 <= 40)
    for m in ("10000", "1000000"):
        w, r = get(runs, "write/%s/writer" % m), get(runs, "write/%s/rebuild" % m)
        if w is not None:
            add("publish one membership change <= 50 us, %s memberships" % m, fmt_ns(w), w <= 50e3)
        if None not in (w, r) and m == "1000000":
            add("publish one change >= 1,000x faster than a full rebuild, %s memberships" % m, "%.0fx" % (r / w), r >= 1000 * w)
        u = get(runs, "write/%s/writer" % m, "unshared_percent")
        if u is not None:
            add("a snapshot after one change costs <= 5 %% of the one before, %s memberships" % m, "%.2f %%" % u, u <= 5)
    for m in ("10000", "100000"):
        i, r = get(runs, "service_write/%s/incremental" % m), get(runs, "service_write/%s/rebuild" % m)
        if None not in (i, r):
            add("ward-service: a membership write no longer rebuilds its policy, %s memberships (rebuild / incremental)" % m,
                "%s against %s (%.0fx)" % (fmt_ns(i), fmt_ns(r), r / i), i < r)
    zero = [k for k, e in runs.items()
            if "/ward" in k and not k.startswith(("build/", "diag/")) and e["median"]
            and (e["median"]["counters"].get("allocs_per_op") or 0) > 0]
    add("zero allocations per decision, batch, reverse query, parse", ", ".join(zero) if zero else "0 everywhere", not zero)
    for m in ("10000", "1000000"):
        c = get(runs, "build/%s/ward" % m, "ns_per_row")
        if c is not None:
            add("build <= 200 ns per row, %s memberships" % m, "%.0f ns" % c, c <= 200)
        beyond = get(runs, "build/%s/ward" % m, "bytes_per_membership_beyond_ids")
        if beyond is not None:
            add("<= 32 bytes per membership beyond the id strings, %s memberships" % m, "%.1f B" % beyond, beyond <= 32)
        w, b = get(runs, "build/%s/ward" % m, "heap_bytes_per_membership"), get(runs, "build/%s/baseline" % m, "heap_bytes_per_membership")
        if None not in (w, b):
            add("<= 1/4 of the baseline's memory, %s memberships" % m, "%.2f of it" % (w / b), w <= b / 4)
    if compile_results:
        for r in compile_results.get("results", []):
            if r["name"] == "umbrella" and r["flags"] == "-O0":
                add("including <ward/ward.hpp> < 150 ms of compile time at -O0 (above the empty TU)",
                    "%.0f ms (%.0f ms above)" % (r["seconds"] * 1e3, r["above_baseline"] * 1e3), r["above_baseline"] < 0.150)
    return ["", "| target | measured | |", "|---|---:|---|"] + rows


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    context, runs = load(sys.argv[1])
    compile_results = None
    if len(sys.argv) > 2:
        try:
            with open(sys.argv[2]) as f:
                compile_results = json.load(f)
        except OSError:
            pass
    if len(sys.argv) > 3:
        try:
            runs.update(load(sys.argv[3])[1])
        except OSError:
            pass  # the service was not built
    out = ["# ward benchmark report", ""]
    out.append("Machine: %s CPUs at %s MHz, load average %s; %s; ward %s." % (
        context.get("num_cpus"), context.get("mhz_per_cpu"),
        ", ".join("%.1f" % x for x in context.get("load_avg", [])), context.get("compiler", "?"),
        context.get("ward_version", "?")))
    out.append("Medians of the repetitions; CPU time of the benchmark thread per operation (build: the building thread's CPU time).")
    out.append("Speed-up = baseline time / ward time (higher is better).")
    for title, secs in (("Permission sets", ["sets"]), ("Decisions, 1,000 organizations", ["decide"]),
                        ("Scaling (random requests over all users)", ["scale"]), ("Parsing", ["parse"]),
                        ("Batch checks and reverse queries", ["batch", "reverse"]), ("Live reads while a writer publishes", ["live"]),
                        ("Publishing a change (policy_writer against a full rebuild)", ["write"]),
                        ("ward-service: one membership write (wall-clock; against the write that rebuilt its policy)", ["service_write"]),
                        ("Diagnosis", ["diag"])):
        out += ["", "## " + title] + table(runs, secs)
    out += ["", "## Building"] + build_table(runs)
    if compile_results:
        out += ["", "## Compile time", "", "%s; best of %d runs; compiler CPU time (wall beside)." % (
                    compile_results.get("compiler", "?"), compile_results.get("runs", 0)), "",
                "| TU | flags | CPU | wall | above (a) | ratio to (a) |", "|---|---|---:|---:|---:|---:|"]
        for r in compile_results["results"]:
            out.append("| %s | %s | %.3f s | %.3f s | %+.3f s | %.2fx |" % (
                r["label"], r["flags"], r["seconds"], r.get("wall_seconds", 0), r["above_baseline"], r["ratio"]))
        for n in compile_results.get("notes", []):
            out.append("")
            out.append("Note: " + n)
    out += ["", "## Targets (reported, not asserted)"] + targets(runs, compile_results)
    print("\n".join(out))


if __name__ == "__main__":
    main()
