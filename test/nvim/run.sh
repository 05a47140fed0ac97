#!/usr/bin/env bash
# Runs Neovim headless (Debian's 0.7.2 works) as an LSP client of the
# CopyScope language server over stdio, on a fresh copy of the e2e fixture
# shift.c. Under CI=true installs neovim with apt-get when it is missing
# (elsewhere it skips with a message). Builds dist/ when
# dist/server.js is missing. Last line: "N passed, M failed".
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
if ! command -v nvim >/dev/null; then
  if [ "${CI:-}" != true ]; then
    echo "SKIPPED: Neovim LSP client test: nvim is not installed (apt-get install neovim, or run with CI=true)."
    exit 0
  fi
  echo "installing neovim (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null && apt-get install -y -q neovim >/dev/null
fi
[ -f "$REPO/dist/server.js" ] || node "$REPO/scripts/build.mjs"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cp "$REPO/test/e2e/workspace/shift.c" "$WORK/shift.c"
# A rule fixture, and what the CLI reports for it: the editor must show the same.
FIXTURE="$REPO/test/fixtures/rules/copy/overlapping-memcpy.c"
cp "$FIXTURE" "$WORK/fixture.c"
[ -f "$REPO/dist/cli.js" ] || node "$REPO/scripts/build.mjs"
(cd "$WORK" && node "$REPO/dist/cli.js" lint --format json fixture.c > "$WORK/expected.json") || true
mkdir -p "$REPO/test-results"
cd "$WORK"
# --clean: no user config or plugins; -n: no swap file. HOME/XDG point into
# the temp folder so nothing is written to the real home.
HOME="$WORK" XDG_STATE_HOME="$WORK/state" XDG_DATA_HOME="$WORK/data" XDG_CACHE_HOME="$WORK/cache" \
COPYSCOPE_SERVER="$REPO/dist/server.js" timeout 120 \
  nvim --headless --clean -n -c "luafile $REPO/test/nvim/client.lua" shift.c | tee "$REPO/test-results/nvim.log"
