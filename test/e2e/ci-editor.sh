#!/usr/bin/env bash
# The editor tests as CI runs them, after the unit tests:
#   1. the TextMate directive grammar (vscode-tmgrammar-test, real C grammar);
#   2. Neovim headless as an LSP client (test/nvim/run.sh);
#   3. the real VS Code end to end (test/e2e/run.sh: code-server + chromium).
# Under CI=true everything missing is installed (apt-get, npm registry) and
# every part must pass. Outside CI, when chromium/neovim/code-server are not
# installed yet, the browser and Neovim parts are skipped with a message
# (run with CI=true, or run test/e2e/setup.sh once, to include them).
# Idempotent. Last line: "N passed, M failed".
set -uo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$REPO"
mkdir -p test-results
passed=0
failed=0
tally() { # $1: log whose last "N passed, M failed" line is added; no such line = 1 failure
  local line
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$1" | tail -1 || true)
  if [ -z "$line" ]; then failed=$((failed + 1)); return; fi
  passed=$((passed + $(echo "$line" | cut -d' ' -f1)))
  failed=$((failed + $(echo "$line" | cut -d' ' -f3)))
}

echo "== editor: TextMate grammar"
if npx --no-install vscode-tmgrammar-test -g node_modules/tm-grammars/grammars/c.json "test/grammar/*.test.c" \
  > test-results/grammar.log 2>&1; then
  passed=$((passed + 1)); echo "ok   grammar: directive comments"
else
  failed=$((failed + 1)); cat test-results/grammar.log; echo "FAIL grammar"
fi

have_tools=1
command -v nvim >/dev/null || have_tools=0
command -v chromium >/dev/null || have_tools=0
ls "$REPO"/.cache/e2e/code-server-*/.installed >/dev/null 2>&1 || have_tools=0
if [ "${CI:-}" != true ] && [ "$have_tools" = 0 ]; then
  echo "SKIPPED: Neovim and real VS Code e2e tests (neovim, chromium or code-server not installed;"
  echo "         CI=true installs them, or run: bash test/e2e/setup.sh && apt-get install neovim)"
else
  echo "== editor: Neovim headless LSP client"
  bash test/nvim/run.sh > test-results/nvim-run.log 2>&1
  cat test-results/nvim-run.log
  tally test-results/nvim-run.log

  echo "== editor: real VS Code (code-server + chromium)"
  bash test/e2e/run.sh > test-results/e2e-run.log 2>&1
  grep -vE '^\[e2e setup' test-results/e2e-run.log | tail -30
  tally test-results/e2e-run.log
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
