# Shared helpers of the orchestrix-mem end-to-end tests (sourced).
#   check <description> <expected exit code> <command...>   runs it, compares the exit code
#   check_py <description> <file> <python body reading sys.argv[1]...> [args...]
#   finish                                                   prints the tally, sets the status
set -uo pipefail
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
passed=0

ok() { echo "ok: $1"; passed=$((passed + 1)); }
fail() { echo "FAIL: $1"; failures=$((failures + 1)); }

check() {
  local what=$1 want=$2; shift 2
  "$@" >"$work/out" 2>&1
  local got=$?
  if [ "$got" -ne "$want" ]; then
    fail "$what: exit $got, expected $want"; sed 's/^/    /' "$work/out" | tail -20
  else
    ok "$what"
  fi
}

# check_py <description> <python program> <args...>: passes when the program exits 0.
check_py() {
  local what=$1 program=$2; shift 2
  if /usr/bin/python3 -c "$program" "$@" >"$work/py" 2>&1; then
    ok "$what"
  else
    fail "$what"; sed 's/^/    /' "$work/py" | tail -20
  fi
}

finish() {
  echo "$passed passed, $failures failed"
  [ "$failures" -eq 0 ]
}
