#!/usr/bin/env bash
# make bench: runs the benchmarks and writes their figures to
# docs/benchmarks.md. Benchmarks are not tests: nothing here passes or fails
# on time.
#
# The end-to-end harness takes its sizes from E2EBENCH_FLAGS (see
# `go run ./tools/e2ebench -h`); by default a product of 20,000 files and
# about 1 GiB, and one of 200,000 files for the no-op check and memory.
# It needs git, unzip, rsync and zstd (scripts/bench-deps.sh installs them)
# and about 15 GiB of free space in TMPDIR.
set -euo pipefail
cd "$(dirname "$0")/.."
out=docs/benchmarks.md
tmp=$(mktemp)
e2e=$(mktemp)
trap 'rm -f "$tmp" "$e2e"' EXIT
./scripts/bench-deps.sh
make --no-print-directory build >/dev/null
# shellcheck disable=SC2086
go run ./tools/e2ebench -out "$e2e" ${E2EBENCH_FLAGS:-}
{
  echo "# Benchmarks"
  echo
  echo "Written by \`make bench\` on $(date -u +%Y-%m-%d) ($(go version | awk '{print $3}'), $(nproc) cores). Rerun it to refresh this page."
  echo
  cat "$e2e"
  echo
  go run ./tools/mergebench -corpus ../shared/corpus/merge-deployment-toml
  # make loadtest writes its own section; keep the latest.
  if [ -f "$out" ] && grep -q '<!-- make loadtest: begin -->' "$out"; then
    echo
    sed -n '/<!-- make loadtest: begin -->/,/<!-- make loadtest: end -->/p' "$out"
  fi
} >"$tmp"
mv "$tmp" "$out"
echo "bench: wrote $out"
