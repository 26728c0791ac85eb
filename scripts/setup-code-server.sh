#!/usr/bin/env bash
# Installs what the real-VS Code tests need: Debian's Chromium and ripgrep, and
# code-server (VS Code's own workbench and extension host) from npm, into a cache
# directory outside the project. Idempotent: re-running it only checks.
# Prints the path of the code-server executable as its last line.
#
# Env: GAN_STUDIO_CACHE   cache root (default: $HOME/.cache/gan-studio)
#      CODE_SERVER_DIR    install directory (default: $GAN_STUDIO_CACHE/code-server-<version>)
set -euo pipefail

readonly CODE_SERVER_VERSION=4.100.3
readonly APT_PACKAGES=(libkrb5-dev ripgrep chromium)
# @vscode/ripgrep's postinstall looks for this archive before it tries GitHub.
readonly RIPGREP_CACHE_DIR_NAME=vscode-ripgrep-cache-1.15.11
readonly RIPGREP_ASSET_VERSION=v13.0.0-10

readonly CACHE_ROOT="${GAN_STUDIO_CACHE:-$HOME/.cache/gan-studio}"
readonly INSTALL_DIR="${CODE_SERVER_DIR:-$CACHE_ROOT/code-server-$CODE_SERVER_VERSION}"
readonly CODE_SERVER_BIN="$INSTALL_DIR/node_modules/.bin/code-server"
# Without --config code-server writes ~/.config/code-server/config.yaml on its first run.
readonly CHECK_CONFIG="$INSTALL_DIR/check-config.yaml"

log() { echo "[setup-code-server] $*" >&2; }

is_installed() {
  [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]
}

install_apt_packages() {
  local missing=() pkg
  for pkg in "${APT_PACKAGES[@]}"; do
    is_installed "$pkg" || missing+=("$pkg")
  done
  if [ "${#missing[@]}" -eq 0 ]; then
    log "apt packages present: ${APT_PACKAGES[*]}"
    return
  fi
  log "installing apt packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # Wait for another apt/dpkg run to finish instead of failing on its lock.
  local lock_wait=(-o DPkg::Lock::Timeout=600)
  apt-get "${lock_wait[@]}" update -qq
  apt-get "${lock_wait[@]}" install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

code_server_works() {
  [ -x "$CODE_SERVER_BIN" ] && [ -f "$CHECK_CONFIG" ] &&
    "$CODE_SERVER_BIN" --config "$CHECK_CONFIG" --version 2>/dev/null | grep -q "^$CODE_SERVER_VERSION "
}

ripgrep_target() {
  case "$(uname -m)" in
    x86_64) echo x86_64-unknown-linux-musl ;;
    aarch64 | arm64) echo aarch64-unknown-linux-musl ;;
    *) log "unsupported architecture: $(uname -m)"; exit 1 ;;
  esac
}

# Puts Debian's rg where @vscode/ripgrep's postinstall finds it (os.tmpdir()).
seed_ripgrep_cache() {
  local tmp_dir="$1" cache_dir="$1/$RIPGREP_CACHE_DIR_NAME" stage="$1/rg-stage"
  mkdir -p "$cache_dir" "$stage"
  cp "$(command -v rg)" "$stage/rg"
  tar -czf "$cache_dir/ripgrep-$RIPGREP_ASSET_VERSION-$(ripgrep_target).tar.gz" -C "$stage" rg
}

# Installs into a staging directory first so a failed run never looks installed.
install_code_server() {
  local staging="$INSTALL_DIR.partial" npm_tmp
  npm_tmp="$(mktemp -d)"
  # Globals: the EXIT trap runs after this function's locals are gone.
  CLEANUP_PATHS=("$npm_tmp" "$staging")
  trap 'rm -rf "${CLEANUP_PATHS[@]}"' EXIT
  seed_ripgrep_cache "$npm_tmp"
  rm -rf "$staging"
  mkdir -p "$staging"
  log "installing code-server@$CODE_SERVER_VERSION into $INSTALL_DIR (about a minute)"
  (
    cd "$staging"
    echo '{"name":"gan-studio-code-server","private":true}' >package.json
    echo 'auth: none' >"$(basename "$CHECK_CONFIG")"
    TMPDIR="$npm_tmp" npm_config_unsafe_perm=true npm_config_yes=true \
      npm install --no-audit --no-fund --loglevel=error "code-server@$CODE_SERVER_VERSION" >&2
  )
  rm -rf "$INSTALL_DIR"
  mv "$staging" "$INSTALL_DIR"
}

main() {
  install_apt_packages
  if code_server_works; then
    log "code-server $CODE_SERVER_VERSION already installed"
  else
    install_code_server
    code_server_works || {
      log "code-server does not run after install: $("$CODE_SERVER_BIN" --config "$CHECK_CONFIG" --version 2>&1 | tail -n3)"
      exit 1
    }
  fi
  echo "$CODE_SERVER_BIN"
}

main "$@"
