#!/usr/bin/env bash
# End-to-end checks of `orchestrix-mem heaptrack`: heaptrack's peak and allocation count beside
# the instrumented figures, and what it says under mimalloc.
# Usage: mem_heaptrack_test.sh <path to orchestrix-mem>
bin=$1
source "$(dirname "$0")/mem_test_lib.sh"

"$bin" heaptrack -n 100000 --json >"$work/ht.json" 2>"$work/ht.err"
check_py "heaptrack agrees with the instrumented peak difference within 5% on glibc" '
import json, sys
j = json.load(open(sys.argv[1]))
h = j["heaptrack_run"]["peak_bytes"] - j["heaptrack_baseline"]["peak_bytes"]
i = j["run"]["instrumented"]["peak_bytes_live"] - j["baseline"]["instrumented"]["peak_bytes_live"]
assert i > 3_000_000 and abs(h - i) / i < 0.05, (h, i)
assert j["heaptrack_run"]["allocations"] >= j["run"]["instrumented"]["allocations"]
assert not j["blind"] and j["blind_spot"] == ""
' "$work/ht.json"
check "the heaptrack table" 0 "$bin" heaptrack -n 20000
if grep -q "peak bytes, run - baseline" "$work/out" && grep -q "allocations, run - baseline" "$work/out"; then
  ok "the table has the peak and allocation differences"
else fail "heaptrack table"; sed 's/^/    /' "$work/out"; fi
check "heaptrack under mimalloc" 0 "$bin" heaptrack -n 20000 -r mimalloc
if grep -q "partly blind" "$work/out"; then ok "under mimalloc it says what heaptrack cannot see"
else fail "no blindness note under mimalloc"; sed 's/^/    /' "$work/out"; fi
mkdir -p "$work/emptybin"
check "heaptrack missing is an error that names the package" 2 env PATH="$work/emptybin" "$bin" heaptrack -n 1000
grep -q "Debian package heaptrack" "$work/out" && ok "names the package" || fail "package name"
finish
