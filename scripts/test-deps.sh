#!/usr/bin/env bash
# Installs the programs the end-to-end tests start for real: git (the
# merge tests compare with git merge-file), tinyproxy (the proxy test),
# iproute2 (the proxy test puts the update server in a network namespace),
# and unzip and rsync (the benchmark's baselines have tests of their own).
# Safe to run again; needs root for apt-get, and does nothing without it.
set -euo pipefail
need=()
command -v git >/dev/null || need+=(git)
command -v tinyproxy >/dev/null || [ -x /usr/sbin/tinyproxy ] || need+=(tinyproxy)
command -v ip >/dev/null || need+=(iproute2)
command -v unzip >/dev/null || need+=(unzip)
command -v rsync >/dev/null || need+=(rsync)
if ((${#need[@]} == 0)); then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "test-deps: not root; cannot install ${need[*]} (the tests that need them will skip)" >&2
  exit 0
fi
echo "test-deps: installing ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
