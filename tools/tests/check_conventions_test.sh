#!/usr/bin/env bash
# Self-test of tools/check-conventions: a tree that breaks each rule fails, with one file:line
# message per break and none for look-alikes in comments, strings or tests/; the same kinds of
# files written to the rules pass.
# Usage: check_conventions_test.sh <python3> <path to check-conventions>
set -uo pipefail
python=$1
checker=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0

fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}

# ---- a tree with one break of each rule
bad=$tmp/bad
mkdir -p "$bad/engine/core" "$bad/allocators/src" "$bad/tests" "$bad/docs"
cat >"$bad/engine/core/bad.hpp" <<'EOF'
#pragma once
#include <stdexcept>
enum class Mode : int { kGood, snake_case, Lower = 2 };
enum Plain { kFine = (1, 2), alsoBad };
void seek(int version, bool locked);
inline void f() { throw std::invalid_argument("x"); }
inline void g() { throw std::logic_error("x"); }
// enum class Commented { not_code };  throw std::logic_error  bool locked
inline const char* s = "enum class InString { not_code }; throw std::out_of_range";
EOF
cat >"$bad/allocators/src/bad.cpp" <<'EOF'
void h() { throw std::out_of_range("x"); }
EOF
cat >"$bad/tests/allowed_test.cpp" <<'EOF'
void t() { throw std::invalid_argument("tests may throw what they like"); }
EOF
# The words are assembled here so that this file itself passes the history check.
{
  echo "Title"
  echo "See ../${x:-shared}/notes for the plan."
  echo "Built for issue ${x:-}7."
  echo "As the ${x:-iss}ue says."
  echo "Measured in one ${x:-sess}ion."
  echo "Two ${x:-engin}eers ran it."
  echo "Compaction (${x:-lat}er) will fix it."
} >"$bad/docs/notes.md"

out=$("$python" "$checker" --root "$bad" 2>&1)
rc=$?
[ "$rc" -eq 1 ] || fail "a tree with breaks exits $rc, expected 1"
expected=(
  "engine/core/bad.hpp:3: enumerator 'snake_case' of Mode is not kCamelCase"
  "engine/core/bad.hpp:3: enumerator 'Lower' of Mode is not kCamelCase"
  "engine/core/bad.hpp:4: enumerator 'alsoBad' of Plain is not kCamelCase"
  "engine/core/bad.hpp:5: a \`bool locked\` flag"
  "engine/core/bad.hpp:6: throws std::invalid_argument: use orchestrix::InvalidArgument"
  "engine/core/bad.hpp:7: throws std::logic_error: use orchestrix::UsageError"
  "allocators/src/bad.cpp:1: throws std::out_of_range: use orchestrix::InvalidArgument"
  "docs/notes.md:2: '../${x:-shared}': a path outside the repository"
  "docs/notes.md:3: '${x:-issue} 7': a reference to an issue"
  "docs/notes.md:4: 'the issue': a reference to an issue"
  "docs/notes.md:5: 'session': a word about how the work was organised"
  "docs/notes.md:6: 'engineers': a word about who did the work"
  "docs/notes.md:7: '(later)': a promise of later work"
)
for line in "${expected[@]}"; do
  grep -qF -- "$line" <<<"$out" || fail "missing: $line"
done
got=$(grep -c '^[^ ]*:[0-9]*: ' <<<"$out")
[ "$got" -eq "${#expected[@]}" ] || fail "$got messages, expected ${#expected[@]}"

# ---- the same kinds of files, written to the rules
good=$tmp/good
mkdir -p "$good/engine/core" "$good/allocators/src" "$good/docs"
cat >"$good/engine/core/good.hpp" <<'EOF'
#pragma once
#include "orchestrix/errors.hpp"
enum class Mode : int { kGood, kAlsoGood = 2 };
enum class Big : unsigned long long { kMax = 1'000'000 };
enum class Forward : int;
void seek(int version);
void seek_locked(int version);
inline void f() { throw orchestrix::InvalidArgument("x"); }
inline char quote() { return '"'; }
EOF
cat >"$good/allocators/src/good.cpp" <<'EOF'
void h() { throw orchestrix::UsageError("x"); }
EOF
echo "Later threads share the last lane; publishers of the issued ids wait." >"$good/docs/notes.md"
out=$("$python" "$checker" --root "$good" 2>&1)
rc=$?
[ "$rc" -eq 0 ] || fail "a clean tree exits $rc, expected 0: $out"

if [ "$failures" -ne 0 ]; then
  echo "--- checker output on the tree with breaks:"
  "$python" "$checker" --root "$bad" 2>&1 | sed 's/^/    /'
  exit 1
fi
echo "ok: check-conventions flags each break and passes a clean tree"
