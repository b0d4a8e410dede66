#!/usr/bin/env bash
# heaptrack cross-check of the instrumented measurement (docs/memory.md).
#
#   heaptrack_check.sh DRIVER [EVENTS=100000] [TOLERANCE_PERCENT=10]
#
# Runs DRIVER (memtest_driver: a store on the system resource wrapped in an InstrumentedResource)
# twice under heaptrack: with EVENTS seed events and with 0 events. heaptrack sees every malloc of
# the process, including the driver's own non-store allocations (the C++ runtime's emergency
# pool, the instrumented resources' shard arrays, the generator's buffers, stdio), which are the
# same in both runs; the 0-event run measures them, so
#     heaptrack delta    = heaptrack peak(EVENTS) - heaptrack peak(0)
#     instrumented delta = instrumented peak(EVENTS) - instrumented peak(0)
# and the check passes when they agree within TOLERANCE_PERCENT of the instrumented delta.
# heaptrack_print prints sizes with 3 significant digits in decimal units (K = 1000), so the
# comparison carries about 0.5% of rounding.
set -euo pipefail

driver=${1:?usage: heaptrack_check.sh DRIVER [EVENTS] [TOLERANCE_PERCENT]}
events=${2:-100000}
tolerance=${3:-10}

for tool in heaptrack heaptrack_print; do
  command -v "$tool" >/dev/null || { echo "FAIL: $tool is not installed (tools/dev setup installs it)"; exit 1; }
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# to_bytes 3.74M -> 3740000 (heaptrack's decimal units B, K, M, G, T)
to_bytes() {
  awk -v v="$1" 'BEGIN {
    n = v + 0; u = substr(v, length(v), 1);
    f = (u == "K") ? 1e3 : (u == "M") ? 1e6 : (u == "G") ? 1e9 : (u == "T") ? 1e12 : 1;
    printf "%.0f\n", n * f }'
}

# measure N -> sets heaptrack_peak and instrumented_peak for a run with N events
measure() {
  local n=$1 out="$work/run-$1"
  heaptrack -o "$out" "$driver" --allocator system --events "$n" >"$out.log" 2>&1 || {
    echo "FAIL: heaptrack run with $n events failed:"; cat "$out.log"; exit 1; }
  local file
  file=$(ls "$out".*z* 2>/dev/null | head -n1)
  [ -n "$file" ] || { echo "FAIL: heaptrack wrote no data file for $n events"; cat "$out.log"; exit 1; }
  local line
  line=$(heaptrack_print -f "$file" | grep -m1 "peak heap memory consumption") || {
    echo "FAIL: no 'peak heap memory consumption' line from heaptrack_print -f $file"; exit 1; }
  heaptrack_peak=$(to_bytes "$(awk -F': ' '{print $2}' <<<"$line" | awk '{print $1}')")
  instrumented_peak=$(awk '/^instrumented_peak_bytes / {print $2}' "$out.log")
  [ -n "$instrumented_peak" ] || { echo "FAIL: driver printed no instrumented_peak_bytes"; cat "$out.log"; exit 1; }
  echo "events $n: heaptrack peak $heaptrack_peak B ($line), instrumented peak $instrumented_peak B"
}

measure 0
base_heaptrack=$heaptrack_peak
base_instrumented=$instrumented_peak
measure "$events"

awk -v hp="$heaptrack_peak" -v hb="$base_heaptrack" -v ip="$instrumented_peak" \
    -v ib="$base_instrumented" -v tol="$tolerance" -v n="$events" 'BEGIN {
  hd = hp - hb; id = ip - ib;
  if (id <= 0) { print "FAIL: instrumented delta is not positive"; exit 1 }
  diff = (hd - id) / id * 100;
  printf "heaptrack delta %d B, instrumented delta %d B, difference %+.2f%% (tolerance %s%%) at %d events\n",
         hd, id, diff, tol, n;
  if (diff > tol || diff < -tol) { print "FAIL: heaptrack and the instrumented resource disagree"; exit 1 }
  print "PASS"
}'
