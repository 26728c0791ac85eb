#!/usr/bin/env bash
# One command on a fresh machine: install, build and pack GAN Studio, then open VS Code with it.
# Desktop VS Code (`code` on the PATH) gets the .vsix installed; otherwise the same VS Code runs in
# the browser (code-server 4.100.3, VS Code 1.100) on http://127.0.0.1:${PORT:-8080}.
set -euo pipefail
cd "$(dirname "$0")/.."
npm ci --no-audit --no-fund
npm run package
vsix="$(ls -t gan-studio-*.vsix | head -n 1)"
workspace="${1:-$PWD/playground}"
mkdir -p "$workspace"

if command -v code >/dev/null 2>&1; then
  code --install-extension "$vsix" --force
  code "$workspace"
  echo "VS Code is open on $workspace: run “GAN Studio: Train GAN” from the command palette."
  exit 0
fi

bin="$(bash scripts/setup-code-server.sh | tail -n 1)"
state="${GAN_STUDIO_CACHE:-$HOME/.cache/gan-studio}/start"
mkdir -p "$state"
printf 'bind-addr: 127.0.0.1:%s\nauth: none\ncert: false\n' "${PORT:-8080}" > "$state/config.yaml"
args=(--config "$state/config.yaml" --user-data-dir "$state/data" --extensions-dir "$state/extensions" --disable-telemetry --disable-update-check --disable-workspace-trust)
"$bin" "${args[@]}" --install-extension "$vsix" --force
echo "Open http://127.0.0.1:${PORT:-8080}/?folder=$workspace and run “GAN Studio: Train GAN” from the command palette (F1)."
exec "$bin" "${args[@]}" "$workspace"
