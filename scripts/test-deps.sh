#!/usr/bin/env bash
# Installs the programs the end-to-end tests start for real: git (the
# merge tests compare with git merge-file), tinyproxy (the proxy test),
# iproute2 (the proxy test puts the update server in a network namespace),
# unzip and rsync (the benchmark's baselines have tests of their own),
# PostgreSQL (the metadata store's conformance suite runs against a real
# server, which the tests start themselves) and nginx (the replicas are
# tested behind it), and versitygw (below).
# Safe to run again; needs root for apt-get, and does nothing without it.
set -euo pipefail
need=()
command -v git >/dev/null || need+=(git)
command -v tinyproxy >/dev/null || [ -x /usr/sbin/tinyproxy ] || need+=(tinyproxy)
command -v ip >/dev/null || need+=(iproute2)
command -v unzip >/dev/null || need+=(unzip)
command -v rsync >/dev/null || need+=(rsync)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need+=(nginx)
command -v chromium >/dev/null || need+=(chromium)
# versitygw: an S3-compatible server (Apache-2.0) on a folder; the blob
# store's conformance suite and the replica tests run against it. Built
# from the Go module proxy into $(go env GOPATH)/bin, where the tests look.
versitygw=github.com/versity/versitygw/cmd/versitygw@v1.8.0
if ! command -v versitygw >/dev/null && [ ! -x "$(go env GOPATH)/bin/versitygw" ]; then
  echo "test-deps: building $versitygw (a few minutes the first time)" >&2
  CGO_ENABLED=0 go install "$versitygw"
fi
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
