#!/usr/bin/env bash
# Installs the moto witness (tests/witness/moto.rs) into target/witness/moto-venv.
# Idempotent: does nothing when the venv was built from the same requirements.
#   scripts/witness-moto.sh && cargo test --test witness moto::
set -euo pipefail
cd "$(dirname "$0")/.."

req=witness/moto/requirements.txt
venv=target/witness/moto-venv
stamp="$venv/.requirements.sha256"
python=${PYTHON:-python3}

want=$(sha256sum "$req" | cut -d' ' -f1)
if [[ -x "$venv/bin/moto_server" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
    echo "moto witness: up to date ($venv)"
    exit 0
fi

command -v "$python" >/dev/null || { echo "moto witness: $python not found (set PYTHON=…)" >&2; exit 1; }
"$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 9) else 1)' \
    || { echo "moto witness: needs Python >= 3.9" >&2; exit 1; }

rm -rf "$venv"
mkdir -p "$(dirname "$venv")"
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --requirement "$req"
"$venv/bin/python" -c 'import moto, boto3, cryptography; print("moto witness: moto", moto.__version__, "boto3", boto3.__version__)'
echo "$want" > "$stamp"
