#!/usr/bin/env bash
# make bench: runs the benchmarks and writes their figures to
# docs/benchmarks.md. Benchmarks are not tests: nothing here passes or fails
# on time.
set -euo pipefail
cd "$(dirname "$0")/.."
out=docs/benchmarks.md
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
{
  echo "# Benchmarks"
  echo
  echo "Written by \`make bench\` on $(date -u +%Y-%m-%d) ($(go version | awk '{print $3}'), $(nproc) cores). Rerun it to refresh this page."
  echo
  go run ./tools/mergebench -corpus ../shared/corpus/merge-deployment-toml
  echo
  echo "## Not measured yet"
  echo
  echo "The end-to-end harness (a generated product of 20,000 files, an update of about 200, check,"
  echo "plan, download, apply and revert against baselines in the same run) is the subject of an open"
  echo "issue; this page holds no figures for it rather than figures that were not measured."
} >"$tmp"
mv "$tmp" "$out"
echo "bench: wrote $out"
