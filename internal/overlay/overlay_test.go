package overlay

import (
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"

	"inplace/internal/drift"
)

func TestParseGood(t *testing.T) {
	b, err := os.ReadFile("testdata/good.json")
	if err != nil {
		t.Fatal(err)
	}
	m, err := Parse(b)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if m.Product != "acme-gateway-4.2.0" || m.Level != 1700000100000 || len(m.Files) != 4 {
		t.Fatalf("parsed %+v", m)
	}
	if f := m.Files[1]; f.Kind != drift.Modified || f.Local.Mode != 0o600 || f.Pristine.Size != 3 {
		t.Errorf("deployment.toml: %+v", f)
	}
	// What Marshal writes, Parse reads back the same.
	out, err := m.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	again, err := Parse(out)
	if err != nil || !reflect.DeepEqual(again, m) {
		t.Errorf("round trip: %v\n%+v\n%+v", err, again, m)
	}
}

const (
	sha1 = "fcde2b2edba56bf408601fb721fe9b5c338d10ee429ea04fae5511b68fbf8fb9"
	sha2 = "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae"
)

func manifest(files string) string {
	return `{"format":1,"product":"p-1","level":0,"files":[` + files + `]}`
}

func added(p string) string {
	return `{"path":"` + p + `","kind":"added","local":{"type":"file","sha256":"` + sha1 + `","size":3,"mode":420}}`
}

func TestParseBad(t *testing.T) {
	file := func(sha string) string { return `{"type":"file","sha256":"` + sha + `","size":3,"mode":420}` }
	tests := []struct{ name, body, msg string }{
		{"empty", ``, "EOF"},
		{"not an object", `[]`, "cannot unmarshal"},
		{"trailing data", manifest(``) + `{}`, "data after"},
		{"unknown field", `{"format":1,"product":"p-1","level":0,"files":[],"extra":1}`, "unknown field"},
		{"unknown file field", manifest(`{"path":"a","kind":"added","local":` + file(sha1) + `,"x":1}`), "unknown field"},
		{"other format", `{"format":2,"product":"p-1","level":0,"files":[]}`, "format 2"},
		{"no product", `{"format":1,"product":"","level":0,"files":[]}`, "product"},
		{"product with a slash", `{"format":1,"product":"../p","level":0,"files":[]}`, "product"},
		{"negative level", `{"format":1,"product":"p-1","level":-1,"files":[]}`, "negative"},
		{"climbing path", manifest(added("../etc/passwd")), "contains .."},
		{"absolute path", manifest(added("/etc/passwd")), "absolute"},
		{"unclean path", manifest(added("a//b")), "not clean"},
		{"dot path", manifest(added("./a")), "not clean"},
		{"backslash", manifest(added(`a\\b`)), "backslash"},
		{"tool state", manifest(added("updates/state.json")), "belongs to the update tool"},
		{"tool state, other case", manifest(added("Updates/state.json")), "belongs to the update tool"},
		{"tool binary", manifest(added("bin/update_linux")), "belongs to the update tool"},
		{"twice", manifest(added("a") + "," + added("a")), "listed twice"},
		{"unknown kind", manifest(`{"path":"a","kind":"changed","local":` + file(sha1) + `}`), "kind"},
		{"modified without pristine", manifest(`{"path":"a","kind":"modified","local":` + file(sha1) + `}`), "needs its pristine"},
		{"added with pristine", manifest(`{"path":"a","kind":"added","pristine":` + file(sha1) + `,"local":` + file(sha2) + `}`), "no pristine"},
		{"removed with local", manifest(`{"path":"a","kind":"removed","pristine":` + file(sha1) + `,"local":` + file(sha2) + `}`), "no local"},
		{"modified, same", manifest(`{"path":"a","kind":"modified","pristine":` + file(sha1) + `,"local":` + file(sha1) + `}`), "the same"},
		{"bad hash", manifest(`{"path":"a","kind":"added","local":` + file("ABC") + `}`), "sha256"},
		{"upper-case hash", manifest(`{"path":"a","kind":"added","local":` + file(strings.ToUpper(sha1)) + `}`), "sha256"},
		{"negative size", manifest(`{"path":"a","kind":"added","local":{"type":"file","sha256":"` + sha1 + `","size":-1}}`), "size"},
		{"huge size", manifest(`{"path":"a","kind":"added","local":{"type":"file","sha256":"` + sha1 + `","size":99999999999999}}`), "size"},
		{"setuid", manifest(`{"path":"a","kind":"added","local":{"type":"file","sha256":"` + sha1 + `","size":3,"mode":2541}}`), "mode"},
		{"unknown type", manifest(`{"path":"a","kind":"added","local":{"type":"fifo","size":0}}`), "type"},
		{"link out", manifest(`{"path":"a/l","kind":"added","local":{"type":"symlink","size":0,"target":"../../etc"}}`), "outside"},
		{"absolute link", manifest(`{"path":"l","kind":"added","local":{"type":"symlink","size":0,"target":"/etc"}}`), "absolute"},
		{"link with hash", manifest(`{"path":"l","kind":"added","local":{"type":"symlink","sha256":"` + sha1 + `","size":0,"target":"x"}}`), "no sha256"},
		{"through a link", manifest(`{"path":"l","kind":"added","local":{"type":"symlink","size":0,"target":"x"}},` + added("l/f")), "inside"},
		{"inside a file", manifest(added("a") + "," + added("a/b")), "inside"},
		{"control character", manifest(added("a\\u0001b")), "control"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Parse([]byte(tc.body))
			if err == nil {
				t.Fatalf("Parse accepted it: %+v", m)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("error does not wrap ErrInvalid: %v", err)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error %q does not say %q", err, tc.msg)
			}
			if !strings.HasPrefix(err.Error(), ManifestFile+": ") {
				t.Errorf("error %q does not name %s", err, ManifestFile)
			}
		})
	}
}

func TestParseTooLarge(t *testing.T) {
	b := make([]byte, MaxManifest+1)
	if _, err := Parse(b); err == nil || !strings.Contains(err.Error(), "at most") {
		t.Errorf("Parse of %d bytes: %v", len(b), err)
	}
}
