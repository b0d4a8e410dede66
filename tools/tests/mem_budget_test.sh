#!/usr/bin/env bash
# End-to-end checks of `orchestrix-mem budget`: exit codes, JSON and CSV against the store's own
# figures, lifecycle runs (churn, snapshots, retention, compaction), charts, the progress bar,
# every allocator, and a run that exhausts the machine's memory under `ulimit -v`.
# Usage: mem_budget_test.sh <path to orchestrix-mem> <sanitized: 0|1>
bin=$1
sanitized=${2:-0}
source "$(dirname "$0")/mem_test_lib.sh"

# Exit codes and argument errors.
check "a budget that fits exits 0" 0 "$bin" budget -n 20000 --limit-mb 100
check "a budget that does not fit exits 1" 1 "$bin" budget -n 20000 --limit-mb 0.1 --verdict-on instrumented
check "a run stopped by the hard cap exits 1" 1 "$bin" budget -n 200000 --hard-cap-mb 2
check "a cap below the first segment exits 1, not 2" 1 "$bin" budget -n 20000 --hard-cap-mb 0.01
check "a cap that refuses the store itself exits 1, not 2" 1 "$bin" budget -n 20000 --hard-cap-mb 0.001
check "an unknown resource is a usage error" 2 "$bin" budget -r no-such-resource
check "zero events is a usage error" 2 "$bin" budget -n 0
check "no subcommand is a usage error" 2 "$bin"
check "counts and sizes take units: -n 2e4 -l 100MB fits" 0 "$bin" budget -n 2e4 -l 100MB
check "-n 20k with a 0.1 MiB limit does not fit" 1 "$bin" budget -n 20k -l 0.1MiB --verdict-on instrumented
check "a fractional count is a usage error" 2 "$bin" budget -n 1.5
check "a zero limit is a usage error" 2 "$bin" budget -n 20000 -l 0
check "an unknown size unit is a usage error" 2 "$bin" budget -n 20000 -l 1XB
check "an unknown retention is a usage error" 2 "$bin" budget -n 20000 --retention keep:x
check "an auto-compact ratio above 1 is a usage error" 2 "$bin" budget -n 20000 --auto-compact 2
check "--json and --csv together are a usage error" 2 "$bin" budget -n 20000 --json --csv
check "--help exits 0" 0 "$bin" budget --help
if grep -q "3 the machine ran out of memory" "$work/out" && grep -q "2 bad arguments" "$work/out"; then
  ok "--help lists the exit codes"
else fail "--help lists the exit codes"; fi
"$bin" budget -n 20000 -l 1GB --json >"$work/limit" 2>&1
if grep -q '"limit_bytes": 1000000000' "$work/limit"; then ok "-l 1GB is 10^9 bytes"
else fail "-l 1GB"; head -5 "$work/limit"; fi
"$bin" budget -l -1 >"$work/limit" 2>&1
if grep -q "'-1' is out of range: expected a size from 1 to" "$work/limit" &&
   [ "$(wc -c <"$work/limit")" -lt 400 ]; then ok "a negative limit says what is accepted, briefly"
else fail "negative limit message"; head -5 "$work/limit"; fi

# JSON against the store's own figures.
"$bin" budget -n 20000 --limit-mb 100 --json >"$work/seed.json" 2>&1
check_py "--json reports a store total equal to the instrumented live bytes" '
import json, sys
j = json.load(open(sys.argv[1]))
s = j["store"]
assert j["events_read"] == 20000 and s["live_events"] == 20000, j
assert s["total_bytes"] == j["instrumented"]["bytes_live"], "store total != instrumented live"
assert s["total_bytes"] == sum(v for k, v in s.items() if k.endswith("_bytes") and k != "total_bytes")
assert 20 < s["bytes_per_event"] < 200, s["bytes_per_event"]
assert j["verdict"] == "fits" and j["verdict_bytes"] <= j["limit_bytes"]
assert j["snapshots"] == 0 and "final_compaction" not in j
assert len(j["samples"]) > 100 and j["samples"][-1][0] <= 20000
' "$work/seed.json"

"$bin" budget -n 200000 --hard-cap-mb 2 --json >"$work/cap.json" 2>&1
check_py "after BudgetExceeded every appended event reads back and the cap held" '
import json, sys
j = json.load(open(sys.argv[1]))
assert j["budget_exceeded"] and 0 < j["events_appended"] < 200000, j["events_appended"]
assert j["events_read"] == j["events_appended"], "events lost after BudgetExceeded"
assert j["instrumented"]["peak_bytes_live"] <= 2_000_000
assert not j["out_of_memory"]
' "$work/cap.json"

# Lifecycle: snapshots with retention on the seed workload (100-event streams, snapshot at the
# head keeping 20: 20 live events per stream), then the churn workload with its defaults.
"$bin" budget -n 20000 --snapshot-every 100 --retention keep:20 --json >"$work/keep.json" 2>&1
check_py "snapshot every 100 with keep:20 leaves 20 live events per stream and compaction frees the rest" '
import json, sys
j = json.load(open(sys.argv[1]))
assert j["snapshots"] == 200 and j["retention"] == "keep:20", (j["snapshots"], j["retention"])
s = j["store"]
assert s["live_events"] == 4000 and j["events_read"] == 4000, s["live_events"]
assert s["dead_record_bytes"] > 0.7 * (s["dead_record_bytes"] + s["record_bytes"])
c = j["final_compaction"]
assert c["held_before"] == s["total_bytes"], (c["held_before"], s["total_bytes"])
assert c["freed_bytes"] == c["held_before"] - c["held_after"] > 0
assert c["segments_retired"] > 0 and c["live_bytes_moved"] > 0
' "$work/keep.json"

"$bin" budget -w churn -n 300000 --churn-streams 1000 --json >"$work/churn.json" 2>&1
check_py "churn: snapshots, drop retention, auto-compaction, a steady state and a final compaction" '
import json, sys
j = json.load(open(sys.argv[1]))
assert j["workload"] == "churn" and j["events_appended"] == 300000
assert j["snapshot_every"] == 100 and j["retention"] == "drop" and j["auto_compact_ratio"] == 0.05
assert j["snapshots"] > 2000, j["snapshots"]
s = j["store"]
assert s["total_bytes"] == j["instrumented"]["bytes_live"]
assert s["live_events"] < 300000 and j["events_read"] == s["live_events"]
samples = j["samples"]
half = samples[len(samples) // 2:]
util = [(h - w) / h for _, h, w, _, _ in half]
u = j["utilization"]
assert abs(u["mean"] - sum(util) / len(util)) < 1e-9 and abs(u["min"] - min(util)) < 1e-12
assert 0.5 < u["mean"] <= 1
c = j["final_compaction"]
assert c["freed_bytes"] == c["held_before"] - c["held_after"]
assert "rss_after" in c
assert j["instrumented"]["peak_bytes_live"] >= max(h for _, h, _, _, _ in samples)
' "$work/churn.json"
check "a churn budget prints the steady state and the compaction" 0 "$bin" budget -w churn -n 100000 --churn-streams 1000 -l 1GB
if grep -q "^steady state" "$work/out" && grep -q "^compact() after the load" "$work/out"; then
  ok "the report names the steady state and the final compaction"
else fail "steady state / compaction lines"; fi

# CSV.
"$bin" budget -n 20000 --csv >"$work/budget.csv" 2>&1
check_py "--csv has every category, and the total equals their sum and the instrumented live bytes" '
import csv, sys
rows = {r["figure"]: int(r["bytes"]) for r in csv.DictReader(open(sys.argv[1]))}
cats = ["record_bytes", "dead_record_bytes", "segment_slack_bytes", "segment_header_bytes",
        "retired_segment_bytes", "locator_bytes", "stream_table_bytes", "stream_metadata_bytes",
        "interned_bytes", "snapshot_bytes", "store_bytes"]
assert all(c in rows for c in cats), rows
assert rows["total_bytes"] == sum(rows[c] for c in cats) == rows["instrumented_live"]
' "$work/budget.csv"

# Charts (gnuplot).
check "--chart FILE.svg draws a chart" 0 "$bin" budget -n 50000 --snapshot-every 100 --retention drop --chart "$work/budget.svg"
check_py "the SVG parses and has the categories and the held and RSS series" '
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
assert root.tag.endswith("svg"), root.tag
text = " ".join(t.strip() for t in root.itertext())
for want in ["bytes by category", "held (instrumented)", "RSS growth", "record_bytes", "events appended"]:
    assert want in text, want
' "$work/budget.svg"
check "--chart FILE.png draws a chart" 0 "$bin" budget -n 20000 --chart "$work/budget.png"
check_py "the PNG has a PNG signature and the chart size" '
import struct, sys
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", data[:8]
w, h = struct.unpack(">II", data[16:24])
assert (w, h) == (1000, 900), (w, h)
' "$work/budget.png"
check "a chart file name without .svg or .png is a usage error" 2 "$bin" budget -n 20000 --chart "$work/budget.pdf"
mkdir -p "$work/emptybin"
check "--chart without gnuplot on PATH is a usage error" 2 env PATH="$work/emptybin" "$bin" budget -n 20000 --chart "$work/x.svg"
if grep -q "gnuplot-nox" "$work/out"; then ok "missing gnuplot names the package to install"
else fail "missing gnuplot message"; sed 's/^/    /' "$work/out"; fi

# Progress bar: absent when stderr is not a terminal, present under a pseudo-terminal for a run
# longer than a second. The churn run below lasts several seconds on the machines this builds
# on; its own append_seconds says how long it took, and the check holds the bar to it both ways
# (present after 1.2 s, absent under 0.8 s: the bar's clock starts before the appends, with the set-up).
long_run=(budget -w churn -n 3M -l 1GB --json)
"$bin" "${long_run[@]}" >/dev/null 2>"$work/progress.err"
if [ ! -s "$work/progress.err" ]; then ok "no progress output when stderr is not a terminal"
else fail "progress output on a file"; head -c 300 "$work/progress.err" | cat -v; fi
script -qec "'$bin' ${long_run[*]} >'$work/progress.json'" /dev/null >"$work/progress.tty" 2>&1
check_py "a progress bar with rate and ETA under a pseudo-terminal when the run lasts over a second" '
import json, re, sys
seconds = json.load(open(sys.argv[1]))["append_seconds"]
tty = open(sys.argv[2], errors="replace", newline="").read()
bar = re.search(r"\r\[[#.]{30}\] +[0-9]+%  [0-9]+/3000000 events  [0-9.]+ M/s  ETA [0-9]+s", tty)
print(f"run lasted {seconds:.2f} s; bar drawn: {bar is not None}")
if seconds >= 1.2:
    assert bar, repr(tty[:300])
elif seconds < 0.8:
    assert not bar, repr(tty[:300])
' "$work/progress.json" "$work/progress.tty"
script -qec "'$bin' budget -n 20000 >/dev/null" /dev/null >"$work/short.tty" 2>&1
if ! grep -q "ETA" "$work/short.tty"; then ok "no progress bar for a run shorter than a second"
else fail "progress bar on a short run"; fi

# Every allocator; malloc replacements and memory exhaustion only without sanitizers (no
# LD_PRELOAD of another malloc, and ASan reserves more address space than any ulimit -v here).
for r in system arena pool; do
  "$bin" budget -n 20000 -r "$r" --json >"$work/r.json" 2>&1
  check_py "budget -r $r" '
import json, sys
j = json.load(open(sys.argv[1]))
assert j["resource"] == sys.argv[2] and j["malloc"] == "glibc"
assert j["store"]["total_bytes"] == j["instrumented"]["bytes_live"]
assert ("resource_reserved_bytes" in j) == (sys.argv[2] in ("arena", "pool"))
' "$work/r.json" "$r"
done
if [ "$sanitized" = 0 ]; then
  for r in mimalloc jemalloc tcmalloc; do
    "$bin" budget -n 20000 -r "$r" --json >"$work/r.json" 2>&1
    check_py "budget -r $r re-runs itself under $r" '
import json, sys
j = json.load(open(sys.argv[1]))
assert j["resource"] == sys.argv[2] and j["malloc"] == sys.argv[2], (j["resource"], j["malloc"])
assert j["store"]["total_bytes"] == j["instrumented"]["bytes_live"]
' "$work/r.json" "$r"
  done
  (ulimit -v 400000; exec "$bin" budget -n 20M --json) >"$work/oom.json" 2>"$work/oom.err"
  code=$?
  if [ "$code" -eq 3 ]; then ok "running out of memory under ulimit -v exits 3"
  else fail "out of memory exit code $code, expected 3"; tail -5 "$work/oom.err"; fi
  check_py "the out-of-memory report is partial and exact" '
import json, sys
j = json.load(open(sys.argv[1]))
assert j["out_of_memory"] and j["verdict"] == "out of memory"
assert 0 < j["events_appended"] < 20_000_000 and j["events_read"] == 0
assert j["store"]["total_bytes"] == j["instrumented"]["bytes_live"] > 100_000_000
' "$work/oom.json"
  (ulimit -v 400000; exec "$bin" budget -n 20M) >"$work/oom.txt" 2>&1
  if grep -q "^OUT OF MEMORY" "$work/oom.txt" && grep -q "^record_bytes" "$work/oom.txt"; then
    ok "the out-of-memory table shows the breakdown and says what happened"
  else fail "out-of-memory table"; tail -5 "$work/oom.txt"; fi
fi
finish
