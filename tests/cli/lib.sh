# lib.sh: helpers for the CLI tests. Each test script is run by ctest as
# `bash script.sh SIGVM_BINARY` with SIGVM_SOURCE_DIR and SIGVM_SHARED_DIR set.
set -uo pipefail
SIGVM=$1
SRC=${SIGVM_SOURCE_DIR:?}
SHARED=${SIGVM_SHARED_DIR:?}
SIGMA=$SHARED/corpus/sigma
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
passed=0
failed=0

ok() {
    passed=$((passed + 1))
}
bad() {
    failed=$((failed + 1))
    echo "FAIL: $*" >&2
}
# check DESCRIPTION COMMAND...: the command must succeed.
check() {
    local what=$1
    shift
    if "$@"; then ok; else bad "$what"; fi
}
# expect_status N DESCRIPTION COMMAND...: the command must exit with N.
expect_status() {
    local want=$1 what=$2
    shift 2
    "$@"
    local got=$?
    if [ "$got" -eq "$want" ]; then ok; else bad "$what (exit $got, expected $want)"; fi
}
# Tests over ../shared are skipped, and say so, where it is absent (ctest
# reports exit 77 as skipped, never as passed).
need_shared() {
    [ -d "$SIGMA/rules" ] || { echo "SKIPPED: $SHARED/corpus/sigma not found" >&2; exit 77; }
}
finish() {
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
}
