#!/usr/bin/env bash
# End-to-end checks of `orchestrix-mem budget|swap --input FILE` on tests/data/orders.jsonl
# (CloudEvents written for these tests): exactly N events appended and read back, the raw JSON
# and held figures with compression on and off, JSON and CSV fields, verdicts and exit codes,
# bad lines (line number, attribute, exit 2, nothing run), unreadable and empty files, the
# options budget shares with the reference workloads, swap's held/raw column.
# Usage: mem_input_test.sh <path to orchestrix-mem> <sanitized: 0|1>
bin=$1
sanitized=${2:-0}
source "$(dirname "$0")/mem_test_lib.sh"
orders="$(dirname "$0")/data/orders.jsonl"

check "a budget on the user's events that fits exits 0" 0 "$bin" budget -i "$orders" -n 3000 -l 100MB
check "a budget on the user's events that does not fit exits 1" 1 \
  "$bin" budget -i "$orders" -n 3000 -l 0.1MB --verdict-on instrumented
check "--input and --workload together are a usage error" 2 "$bin" budget -i "$orders" -w seed
check "an unknown --stream-by is a usage error" 2 "$bin" budget -i "$orders" --stream-by id
check "an unknown --compression is a usage error" 2 "$bin" budget -i "$orders" --compression max
check "a missing file exits 2" 2 "$bin" budget -i "$work/none.jsonl" -n 100
if grep -q "cannot read --input file" "$work/out"; then ok "a missing file says so"
else fail "a missing file says so"; cat "$work/out"; fi
: >"$work/empty.jsonl"
check "an empty file exits 2" 2 "$bin" budget -i "$work/empty.jsonl" -n 100
if grep -q "holds no event (it is empty)" "$work/out"; then ok "an empty file says so"
else fail "an empty file says so"; cat "$work/out"; fi

# A bad line: its number and attribute in the message, exit 2, no run started (no report).
{ head -n 4 "$orders"; echo '{"specversion":"1.0","id":"x","source":"s","type":"t","time":"2024-13-01T00:00:00Z"}'; } >"$work/bad.jsonl"
check "budget: a bad line exits 2" 2 "$bin" budget -i "$work/bad.jsonl" -n 100
check "swap: a bad line exits 2" 2 "$bin" swap -i "$work/bad.jsonl" -n 100 -a glibc,arena
if grep -q "line 5: attribute 'time'" "$work/out" && ! grep -q "allocator" "$work/out"; then
  ok "swap: a bad line stops it before any allocator runs"
else fail "swap bad line"; cat "$work/out"; fi
check "heaptrack: a bad line exits 2" 2 "$bin" heaptrack -i "$work/bad.jsonl" -n 100
"$bin" budget -i "$work/bad.jsonl" -n 100 >"$work/bad.out" 2>"$work/bad.err"
if grep -q "line 5: attribute 'time': bad time" "$work/bad.err" && [ ! -s "$work/bad.out" ] &&
   [ "$(grep -c . "$work/bad.err")" -eq 1 ]; then
  ok "a bad line is named by line and attribute, once, and nothing is reported"
else fail "bad line message"; cat "$work/bad.out" "$work/bad.err"; fi
"$bin" budget -i "$work/bad.jsonl" -n 100 --no-compare >"$work/bad.out" 2>"$work/bad.err"
if [ $? -eq 2 ] && grep -q "line 5: attribute 'time'" "$work/bad.err"; then
  ok "--no-compare: a bad line exits 2 with its line"
else fail "--no-compare bad line"; cat "$work/bad.err"; fi
printf '\n\n{"specversion":"1.0","id":"x","source":"s"}\n' >"$work/missing.jsonl"
"$bin" budget -i "$work/missing.jsonl" -n 100 >"$work/bad.out" 2>"$work/bad.err"
if [ $? -eq 2 ] && grep -q "line 3: attribute 'type': missing required attribute" "$work/bad.err"; then
  ok "blank lines count in the line number"
else fail "line number after blank lines"; cat "$work/bad.err"; fi

# JSON: both runs, exact counts, raw and held figures.
"$bin" budget -i "$orders" -n 3001 -l 100MB --json >"$work/in.json" 2>"$work/in.err"
check_py "--json: 3001 events appended and read back in both runs, raw and held figures" '
import json, sys
j = json.load(open(sys.argv[1]))
assert j["events_appended"] == 3001 and j["events_read"] == 3001, j["events_read"]
assert j["store"]["live_events"] == 3001 and j["store"]["streams"] == 5, j["store"]
assert j["store"]["total_bytes"] == j["instrumented"]["bytes_live"]
i = j["input"]
assert i["sample_events"] == 8 and i["sample_streams"] == 5 and i["stream_by"] == "subject", i
assert i["sample_held_bytes"] >= i["sample_data_bytes"] > 0
assert i["raw_json_bytes"] > i["raw_data_bytes"] > 0
assert abs(j["held_per_raw_json"] - j["instrumented"]["bytes_live"] / i["raw_json_bytes"]) < 1e-9
runs = j["compression_runs"]
assert runs["on"]["compression"] is True and runs["off"]["compression"] is False, runs
assert runs["chosen"] == ("on" if j["compression"] else "off")
for r in (runs["on"], runs["off"]):
    assert r["events_appended"] == 3001 and r["raw_json_bytes"] == i["raw_json_bytes"], r
    assert r["held_bytes"] > 0 and r["instrumented_peak_bytes"] >= r["held_bytes"]
    assert abs(r["held_per_raw_json"] - r["held_bytes"] / r["raw_json_bytes"]) < 1e-9
# Uncompressed, the store keeps every data byte.
assert runs["off"]["held_bytes"] >= runs["off"]["raw_data_bytes"], runs["off"]
assert j["verdict"] == "fits" and j["verdict_bytes"] <= j["limit_bytes"]
' "$work/in.json"

for mode in on off; do
  "$bin" budget -i "$orders" -n 2000 --compression $mode --no-compare --json >"$work/$mode.json" 2>/dev/null
done
check_py "--compression on|off --no-compare: one run of that configuration, same raw bytes" '
import json, sys
on, off = (json.load(open(p)) for p in sys.argv[1:3])
assert on["compression"] is True and off["compression"] is False
assert "compression_runs" not in on and "compression_runs" not in off
assert on["input"]["raw_json_bytes"] == off["input"]["raw_json_bytes"] > 0
assert on["events_read"] == off["events_read"] == 2000
' "$work/on.json" "$work/off.json"

"$bin" budget -i "$orders" -n 2000 --csv >"$work/in.csv" 2>/dev/null
check_py "--csv: raw, sample and per-configuration rows" '
import csv, sys
rows = {r["figure"]: r for r in csv.DictReader(open(sys.argv[1]))}
for want in ["total_bytes", "instrumented_live", "raw_json", "raw_data", "sample_file",
             "sample_held_by_tool", "raw_json_compression_on", "held_compression_on",
             "held_compression_off", "raw_json_compression_off", "instrumented_peak_compression_off"]:
    assert want in rows, want
assert int(rows["raw_json"]["bytes"]) == int(rows["raw_json_compression_on"]["bytes"]) > 0
assert float(rows["held_compression_off"]["bytes_per_event"]) > 0
' "$work/in.csv"

"$bin" budget -i "$orders" -n 2000 >"$work/in.txt" 2>/dev/null
if grep -q "your events: 8 in" "$work/in.txt" && grep -q "held / raw JSON" "$work/in.txt" &&
   grep -q "compression on  *compression off" "$work/in.txt" &&
   grep -q "the sample costs the tool" "$work/in.txt" && grep -q "^verdict: FITS" "$work/in.txt"; then
  ok "the table shows the sample, raw and held figures, both runs and the verdict"
else fail "table"; cat "$work/in.txt"; fi

# Options shared with the reference workloads.
"$bin" budget -i "$orders" -n 20000 --hard-cap-mb 1 --json >"$work/cap.json" 2>/dev/null
code=$?
check_py "--hard-cap-mb stops both runs, loses nothing, exits 1 (code $code)" '
import json, sys
j = json.load(open(sys.argv[1]))
assert int(sys.argv[2]) == 1
assert j["budget_exceeded"] and 0 < j["events_appended"] < 20000, j["events_appended"]
assert j["events_read"] == j["events_appended"]
assert j["instrumented"]["peak_bytes_live"] <= 1_000_000
assert j["verdict"] == "does not fit"
' "$work/cap.json" "$code"
"$bin" budget -i "$orders" -n 3000 --stream-by type --snapshot-every 50 --retention drop --json \
  --no-compare >"$work/life.json" 2>/dev/null
check_py "--stream-by type and a lifecycle run: streams by type, snapshots, final compaction" '
import json, sys
j = json.load(open(sys.argv[1]))
assert j["input"]["stream_by"] == "type" and j["store"]["streams"] == 6, j["store"]["streams"]
assert j["snapshots"] > 0 and "final_compaction" in j
' "$work/life.json"
check "--progress takes always and never with --input" 0 \
  "$bin" budget -i "$orders" -n 2000 --progress always -l 100MB
"$bin" budget -i "$orders" -n 2000 --progress never >/dev/null 2>"$work/quiet"
if [ ! -s "$work/quiet" ]; then ok "--progress never: both child runs stay quiet"
else fail "--progress never"; head -c 300 "$work/quiet" | cat -v; fi
if command -v gnuplot >/dev/null; then
  check "--chart FILE.svg draws the chosen run's chart" 0 \
    "$bin" budget -i "$orders" -n 3000 --chart "$work/in.svg"
fi
if [ "$sanitized" = 0 ]; then
  check "--resource mimalloc with --input runs under the preload" 0 \
    "$bin" budget -i "$orders" -n 2000 -r mimalloc -l 100MB
fi

# swap: every allocator, the held/raw column.
"$bin" swap -i "$orders" -n 3000 -a glibc,arena,pool --csv >"$work/swap.csv" 2>/dev/null
check_py "swap --input --csv: one row per allocator with held_per_raw_json" '
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert [r["allocator"] for r in rows] == ["glibc", "arena", "pool"], rows
for r in rows:
    assert r["ok"] == "1" and float(r["held_per_raw_json"]) > 0, r
assert len({r["held_per_raw_json"] for r in rows}) == 1, "same store bytes under every allocator"
' "$work/swap.csv"
"$bin" swap -i "$orders" -n 3000 -a glibc,pool >"$work/swap.txt" 2>/dev/null
if grep -q "held/raw" "$work/swap.txt" && grep -q "events of .*orders.jsonl" "$work/swap.txt"; then
  ok "swap --input's table has the held/raw column"
else fail "swap table"; cat "$work/swap.txt"; fi
finish
