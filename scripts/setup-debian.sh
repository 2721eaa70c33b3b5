#!/usr/bin/env bash
# Makes sure the Debian packages imarket builds and tests with are present. Installs the missing
# ones when run as root; otherwise prints the exact apt-get command and fails.
set -euo pipefail

needed=(libssl-dev libpq-dev pkg-config postgresql-15 postgresql-contrib postgresql-client-15 curl openssl util-linux python3)
if [ "${IMARKET_SETUP_EXTRA:-}" != "" ]; then
    read -r -a extra <<<"$IMARKET_SETUP_EXTRA"
    needed+=("${extra[@]}")
fi

missing=()
for pkg in "${needed[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done

if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then
        echo "installing: ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -q
        apt-get install -y -q --no-install-recommends "${missing[@]}"
    else
        echo "missing Debian packages; run as root:" >&2
        echo "  apt-get update && apt-get install -y ${missing[*]}" >&2
        exit 1
    fi
fi

# The OpenRPC test validates the document with Python's jsonschema (from PyPI when missing).
if ! python3 -c 'import jsonschema' 2>/dev/null; then
    echo "installing the Python package jsonschema"
    python3 -m pip install --quiet jsonschema || { echo "pip install jsonschema failed" >&2; exit 1; }
fi

# The OCDS test validates release packages with libcoveocds (from PyPI when missing).
if ! command -v libcoveocds >/dev/null 2>&1; then
    echo "installing the Python package libcoveocds"
    python3 -m pip install --quiet libcoveocds || { echo "pip install libcoveocds failed" >&2; exit 1; }
fi

command -v swift >/dev/null || { echo "swift (6.x) is not on PATH" >&2; exit 1; }
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { echo "PostgreSQL server binaries not found under /usr/lib/postgresql" >&2; exit 1; }
