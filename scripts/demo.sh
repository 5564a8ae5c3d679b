#!/usr/bin/env bash
# make demo: an update server on embedded storage in a temporary folder, a
# generated sample product with two updates (the second a security fix), a
# customer who customised deployment.toml and a jar, and the update tool
# walked through details, --status, a dry run, a clean update with a merge, an update
# with a conflict, a .final and --continue, and a revert. Each step prints
# what it runs, what changed, and its exit code.
set -u
cd "$(dirname "$0")/.."
root=$PWD
work=$(mktemp -d "${TMPDIR:-/tmp}/inplace-demo.XXXXXX")
server_pid=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  if [ -n "${KEEP:-}" ]; then echo "demo: kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

bold=$(tput bold 2>/dev/null || true); plain=$(tput sgr0 2>/dev/null || true)
step() { printf '\n%s== %s%s\n' "$bold" "$*" "$plain"; }
# run CMD...: show the command, run it, show its exit code.
run() {
  printf '$ %s\n' "$*"
  "$@"
  local code=$?
  printf '%s-> exit code %d%s\n' "$bold" "$code" "$plain"
  return 0
}

server=$root/bin/update-server
case "$(uname -s)" in
  Linux) tool=update_linux ;; Darwin) tool=update_darwin ;; *) tool=update_windows.exe ;;
esac
[ "$(uname -m)" = aarch64 ] || [ "$(uname -m)" = arm64 ] && tool="${tool%.exe}_arm64"

step "1. The vendor's side: an update server on embedded storage (SQLite + blob folder)"
run "$server" init --data "$work/data"
"$server" serve --data "$work/data" --addr 127.0.0.1:0 --addr-file "$work/addr" 2>"$work/server.log" &
server_pid=$!
for _ in $(seq 100); do [ -s "$work/addr" ] && break; sleep 0.1; done
[ -s "$work/addr" ] || { echo "demo: the server did not start:"; cat "$work/server.log"; exit 1; }
url="http://$(cat "$work/addr")"
echo "update server listening on $url"

step "2. A sample product and two updates (generated: configs, scripts, real jars)"
go run ./tools/mksample -out "$work/sample" | tee "$work/layout"
product=$(awk -F'\t' '$1=="product"{print $2}' "$work/layout")
now=$(($(date +%s) * 1000))
l1=$((now - 2 * 86400000)); l2=$((now - 86400000))
run "$server" product add --data "$work/data" --name acme-gateway --version 4.2.0 "$work/sample/base"
run "$server" update publish --data "$work/data" --product "$product" --timestamp "$l1" "$work/sample/update-1"
run "$server" update publish --data "$work/data" --product "$product" --timestamp "$l2" "$work/sample/update-2"
printf 'demo-password\n' | run "$server" user add --data "$work/data" --username alice --password-stdin --product "$product" --channel full

step "3. The customer installs the product and customises it"
home=$work/home
cp -a "$work/sample/base" "$home"
cp "$root/bin/update" "$home/bin/$tool"
cp "$work/data/root.json" "$home/updates/root.json" # the root of trust ships with the product
go run ./tools/mksample -customise "$home"
echo "customised repository/conf/deployment.toml ([database.apim_db]) and"
echo "repository/components/plugins/acme-auth-core_7.3.12.jar, added repository/conf/customer-notes.txt"
cp "$home/repository/conf/deployment.toml" "$work/deployment.toml.customised"

export UPDATE_SERVER=$url UPDATE_USERNAME=alice UPDATE_PASSWORD=demo-password
cd "$home/bin"

step "4. What is there: --details"
run "./$tool" --non-interactive --channel full --details

step "4b. What the customer changed: --status (files, and the settings of deployment.toml)"
run "./$tool" --non-interactive --status

step "5. A dry run of everything: nothing changes, exit code as the real run would"
run "./$tool" --non-interactive --dry-run

step "6. Update to the first level only (-t): deployment.toml merges cleanly"
run "./$tool" --non-interactive -t "$l1"
echo "your edits and the vendor's, side by side (diff against what you had):"
diff -u "$work/deployment.toml.customised" "$home/repository/conf/deployment.toml" | sed -n '1,40p'

step "7. Update to the newest level: the customised jar conflicts"
run "./$tool" --non-interactive
ls -l "$home/repository/components/plugins/" | grep acme-auth-core

step "8. Any other run now refuses until the conflict is resolved"
run "./$tool" --non-interactive

step "9. The customer resolves the conflict into F.final and runs --continue"
jar=$home/repository/components/plugins/acme-auth-core_7.3.12.jar
echo "\$ cp $jar.updated $jar.final   # take the vendor's fixed jar"
cp "$jar.updated" "$jar.final"
run "./$tool" --non-interactive --continue
run "./$tool" --non-interactive --details

step "10. Revert: the last update (with its --continue) is undone exactly"
run "./$tool" --non-interactive --revert
cmp "$jar" "$work/sample/base/repository/components/plugins/acme-auth-core_7.3.12.jar" >/dev/null \
  || echo "the jar is the customer's own again (not the vendor's base)"
run "./$tool" --non-interactive --revert
if cmp -s "$work/deployment.toml.customised" "$home/repository/conf/deployment.toml"; then
  echo "deployment.toml is byte for byte what the customer had before any update"
fi

step "Done"
echo "server log: $(wc -l <"$work/server.log") lines; set KEEP=1 to keep $work"
