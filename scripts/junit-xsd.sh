#!/usr/bin/env bash
# The strict JUnit trial's judge (tests/witness/junit_schema.rs): the Jenkins
# xunit-plugin junit-10.xsd in target/witness/junit-xsd/, and xmllint.
# The schema is not vendored; pytest's source distribution ships it
# (testing/example_scripts/junit-10.xsd), so it is taken from there, pinned by
# version and hash. xmllint comes from Debian's libxml2-utils (as root).
# Idempotent: does nothing when the schema has its hash and xmllint runs.
#   scripts/junit-xsd.sh && cargo test --test witness junit
set -euo pipefail
cd "$(dirname "$0")/.."

version=8.3.5
member="pytest-$version/testing/example_scripts/junit-10.xsd"
sha256=a1a816f58d1bf95ebabf371994df0b9246dee66ea9572fbec4f9296f1b2c0ff6
dir=target/witness/junit-xsd
xsd="$dir/junit-10.xsd"
python=${PYTHON:-python3}

hash_of() { sha256sum "$1" | cut -d' ' -f1; }

if [[ -f "$xsd" && "$(hash_of "$xsd")" == "$sha256" ]]; then
    echo "junit-xsd: schema up to date ($xsd)"
else
    if ! "$python" -m pip --version >/dev/null 2>&1; then
        # The moto witness's venv has a pip when the system Python has none.
        python=target/witness/moto-venv/bin/python
        [[ -x "$python" ]] || { echo "junit-xsd: no pip (set PYTHON=… to a Python with pip)" >&2; exit 1; }
    fi
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    "$python" -m pip download --quiet --disable-pip-version-check --no-binary :all: --no-deps \
        "pytest==$version" -d "$tmp"
    tar -xzf "$tmp/pytest-$version.tar.gz" -C "$tmp" "$member"
    got=$(hash_of "$tmp/$member")
    if [[ "$got" != "$sha256" ]]; then
        echo "junit-xsd: $member has sha256 $got, not $sha256" >&2
        exit 1
    fi
    mkdir -p "$dir"
    mv "$tmp/$member" "$xsd"
    echo "junit-xsd: schema from pytest $version's sdist ($xsd)"
fi

if xmllint --version >/dev/null 2>&1; then
    echo "junit-xsd: xmllint up to date"
    exit 0
fi
if [[ $(id -u) -ne 0 ]]; then
    echo "junit-xsd: xmllint not found; install Debian's libxml2-utils (apt-get install libxml2-utils)" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# The package lists only when they do not know the package yet (a fresh machine).
if ! apt-get install -y -qq libxml2-utils >/dev/null; then
    apt-get update -qq
    apt-get install -y -qq libxml2-utils >/dev/null
fi
xmllint --version 2>&1 | head -1
