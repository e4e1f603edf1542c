#!/usr/bin/env bash
# Installs what the project needs, once: node_modules from the lockfile; with --java, Maven and
# a JDK 17; with --python, those and a local .venv with the pinned Python tools. Cheap when done.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "installing node_modules (npm ci)..." >&2
  npm ci --no-audit --no-fund --loglevel=error >&2
fi

# The real-program checks need Maven and a JDK 17 (Kafka Connect) and python3 with pip (a Java
# 25 runtime for Trino comes from PyPI). Debian's packages, installed when missing and root.
if [ -n "${1:-}" ] && { ! command -v mvn >/dev/null || ! command -v javac >/dev/null; }; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing Maven and OpenJDK 17 (apt-get)..." >&2
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq maven openjdk-17-jdk-headless >&2
  else
    echo "the tests need Maven and a JDK 17 (javac): install them (Debian: apt-get install maven openjdk-17-jdk-headless)" >&2
    exit 1
  fi
fi

# The Polaris server-login test runs the real psql against a real PostgreSQL (Debian's package;
# its server programs live in /usr/lib/postgresql/<version>/bin).
have_postgres() { command -v psql >/dev/null && { command -v initdb >/dev/null || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; }; }
if ! have_postgres; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing PostgreSQL (apt-get)..." >&2
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
  else
    echo "the tests need PostgreSQL's psql and initdb: install them (Debian: apt-get install postgresql)" >&2
    exit 1
  fi
fi

if [ "${1:-}" = "--python" ]; then
  stamp=".venv/.installed-$(cat requirements-dev.txt requirements-pycep.txt | sha256sum | cut -c1-16)"
  if [ ! -f "$stamp" ]; then
    echo "installing Python tools into .venv (pip)..." >&2
    python3 -m venv .venv
    .venv/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt >&2
    .venv/bin/pip install --quiet --disable-pip-version-check --no-deps -r requirements-pycep.txt >&2
    touch "$stamp"
  fi
  polaris_stamp=".venv-polaris/.installed-$(sha256sum requirements-polaris.txt | cut -c1-16)"
  if [ ! -f "$polaris_stamp" ]; then
    echo "installing the Polaris API models into .venv-polaris (pip)..." >&2
    python3 -m venv .venv-polaris
    .venv-polaris/bin/pip install --quiet --disable-pip-version-check -r requirements-polaris.txt >&2
    touch "$polaris_stamp"
  fi
fi
