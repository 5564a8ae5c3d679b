#!/usr/bin/env bash
# Builds the Windows test binaries of the given packages (default: all)
# and runs them under Wine, printing one line per package. Installs wine64
# and mingw-w64 when root and missing. Not part of make test: Wine 8
# (Debian 12) cannot run all of them: Go 1.26's os.RemoveAll on Windows
# uses a file disposition call that Wine 8 does not implement.
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
"$wine" cmd /c exit >/dev/null 2>&1 || true # creates the prefix
x86_64-w64-mingw32-gcc -shared -O2 -o "$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll" \
  scripts/wine/bcryptprimitives.c -ladvapi32
pkgs=${*:-$(go list ./...)}
for p in $pkgs; do
  exe=$work/$(echo "$p" | tr / _).exe
  GOOS=windows GOARCH=amd64 go test -c -o "$exe" "$p" >/dev/null 2>&1 || { echo "build-failed $p"; continue; }
  [ -f "$exe" ] || { echo "no-tests     $p"; continue; }
  if (cd "$work" && timeout 600 "$wine" "$exe" >"$exe.log" 2>&1); then echo "ok           $p"; else echo "FAIL         $p ($exe.log)"; fi
done
