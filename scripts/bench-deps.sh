#!/usr/bin/env bash
# Installs the programs make bench measures against or with: git (the git
# baseline), unzip and rsync (the full-pack baseline) and zstd (the bytes
# the tool downloads are compared with zstd's on the same files) and GNU
# time (the tool's peak memory, measured from outside). Safe to
# run again; needs root for apt-get.
set -euo pipefail
need=()
for c in git unzip rsync zstd /usr/bin/time; do
  command -v "$c" >/dev/null || need+=("$(basename "$c")")
done
if ((${#need[@]} == 0)); then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "bench-deps: not root; install ${need[*]} and run again" >&2
  exit 1
fi
echo "bench-deps: installing ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
