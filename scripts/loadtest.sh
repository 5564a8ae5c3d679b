#!/usr/bin/env bash
# make loadtest: simulated customers against two update-server replicas
# behind nginx, sharing PostgreSQL and an S3 server, all started here on
# loopback; then the same requests against nginx's static files. Writes
# its section of docs/benchmarks.md. A benchmark, not a test: nothing here
# passes or fails on time. Flags for the harness: LOADTEST_FLAGS (see
# `go run ./tools/loadtest -h`).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/test-deps.sh
make --no-print-directory build >/dev/null
# shellcheck disable=SC2086
go run ./tools/loadtest -server bin/update-server ${LOADTEST_FLAGS:-}
