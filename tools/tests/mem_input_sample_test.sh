#!/usr/bin/env bash
# `orchestrix-mem budget|swap --input` on the real sample: 329 GitHub webhook examples as
# CloudEvents (tools/fetch-sample, MIT; git-ignored, put in place by `tools/dev setup`). Exits 77
# (ctest: skipped) when the sample is absent. The figures asserted hold with compression on or
# off: counts, the uncompressed store keeping every data byte, verdicts and exit codes.
# Usage: mem_input_sample_test.sh <path to orchestrix-mem> <path to cloudevents.jsonl>
bin=$1
sample=$2
if [ ! -s "$sample" ]; then
  echo "skipped: $sample is absent (tools/fetch-sample puts it there)"
  exit 77
fi
source "$(dirname "$0")/mem_test_lib.sh"

"$bin" budget -i "$sample" -n 2000 -l 1GB --json >"$work/sample.json" 2>"$work/sample.err"
code=$?
check_py "2000 webhook events: both runs, every event read back, raw and held figures (exit $code)" '
import json, sys
j = json.load(open(sys.argv[1]))
assert int(sys.argv[2]) == 0 and j["verdict"] == "fits"
i = j["input"]
assert i["sample_events"] == 329 and i["stream_by"] == "subject", i
assert j["events_read"] == 2000 and j["store"]["live_events"] == 2000
# ~10 KB of JSON per event (a mean of about 10 KB over the examples)
assert 8_000 < i["raw_json_bytes"] / 2000 < 12_000, i["raw_json_bytes"]
assert 0.9 < i["raw_data_bytes"] / i["raw_json_bytes"] < 1, i
off = j["compression_runs"]["off"]
on = j["compression_runs"]["on"]
assert on["raw_json_bytes"] == off["raw_json_bytes"] == i["raw_json_bytes"]
# Uncompressed, the store holds every data byte and little beside.
assert off["raw_data_bytes"] <= off["held_bytes"] <= 1.2 * off["raw_json_bytes"], off
assert on["held_bytes"] > 0 and on["events_appended"] == 2000
' "$work/sample.json" "$code"
check "2000 webhook events do not fit in 1 MB" 1 "$bin" budget -i "$sample" -n 2000 -l 1MB
"$bin" swap -i "$sample" -n 1000 -a glibc,arena --json >"$work/swap.json" 2>/dev/null
check_py "swap on the webhook sample: the same store bytes under each allocator" '
import json, sys
rows = json.load(open(sys.argv[1]))["allocators"]
assert [r["allocator"] for r in rows] == ["glibc", "arena"] and all(r["ok"] for r in rows)
held = {r["result"]["instrumented"]["bytes_live"] for r in rows}
assert len(held) == 1, held
assert all(r["result"]["held_per_raw_json"] > 0 for r in rows)
' "$work/swap.json"
finish
