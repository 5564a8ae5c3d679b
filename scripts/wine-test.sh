#!/usr/bin/env bash
# Builds the Windows test binaries of the given packages (default: all)
# and runs them under Wine, printing one line per package. Installs wine64
# and mingw-w64 when root and missing. Not part of make test (it needs
# Wine, which CI machines do not have and which takes minutes to start).
#
# Two stand-ins make Wine 8 (Debian 12) run what Go 1.26 builds; neither
# changes the code under test:
#   - bcryptprimitives.dll: Go's runtime asks it for random bytes; Wine 8
#     lacks the export, scripts/wine/bcryptprimitives.c provides it.
#   - Go deletes files with NtSetInformationFile(FileDispositionInformationEx),
#     present since Windows 10 1607, and falls back to the older call when
#     Windows answers "invalid info class". Wine 8 answers "not implemented"
#     instead, so the test binaries are built with an -overlay that adds that
#     answer to the fallback's list (real Windows never gives it).
set -uo pipefail
cd "$(dirname "$0")/.."
wine=/usr/lib/wine/wine64
if [ ! -x "$wine" ] || ! command -v x86_64-w64-mingw32-gcc >/dev/null; then
  [ "$(id -u)" = 0 ] || { echo "wine-test: needs wine64 and gcc-mingw-w64-x86-64 (run as root to install)"; exit 1; }
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wine64 gcc-mingw-w64-x86-64 >/dev/null
fi
export WINEDEBUG=-all WINEPREFIX=${WINEPREFIX:-$PWD/.wine}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
logs=${WINE_TEST_LOGS:-/tmp/inplace-wine-logs}; rm -rf "$logs"; mkdir -p "$logs"
"$wine" cmd /c exit >/dev/null 2>&1 || true # creates the prefix
x86_64-w64-mingw32-gcc -shared -O2 -o "$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll" \
  scripts/wine/bcryptprimitives.c -ladvapi32
at=$(go env GOROOT)/src/internal/syscall/windows/at_windows.go
sed 's|case STATUS_INVALID_INFO_CLASS,|case STATUS_INVALID_INFO_CLASS, NTStatus(0xC0000002) /* STATUS_NOT_IMPLEMENTED: Wine 8 */,|' "$at" >"$work/at_windows.go"
grep -q 0xC0000002 "$work/at_windows.go" || { echo "wine-test: cannot patch $at for Wine"; exit 1; }
printf '{"Replace":{"%s":"%s"}}' "$at" "$work/at_windows.go" >"$work/overlay.json"
# The end-to-end tests of cmd/update run the Windows tool and server, built
# here because Go is not there to build them under Wine.
mkdir "$work/bin"
while read -r name version pkg; do
  GOOS=windows GOARCH=amd64 CGO_ENABLED=0 go build -overlay "$work/overlay.json" -ldflags "-X main.version=$version" -o "$work/bin/$name.exe" "$pkg" || exit 1
done <<EOF
update 1.0.0 ./cmd/update
update-1.1.0 1.1.0 ./cmd/update
update-server 0 ./cmd/update-server
EOF
export INPLACE_E2E_BIN=Z:$work/bin # Wine shows / as drive Z:
pkgs=${*:-$(go list ./...)}
for p in $pkgs; do
  exe=$work/$(echo "$p" | tr / _).exe log=$logs/$(echo "$p" | tr / _).log
  GOOS=windows GOARCH=amd64 go test -overlay "$work/overlay.json" -c -o "$exe" "$p" >/dev/null 2>&1 || { echo "build-failed $p"; continue; }
  [ -f "$exe" ] || { echo "no-tests     $p"; continue; }
  if (cd "$(go list -f '{{.Dir}}' "$p")" && timeout 600 "$wine" "$exe" -test.v >"$log" 2>&1)
  then echo "ok           $p"
  else echo "FAIL         $p"; fi
  # Each failure and skip with the line that says why.
  awk '/^ *=== (RUN|CONT|NAME) / { cur = $3; next }
       /^ *=== / { next }
       /^ *--- (FAIL|SKIP): / { print "    " $0; if ($3 in why) print "      " why[$3]; next }
       /^ *--- PASS/ { next }
       /^panic|FAIL: testdata/ { print "      " $0 }
       cur != "" && !(cur in why) && NF { sub(/^ +/, ""); why[cur] = $0 }' "$log"
done
echo "full logs: $logs"
