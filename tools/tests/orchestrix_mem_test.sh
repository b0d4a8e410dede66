#!/usr/bin/env bash
# End-to-end checks of orchestrix-mem: verdicts and exit codes, JSON, the hard cap, the swap.
# Usage: orchestrix_mem_test.sh <path to orchestrix-mem> <sanitized: 0|1>
set -uo pipefail
bin=$1
sanitized=${2:-0}
failures=0
passed=0
check() {  # check <description> <expected exit code> <command...>
  local what=$1 want=$2; shift 2
  "$@" >/tmp/orchestrix_mem_test.$$ 2>&1
  local got=$?
  if [ "$got" -ne "$want" ]; then
    echo "FAIL: $what: exit $got, expected $want"; sed 's/^/    /' /tmp/orchestrix_mem_test.$$ | tail -20
    failures=$((failures + 1))
  else
    echo "ok: $what"
    passed=$((passed + 1))
  fi
}

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
"$bin" budget -n 20000 -l 1GB --json >/tmp/orchestrix_mem_test.$$.limit 2>&1
if grep -q '"limit_bytes": 1000000000' /tmp/orchestrix_mem_test.$$.limit; then
  echo "ok: -l 1GB is 10^9 bytes"; passed=$((passed + 1))
else echo "FAIL: -l 1GB"; head -5 /tmp/orchestrix_mem_test.$$.limit; failures=$((failures + 1)); fi
"$bin" budget -l -1 >/tmp/orchestrix_mem_test.$$.limit 2>&1
if grep -q "'-1' is out of range: expected a size from 1 to" /tmp/orchestrix_mem_test.$$.limit &&
   [ "$(wc -c </tmp/orchestrix_mem_test.$$.limit)" -lt 400 ]; then
  echo "ok: a negative limit says what is accepted, briefly"; passed=$((passed + 1))
else echo "FAIL: negative limit message"; head -5 /tmp/orchestrix_mem_test.$$.limit; failures=$((failures + 1)); fi
rm -f /tmp/orchestrix_mem_test.$$.limit

"$bin" budget -n 20000 --limit-mb 100 --json >/tmp/orchestrix_mem_test.$$.json 2>&1
if /usr/bin/python3 - /tmp/orchestrix_mem_test.$$.json <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
s = j["store"]
assert j["events_read"] == 20000 and s["live_events"] == 20000, j
assert s["total_bytes"] == j["instrumented"]["bytes_live"], "store total != instrumented live"
assert 20 < s["bytes_per_event"] < 200, s["bytes_per_event"]
assert j["verdict"] == "fits" and j["verdict_bytes"] <= j["limit_bytes"]
PY
then echo "ok: --json reports a store total equal to the instrumented live bytes"; passed=$((passed + 1))
else echo "FAIL: --json"; failures=$((failures + 1)); fi

"$bin" budget -n 200000 --hard-cap-mb 2 --json >/tmp/orchestrix_mem_test.$$.json 2>&1
if /usr/bin/python3 - /tmp/orchestrix_mem_test.$$.json <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
assert j["budget_exceeded"] and 0 < j["events_appended"] < 200000, j["events_appended"]
assert j["events_read"] == j["events_appended"], "events lost after BudgetExceeded"
assert j["instrumented"]["peak_bytes_live"] <= 2_000_000
PY
then echo "ok: after BudgetExceeded every appended event reads back and the cap held"; passed=$((passed + 1))
else echo "FAIL: hard cap JSON"; failures=$((failures + 1)); fi

allocs=glibc,arena,pool
[ "$sanitized" = 1 ] || allocs=glibc,mimalloc,jemalloc,tcmalloc,arena,pool
"$bin" swap -n 20000 -a "$allocs" --json >/tmp/orchestrix_mem_test.$$.json 2>&1
if /usr/bin/python3 - /tmp/orchestrix_mem_test.$$.json "$allocs" <<'PY'
import json, sys
rows = json.load(open(sys.argv[1]))
want = sys.argv[2].split(",")
assert [r["allocator"] for r in rows] == want, rows
for r in rows:
    assert r["ok"], r
    res = r["result"]
    expect = {"glibc": "glibc", "arena": "glibc", "pool": "glibc"}.get(r["allocator"], r["allocator"])
    assert res["malloc"] == expect, (r["allocator"], res["malloc"])
    assert res["events_read"] == 20000
# The store asks every allocator for the same bytes.
assert len({r["result"]["store"]["total_bytes"] for r in rows}) == 1
PY
then echo "ok: swap runs every allocator in its own process with the same store bytes"; passed=$((passed + 1))
else echo "FAIL: swap"; sed 's/^/    /' /tmp/orchestrix_mem_test.$$.json | head -20; failures=$((failures + 1)); fi

rm -f /tmp/orchestrix_mem_test.$$ /tmp/orchestrix_mem_test.$$.json
echo "orchestrix-mem: $passed passed, $failures failed"
[ "$failures" -eq 0 ]
