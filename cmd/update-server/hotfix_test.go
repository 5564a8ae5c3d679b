package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestHotfixCommands: hotfix publish refuses bad ids, unknown accounts and
// products, and a second publish of an id; hotfix list shows what was
// published; an update may include a known hotfix only; the publish is
// audited.
func TestHotfixCommands(t *testing.T) {
	tmp := t.TempDir()
	data := filepath.Join(tmp, "data")
	d := "--data=" + data
	ok(t, "", "init", d)
	base := writeZip(t, filepath.Join(tmp, "p-1.zip"), "", map[string]string{"a.txt": "content of a", "b.txt": "b"})
	ok(t, "", "product", "add", d, "--name", "p", "--version", "1", base)
	ok(t, "pw\n", "user", "add", d, "--username", "alice", "--password-stdin", "--product", "p-1", "--channel", "full")
	ok(t, "pw\n", "user", "add", d, "--username", "bob", "--password-stdin", "--product", "p-1", "--channel", "full")
	hf := writeFiles(t, filepath.Join(tmp, "hf"), map[string]string{"update.yaml": "description: hot a\n", "files/a.txt": "hot a"})

	fails(t, `hotfix id "bad/id"`, "", "hotfix", "publish", d, "--product", "p-1", "--id", "bad/id", "--user", "alice", hf)
	fails(t, "user mallory does not exist", "", "hotfix", "publish", d, "--product", "p-1", "--id", "HF-1", "--user", "alice", "--user", "mallory", hf)
	fails(t, "product nope-1 is not known", "", "hotfix", "publish", d, "--product", "nope-1", "--id", "HF-1", "--user", "alice", hf)
	fails(t, `required flag(s) "user" not set`, "", "hotfix", "publish", d, "--product", "p-1", "--id", "HF-1", hf)
	out := ok(t, "", "hotfix", "publish", d, "--product", "p-1", "--id", "HF-1", "--user", "alice", hf)
	if out != "published hotfix HF-1 of p-1 for alice: 1 file(s) changed or removed\n" {
		t.Errorf("hotfix publish printed %q", out)
	}
	fails(t, "hotfix HF-1 of p-1 is published already", "", "hotfix", "publish", d, "--product", "p-1", "--id", "HF-1", "--user", "bob", hf)

	out = ok(t, "", "hotfix", "list", d, "--product", "p-1")
	if lines := strings.Split(strings.TrimSpace(out), "\n"); len(lines) != 2 || !strings.HasPrefix(lines[1], "HF-1 ") ||
		!strings.Contains(lines[1], " alice ") || !strings.HasSuffix(lines[1], "hot a") {
		t.Errorf("hotfix list printed %q", out)
	}
	fails(t, "product nope-1 is not known", "", "hotfix", "list", d, "--product", "nope-1")

	upd := func(hotfixes string) string {
		return writeFiles(t, filepath.Join(t.TempDir(), "u"), map[string]string{
			"update.yaml": "description: next\nhotfixes: [" + hotfixes + "]\n", "files/a.txt": "a, next"})
	}
	fails(t, "names hotfix HF-2, which p-1 does not have", "", "update", "publish", d, "--product", "p-1", "--timestamp", "1000", upd("HF-2"))
	ok(t, "", "update", "publish", d, "--product", "p-1", "--timestamp", "1000", upd("HF-1"))

	out = ok(t, "", "audit", "list", d, "--action", "hotfix.publish")
	if !strings.Contains(out, "hotfix HF-1 for alice, 1 change(s)") {
		t.Errorf("audit list printed %q", out)
	}
}
