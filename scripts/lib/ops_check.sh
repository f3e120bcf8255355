#!/usr/bin/env bash
# scripts/ops against the local stack, as an operator runs it: every command has --help, the
# table is rebuilt from the bucket the end-to-end tests filled, retention's dry run lists, and an
# invalid document is refused with its problems (exit status 1). Run by scripts/test.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1

fail() {
  echo "scripts/ops check failed: $*"
  exit 1
}

for command in reingest reindex scan rebuild-db expire; do
  scripts/ops "$command" --help >/dev/null || fail "$command --help"
done

out="$(scripts/ops rebuild-db 2>&1)" || fail "rebuild-db: $out"
echo "$out"
grep -q '^rebuilt the table from [1-9]' <<<"$out" || fail "rebuild-db found no documents"

out="$(scripts/ops expire --dry-run 2>&1)" || fail "expire --dry-run: $out"
echo "$out"
grep -q '^DRY RUN: examined [1-9]' <<<"$out" || fail "expire --dry-run examined nothing"

invalid="$(mktemp)"
trap 'rm -f "$invalid"' EXIT
echo '{"schema_version": 1, "folder": "recordings/x"}' >"$invalid"
out="$(scripts/ops reindex "$invalid" 2>&1)" && fail "reindex accepted an invalid document: $out"
echo "$out"
grep -q 'nothing was written; 3 problem(s)' <<<"$out" || fail "reindex did not list the problems"
echo "scripts/ops check passed"
