#!/usr/bin/env bash
# The real-VS-Code end-to-end test of CopyScope:
#   1. installs what it needs (test/e2e/setup.sh: Debian packages, code-server);
#   2. packages the extension (`npm run package`) and checks the .vsix;
#   3. installs the .vsix into a fresh code-server profile, starts code-server
#      on 127.0.0.1 (its own process group, stopped by PID on exit);
#   4. drives it with playwright-core + chromium (test/e2e/drive.mjs) on a
#      fresh copy of test/e2e/workspace.
# Screenshots and logs go to test-results/e2e/. Last line: "N passed, M failed".
# Env: E2E_CACHE, CS_VERSION, SKIP_APT (see setup.sh); SKIP_PACKAGE=1 reuses
#      an existing copyscope-<version>.vsix; CI=true installs what is missing
#      (otherwise a machine without chromium/code-server skips with a message).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CACHE="${E2E_CACHE:-$REPO/.cache/e2e}"
CS_VERSION="${CS_VERSION:-4.100.3}"
CS_DIR="$CACHE/code-server-$CS_VERSION"
RESULTS="$REPO/test-results/e2e"
rm -rf "$RESULTS"
mkdir -p "$RESULTS"

passed=0
failed=0
count() { # adds the "N passed, M failed" line of a sub-test's output
  local line
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$1" | tail -1 || true)
  if [ -z "$line" ]; then failed=$((failed + 1)); return; fi
  passed=$((passed + $(echo "$line" | cut -d' ' -f1)))
  failed=$((failed + $(echo "$line" | cut -d' ' -f3)))
}
finish() {
  echo "e2e artifacts: $RESULTS"
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
}

# Outside CI, a machine without chromium or code-server skips (installing them
# needs root, apt and a minute or two); CI=true installs whatever is missing.
if [ "${CI:-}" != true ] && { ! command -v chromium >/dev/null || [ ! -f "$CS_DIR/.installed" ]; }; then
  echo "SKIPPED: real VS Code e2e test: chromium or code-server $CS_VERSION is not installed."
  echo "         Run 'bash test/e2e/setup.sh' once (root: apt-get + npm registry), or run with CI=true."
  exit 0
fi
E2E_CACHE="$CACHE" CS_VERSION="$CS_VERSION" bash "$REPO/test/e2e/setup.sh"

cd "$REPO"
VERSION=$(node -p "require('./package.json').version")
VSIX="$REPO/copyscope-$VERSION.vsix"
if [ "${SKIP_PACKAGE:-0}" != 1 ] || [ ! -f "$VSIX" ]; then
  # Another build in the same work tree (a test run's global setup rebuilds
  # dist/) can replace dist/ while vsce reads it: try again before failing.
  for attempt in 1 2 3; do
    if npm run package > "$RESULTS/package.log" 2>&1; then break; fi
    if [ "$attempt" = 3 ]; then cat "$RESULTS/package.log"; echo "npm run package failed"; failed=$((failed + 1)); finish; exit 1; fi
    echo "npm run package failed (attempt $attempt): $(grep -m1 ERROR "$RESULTS/package.log" || tail -1 "$RESULTS/package.log"); retrying"
    sleep 5
  done
fi
node test/e2e/check-vsix.mjs "$VSIX" | tee "$RESULTS/vsix.log" || true
count "$RESULTS/vsix.log"

RUN="$(mktemp -d "$CACHE/run-XXXXXX")"
mkdir -p "$RUN/home" "$RUN/user-data/User" "$RUN/extensions"
cp "$REPO/test/e2e/user-settings.json" "$RUN/user-data/User/settings.json"
cp -r "$REPO/test/e2e/workspace" "$RUN/work"
PORT=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
cat > "$RUN/config.yaml" <<EOF
bind-addr: 127.0.0.1:$PORT
auth: none
cert: false
disable-telemetry: true
disable-update-check: true
disable-workspace-trust: true
disable-getting-started-override: true
EOF
# code-server writes under $HOME and XDG folders: keep all of it in the run folder.
export HOME="$RUN/home" XDG_CONFIG_HOME="$RUN/home/.config" XDG_DATA_HOME="$RUN/home/.local/share" XDG_CACHE_HOME="$RUN/home/.cache"
cs() { node "$CS_DIR/out/node/entry.js" --config "$RUN/config.yaml" --user-data-dir "$RUN/user-data" --extensions-dir "$RUN/extensions" "$@"; }

if cs --install-extension "$VSIX" > "$RESULTS/install.log" 2>&1 && cs --list-extensions --show-versions 2>/dev/null | grep -q "^copyscope.copyscope@$VERSION$"; then
  echo "ok   installed copyscope.copyscope@$VERSION into code-server $CS_VERSION"
  passed=$((passed + 1))
else
  cat "$RESULTS/install.log"
  echo "FAIL could not install $VSIX"
  failed=$((failed + 1))
  finish
  exit 1
fi

setsid node "$CS_DIR/out/node/entry.js" --config "$RUN/config.yaml" --user-data-dir "$RUN/user-data" \
  --extensions-dir "$RUN/extensions" > "$RESULTS/code-server.log" 2>&1 &
CS_PID=$!
stop_code_server() {
  kill -TERM -- "-$CS_PID" 2>/dev/null || true
  for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$CS_PID" 2>/dev/null || break; sleep 0.3; done
  kill -KILL -- "-$CS_PID" 2>/dev/null || true
  # Keep the extension host's logs (the language server's output channel is there).
  find "$RUN/user-data/logs" -name '*.log' 2>/dev/null | while read -r f; do
    cp "$f" "$RESULTS/vscode-$(basename "$(dirname "$f")")-$(basename "$f")" 2>/dev/null || true
  done
  rm -rf "$RUN"
}
trap stop_code_server EXIT

for _ in $(seq 1 240); do
  curl -fs -o /dev/null "http://127.0.0.1:$PORT/healthz" && break
  kill -0 "$CS_PID" 2>/dev/null || { cat "$RESULTS/code-server.log"; echo "code-server exited"; failed=$((failed + 1)); finish; exit 1; }
  sleep 0.25
done

CS_URL="http://127.0.0.1:$PORT" WORK_DIR="$RUN/work" SHOTS="$RESULTS" BROWSER_PROFILE="$RUN/chromium" \
  node "$REPO/test/e2e/drive.mjs" 2>&1 | tee "$RESULTS/drive.log" || true
count "$RESULTS/drive.log"
finish
