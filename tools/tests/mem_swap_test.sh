#!/usr/bin/env bash
# End-to-end checks of `orchestrix-mem swap`: every allocator in its own process with the same
# store bytes, the held-from-OS, fragmentation and RSS-after-compaction figures, the best-of
# line, CSV, the chart.
# Usage: mem_swap_test.sh <path to orchestrix-mem> <sanitized: 0|1>
bin=$1
sanitized=${2:-0}
source "$(dirname "$0")/mem_test_lib.sh"

allocs=glibc,arena,pool
[ "$sanitized" = 1 ] || allocs=glibc,mimalloc,jemalloc,tcmalloc,arena,pool

"$bin" swap -n 20000 -a "$allocs" --json >"$work/swap.json" 2>"$work/swap.err"
check_py "swap runs every allocator in its own process with the same store bytes" '
import json, sys
doc = json.load(open(sys.argv[1]))
rows = doc["allocators"]
want = sys.argv[2].split(",")
assert [r["allocator"] for r in rows] == want, rows
for r in rows:
    assert r["ok"], r
    res = r["result"]
    expect = {"glibc": "glibc", "arena": "glibc", "pool": "glibc"}.get(r["allocator"], r["allocator"])
    assert res["malloc"] == expect, (r["allocator"], res["malloc"])
    assert res["events_read"] == 20000
    assert res["store"]["total_bytes"] == res["instrumented"]["bytes_live"]
    assert res["held_from_os_bytes"] > 0
assert len({r["result"]["store"]["total_bytes"] for r in rows}) == 1
names = {r["allocator"] for r in rows}
assert doc["best"]["peak_rss"] in names and doc["best"]["append_rate"] in names
assert doc["best"]["rss_after_compaction"] == ""
' "$work/swap.json" "$allocs"

"$bin" swap -w churn -n 100000 --churn-streams 1000 -a "$allocs" --json >"$work/churn.json" 2>"$work/churn.err"
check_py "a churn swap reports RSS after compaction for each allocator and the best of it" '
import json, sys
doc = json.load(open(sys.argv[1]))
rows = doc["allocators"]
for r in rows:
    c = r["result"]["final_compaction"]
    assert c["freed_bytes"] == c["held_before"] - c["held_after"] > 0, (r["allocator"], c)
    assert "rss_after" in c
    if r["allocator"] in ("pool", "mimalloc"):
        assert "rss_after_collect" in c, r["allocator"]
assert len({(r["result"]["snapshots"], r["result"]["store"]["total_bytes"]) for r in rows}) == 1
held = {r["allocator"]: r["result"]["held_from_os_bytes"] for r in rows}
assert doc["best"]["held_from_os"] == min(held, key=held.get)
assert doc["best"]["rss_after_compaction"] in held
' "$work/churn.json"

check "the swap table" 0 "$bin" swap -w churn -n 100000 --churn-streams 1000 -a "$allocs"
if grep -q "held (OS)" "$work/out" && grep -q "frag." "$work/out" && grep -q "RSS compct" "$work/out" &&
   grep -q "^best: lowest peak RSS" "$work/out"; then ok "the table has the held, fragmentation and compaction columns and the best"
else fail "swap table columns"; sed 's/^/    /' "$work/out"; fi

"$bin" swap -n 20000 -a "$allocs" --csv >"$work/swap.csv" 2>"$work/swap.err"
check_py "--csv has one row per allocator with the JSON figures" '
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert [r["allocator"] for r in rows] == sys.argv[2].split(","), rows
for r in rows:
    assert r["ok"] == "1" and float(r["store_bytes_per_event"]) > 20 and int(r["peak_rss_bytes"]) > 0
    assert 0 <= float(r["fragmentation"]) < 1 and float(r["append_events_per_s"]) > 0
' "$work/swap.csv" "$allocs"

check "--chart FILE.svg draws the swap chart" 0 "$bin" swap -n 20000 -a "$allocs" --chart "$work/swap.svg"
check_py "the swap SVG parses and has the three series and every allocator" '
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
text = " ".join(t.strip() for t in root.itertext())
for want in ["store bytes per event", "peak RSS", "held from the OS", "M events/s"] + sys.argv[2].split(","):
    assert want in text, want
' "$work/swap.svg" "$allocs"
check "an unknown allocator is a usage error" 2 "$bin" swap -a glibc,nosuch
finish
