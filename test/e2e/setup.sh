#!/usr/bin/env bash
# Installs what the real-VS-Code end-to-end test needs, from Debian and the npm
# registry only, into .cache/e2e (ignored by git):
#   - Debian: chromium (the browser playwright-core drives), ripgrep (seeds
#     @vscode/ripgrep, whose own postinstall downloads from GitHub), libkrb5-dev
#     and a C toolchain (VS Code's native modules are built here);
#   - code-server (a real VS Code: workbench + Node extension host) from its
#     npm tarball, with its postinstall steps done by hand because npm 11 does
#     not run dependency install scripts unless allowed, and `npm install -g`
#     breaks code-server's nested install.
# Idempotent: a marker file skips code-server when the same version is there;
# apt runs only when a tool is missing.
#
# Env: E2E_CACHE (default <repo>/.cache/e2e), CS_VERSION (default 4.100.3,
#      the last release that runs on Node 20), SKIP_APT=1.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CACHE="${E2E_CACHE:-$REPO/.cache/e2e}"
CS_VERSION="${CS_VERSION:-4.100.3}"
CS_DIR="$CACHE/code-server-$CS_VERSION"
mkdir -p "$CACHE"
t0=$(date +%s)
say() { echo "[e2e setup +$(( $(date +%s) - t0 ))s] $*"; }

need_apt=()
command -v chromium >/dev/null || need_apt+=(chromium)
command -v rg >/dev/null || need_apt+=(ripgrep)
command -v curl >/dev/null || need_apt+=(curl)
command -v g++ >/dev/null || need_apt+=(build-essential)
command -v python3 >/dev/null || need_apt+=(python3)
[ -f /usr/include/krb5.h ] || [ -f /usr/include/krb5/krb5.h ] || need_apt+=(libkrb5-dev)
command -v pkg-config >/dev/null || need_apt+=(pkg-config)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "${SKIP_APT:-0}" = 1 ]; then echo "missing Debian packages: ${need_apt[*]} (SKIP_APT=1)" >&2; exit 1; fi
  say "apt-get install ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  apt-get install -y -q "${need_apt[@]}" >/dev/null
fi

want_node=$(node -p 'process.versions.node.split(".")[0]')
if [ -f "$CS_DIR/.installed" ]; then
  say "code-server $CS_VERSION already installed in $CS_DIR"
  exit 0
fi

# Everything temporary (ripgrep's download cache included) stays in the cache.
export TMPDIR="$CACHE/tmp"
mkdir -p "$TMPDIR"
export npm_config_yes=true            # node-pty's install runs `npx node-gyp`
[ -f /usr/include/node/node.h ] && export npm_config_nodedir=/usr   # headers for native builds, no download

# Packages of a shrinkwrap that have install scripts: npm 11 runs them only when listed in allow-scripts.
with_scripts() {
  node -e '
    const pk = require(process.argv[1]).packages;
    const names = new Set();
    for (const [k, v] of Object.entries(pk)) if (k && v.hasInstallScript) names.add(k.split("node_modules/").pop());
    names.delete("code-server");
    process.stdout.write([...names].join(","));' "$1"
}

say "fetching code-server@$CS_VERSION from the npm registry"
rm -rf "$CS_DIR" "$CACHE/pack"
mkdir -p "$CACHE/pack"
(cd "$CACHE/pack" && npm pack "code-server@$CS_VERSION" --silent >/dev/null)
tar xzf "$CACHE/pack/code-server-$CS_VERSION.tgz" -C "$CACHE/pack"
mv "$CACHE/pack/package" "$CS_DIR"
rm -rf "$CACHE/pack"
cs_node=$(node -p "require('$CS_DIR/package.json').engines.node")
if [ "$cs_node" != "$want_node" ]; then
  echo "code-server $CS_VERSION needs Node $cs_node, this machine has $(node --version)" >&2
  exit 1
fi

say "code-server: its own dependencies (its postinstall.sh is replaced by the steps below)"
top=$(with_scripts "$CS_DIR/npm-shrinkwrap.json")
printf 'allow-scripts=%s\n' "$top" > "$CS_DIR/.npmrc"
(cd "$CS_DIR" && npm install --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error)
[ -z "$top" ] || (cd "$CS_DIR" && npm rebuild ${top//,/ } --loglevel=error)

VS="$CS_DIR/lib/vscode"
rg_version=$(node -p "(require('$VS/npm-shrinkwrap.json').packages['node_modules/@vscode/ripgrep'] || {}).version || ''")
if [ -n "$rg_version" ]; then
  # @vscode/ripgrep looks in this cache before downloading: give it Debian's rg.
  mkdir -p "$TMPDIR/vscode-ripgrep-cache-$rg_version"
  tar czf "$TMPDIR/vscode-ripgrep-cache-$rg_version/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" -C "$(dirname "$(command -v rg)")" rg
fi
say "code-server: VS Code's dependencies (native builds: node-pty, spdlog, kerberos...)"
printf 'allow-scripts=%s\n' "$(with_scripts "$VS/npm-shrinkwrap.json")" > "$VS/.npmrc"
(cd "$VS" && npm install --omit=dev --no-audit --no-fund --loglevel=error)
(cd "$VS/extensions" && npm install --omit=dev --no-audit --no-fund --loglevel=error)
ln -sfn node_modules "$VS/node_modules.asar"
ln -sfn code-linux.sh "$VS/bin/remote-cli/code-server"
ln -sfn browser-linux.sh "$VS/bin/helpers/browser.sh"
touch "$CS_DIR/.installed"
say "code-server $CS_VERSION installed ($(du -sh "$CS_DIR" | cut -f1))"
