#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Draws the figures of docs/performance.md from one run's Google Benchmark JSON.

    python3 benchmarks/plot.py build/bench/results/bench.json docs/figures

Writes, from the medians of the run (the same numbers report.py tabulates):
  decision_cost.svg   time per decision against the number of memberships (scale/*): ward by
                      handle, by string id, in batches of 64, and the hand-written baseline
  publish_change.svg  time to publish one membership change (write/*): policy_writer against a
                      full rebuild of the same rows, at 10,000 and 1,000,000 memberships
Needs matplotlib (Debian: python3-matplotlib).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import report  # noqa: E402  (the same loading and medians as the report)

import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

SIZES = ("10", "1000", "100000", "1000000")
SERIES = (("ward_handle", "ward, by handle", "o-"), ("ward_batch64", "ward, batch of 64 (per decision)", "s-"),
          ("ward_strings", "ward, by string id", "^-"), ("baseline", "baseline (hand-written maps)", "x--"))


def median_ns(runs, key):
    v = report.get(runs, key)
    return None if v is None else report.per_decision(key, v)


def decision_cost(runs, path):
    fig, ax = plt.subplots(figsize=(7, 4.2))
    for impl, label, style in SERIES:
        xs, ys = [], []
        for m in SIZES:
            v = median_ns(runs, "scale/%s/%s" % (m, impl))
            if v is not None:
                xs.append(int(m))
                ys.append(v)
        if xs:
            ax.plot(xs, ys, style, label=label)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("memberships (random requests over all users)")
    ax.set_ylabel("ns per decision (median)")
    ax.set_title("Cost of a decision against policy size")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def publish_change(runs, path):
    sizes = [m for m in ("10000", "1000000") if report.get(runs, "write/%s/writer" % m) is not None]
    if not sizes:
        return False
    fig, ax = plt.subplots(figsize=(7, 4.2))
    width = 0.38
    for k, (impl, label) in enumerate((("writer", "policy_writer::apply"), ("rebuild", "full rebuild (build())"))):
        vals = [(report.get(runs, "write/%s/%s" % (m, impl)) or 0) / 1e3 for m in sizes]
        bars = ax.bar([i + (k - 0.5) * width for i in range(len(sizes))], vals, width, label=label)
        for b, v in zip(bars, vals):
            text = "%.3g us" % v if v < 1000 else "%.3g ms" % (v / 1e3)
            ax.annotate(text, (b.get_x() + b.get_width() / 2, v), ha="center", va="bottom", fontsize=8)
    ax.set_xticks(range(len(sizes)))
    ax.set_xticklabels(["{:,} memberships".format(int(m)) for m in sizes])
    ax.set_yscale("log")
    ax.set_ylabel("us to publish one membership change (median)")
    ax.set_title("Publishing a change: derived against rebuilt")
    ax.grid(True, axis="y", which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return True


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    _, runs = report.load(sys.argv[1])
    os.makedirs(sys.argv[2], exist_ok=True)
    decision_cost(runs, os.path.join(sys.argv[2], "decision_cost.svg"))
    print("wrote", os.path.join(sys.argv[2], "decision_cost.svg"))
    if publish_change(runs, os.path.join(sys.argv[2], "publish_change.svg")):
        print("wrote", os.path.join(sys.argv[2], "publish_change.svg"))


if __name__ == "__main__":
    main()
