#!/usr/bin/env bash
# Installs serverless-offline, the independent data-plane witness of the
# e2e.* checks (tests/witness/serverless.rs), from the committed lockfile.
# Idempotent: skips `npm ci` when node_modules was installed from the same
# lockfile (a stamp of its hash). Reaches only the npm registry; install
# scripts are not run (the witness needs none).
#
#   scripts/witness-serverless-offline.sh          # install if needed
#   scripts/witness-serverless-offline.sh --force  # reinstall
#
# Then: cargo test --test witness serverless_offline::
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="$here/witness/serverless-offline"
stamp="$dir/node_modules/.wsconform-lock-sha256"

if ! command -v npm >/dev/null 2>&1; then
    echo "witness-serverless-offline: npm is not installed (apt-get install nodejs npm; node >= 18.12)" >&2
    exit 1
fi

want="$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)"
if [[ "${1:-}" != "--force" && -x "$dir/node_modules/.bin/serverless" && -f "$stamp" \
      && "$(cat "$stamp")" == "$want" ]]; then
    echo "witness-serverless-offline: up to date with package-lock.json"
    exit 0
fi

# Serverless Framework v3 and npm, kept quiet and off the network beyond the registry.
export SLS_TELEMETRY_DISABLED=1 SLS_TRACKING_DISABLED=1 SLS_NOTIFICATIONS_MODE=off \
    SLS_DEPRECATION_DISABLE='*' SLS_INTERACTIVE_SETUP_DISABLE=1 \
    npm_config_fund=false npm_config_audit=false npm_config_update_notifier=false

start=$SECONDS
(cd "$dir" && timeout 900 npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
echo "$want" >"$stamp"
echo "witness-serverless-offline: installed in $((SECONDS - start)) s (serverless-offline $(node -p 'require(process.argv[1]).version' "$dir/node_modules/serverless-offline/package.json" 2>/dev/null || echo '?'))"
