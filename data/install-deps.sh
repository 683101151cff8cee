#!/bin/sh
# data/install-deps.sh - install what unspin needs to build, test and build its
# models on Debian (bookworm or later). Uses sudo when not run as root.
# Idempotent: packages already installed are left alone.
set -eu
SUDO=
if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi

# build: compiler, make, libraries; test: clang (libFuzzer, sanitizers), python3
# (CLI round-trip checks, evaluation scripts); data: npm (npm pack), ca-certificates.
pkgs="gcc make libc6-dev clang libclang-rt-dev libutf8proc-dev libxxhash-dev zlib1g-dev python3 ca-certificates"
command -v npm >/dev/null 2>&1 || pkgs="$pkgs npm"

missing=""
for p in $pkgs; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
# apt-get download (data/fetch.sh) needs the package lists too.
if [ -n "$missing" ] || ! ls /var/lib/apt/lists/*Packages* >/dev/null 2>&1; then
    $SUDO apt-get update -qq
fi
if [ -n "$missing" ]; then
    echo "installing:$missing" >&2
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
