# Shared by the CLI test scripts (source it after `set -euo pipefail`): the
# Python with numpy and json for checks, a scratch directory removed on exit,
# and the two ways a check fails.
py=/usr/bin/python3
[ -x "$py" ] || py=python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
# expect_error CODE TEXT CMD...: CMD exits CODE and its stderr contains TEXT.
expect_error() {
  local code=$1 text=$2
  shift 2
  set +e
  "$@" >"$tmp/out" 2>"$tmp/err"
  local rc=$?
  set -e
  [ "$rc" -eq "$code" ] || fail "$* exited $rc, not $code: $(cat "$tmp/err")"
  grep -qF -- "$text" "$tmp/err" || fail "$*: stderr lacks '$text': $(cat "$tmp/err")"
}
