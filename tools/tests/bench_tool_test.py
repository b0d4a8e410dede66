#!/usr/bin/env python3
"""Test of tools/bench on small synthetic benchmark JSON: the compare gate (medians over
repetitions, threshold, exit status, callgrind mode, a mode mismatch) and the targets report's
verdicts. Runs no benchmark and times nothing.

  bench_tool_test.py PATH/TO/tools/bench
"""

import json
import os
import subprocess
import sys
import tempfile

TOOL = sys.argv[1]
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print(f"FAIL: {what}")
    else:
        print(f"ok: {what}")


def time_run(values, items=None):
    """A time-mode run: {name: [cpu_time ns per repetition]}; `items`: {name: items/s}."""
    benchmarks = []
    for name, times in values.items():
        for t in times:
            b = {"name": name, "run_name": name, "run_type": "iteration", "iterations": 100,
                 "real_time": t, "cpu_time": t, "time_unit": "ns"}
            if items and name in items:
                b["items_per_second"] = items[name]
            benchmarks.append(b)
    return {"context": {"orchestrix_mode": "time"}, "benchmarks": benchmarks}


def callgrind_run(values):
    return {"context": {"orchestrix_mode": "callgrind"},
            "benchmarks": [{"name": n, "run_name": n, "run_type": "iteration",
                            "instructions_per_iteration": v} for n, v in values.items()]}


def write(tmp, name, doc):
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        json.dump(doc, f)
    return path


def tool(*args):
    return subprocess.run([sys.executable, TOOL, *args], text=True, capture_output=True)


with tempfile.TemporaryDirectory() as tmp:
    base = write(tmp, "base.json", time_run({"BM_A": [100, 101, 99], "BM_B": [50, 50, 50]}))

    # A 20% slower median fails the default 10% gate, and names the benchmark.
    slower = write(tmp, "slower.json", time_run({"BM_A": [120, 121, 119], "BM_B": [50, 50, 50]}))
    r = tool("compare", base, "--current", slower)
    check(r.returncode == 1, "a 20% regression exits 1")
    check("BM_A" in r.stdout and "REGRESSION" in r.stdout, "the regression is named")

    # Faster passes.
    faster = write(tmp, "faster.json", time_run({"BM_A": [60, 61, 59], "BM_B": [40, 40, 40]}))
    r = tool("compare", base, "--current", faster)
    check(r.returncode == 0, "an improvement exits 0")
    check("faster" in r.stdout, "the improvement is reported as faster")

    # Medians, not means: one outlier repetition does not fail the gate.
    outlier = write(tmp, "outlier.json", time_run({"BM_A": [100, 101, 900], "BM_B": [50]}))
    r = tool("compare", base, "--current", outlier)
    check(r.returncode == 0, "one outlier repetition (median unchanged) exits 0")

    # The threshold is honoured: +8% passes at 10%, fails at 5%.
    slight = write(tmp, "slight.json", time_run({"BM_A": [108], "BM_B": [50]}))
    check(tool("compare", base, "--current", slight).returncode == 0, "+8% passes at 10%")
    check(tool("compare", base, "--current", slight, "--threshold", "5").returncode == 1,
          "+8% fails at --threshold 5")

    # A benchmark missing from the current run or new in it is listed, not a failure.
    renamed = write(tmp, "renamed.json", time_run({"BM_A": [100], "BM_C": [10]}))
    r = tool("compare", base, "--current", renamed)
    check(r.returncode == 0 and "missing" in r.stdout and "new" in r.stdout,
          "missing and new benchmarks are listed without failing")

    # Callgrind mode compares instruction counts.
    cg_old = write(tmp, "cg_old.json", callgrind_run({"BM_A": 1000, "BM_B": 500}))
    cg_new = write(tmp, "cg_new.json", callgrind_run({"BM_A": 1150, "BM_B": 500}))
    cg_better = write(tmp, "cg_better.json", callgrind_run({"BM_A": 700, "BM_B": 500}))
    check(tool("compare", cg_old, "--current", cg_new).returncode == 1,
          "callgrind mode: +15% instructions exits 1")
    check(tool("compare", cg_old, "--current", cg_better).returncode == 0,
          "callgrind mode: fewer instructions exits 0")

    # Comparing a callgrind baseline with a time run is refused (exit 2).
    check(tool("compare", cg_old, "--current", base).returncode == 2,
          "a mode mismatch exits 2")

    # The targets report: a store that meets the single-save goal (<= 150 ns) and one that
    # does not, each against the map peer of the same run.
    names = ["BM_StoreSaveSingleEvent", "BM_MapSaveSingleEvent"]
    good = write(tmp, "good.json", time_run({n: [1] for n in names},
                                            {names[0]: 1e9 / 100, names[1]: 1e9 / 500}))
    r = tool("report", "--input", good)
    row = next((line for line in r.stdout.splitlines() if line.startswith("| save one event")), "")
    check(r.returncode == 0 and "goal met" in row and "original met" in row,
          "report: 100 ns per save meets the goal and the original target")
    check("Map: 5.00x" in row, "report: the best peer and the ratio (Map 500 ns / 100 ns)")
    bad = write(tmp, "bad.json", time_run({n: [1] for n in names},
                                          {names[0]: 1e9 / 400, names[1]: 1e9 / 500}))
    row = next((line for line in tool("report", "--input", bad).stdout.splitlines()
                if line.startswith("| save one event")), "")
    check("goal NOT met" in row, "report: 400 ns per save misses the 150 ns goal")

if failures:
    print(f"{len(failures)} check(s) failed")
    sys.exit(1)
print("all checks passed")
