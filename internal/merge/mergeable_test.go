package merge

import (
	"archive/zip"
	"bytes"
	"testing"
)

// jarBytes returns a small but real jar: a zip archive with a manifest
// and a class file whose content depends on version.
func jarBytes(t *testing.T, version string) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for name, content := range map[string]string{
		"META-INF/MANIFEST.MF":      "Manifest-Version: 1.0\nImplementation-Version: " + version + "\n",
		"org/example/Greeter.class": "\xca\xfe\xba\xbe\x00\x00\x00\x34" + version,
	} {
		f, err := w.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Write([]byte(content)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestFileNeverMergesArchives(t *testing.T) {
	base, ours, theirs := jarBytes(t, "1.0"), jarBytes(t, "1.0-patched"), jarBytes(t, "1.1")
	for _, path := range []string{"lib/greeter.jar", "lib/GREETER.JAR", "webapps/api.war"} {
		got := File(path, base, ours, theirs)
		if got.Clean || got.Reason != ReasonArchive || got.Merged != nil || got.Conflicts != 0 {
			t.Errorf("File(%q) = %+v, want not merged with reason %q", path, got, ReasonArchive)
		}
	}
	// Even with only one side changed: the trivial cases are the
	// caller's to decide.
	if got := File("lib/greeter.jar", base, base, theirs); got.Clean || got.Reason == "" {
		t.Errorf("File with ours == base = %+v, want not merged", got)
	}
	// Zip bytes under a text name are caught by their content.
	if got := File("notes.txt", base, ours, theirs); got.Clean || got.Reason != ReasonBinary {
		t.Errorf("File(notes.txt with zip bytes) = %+v, want reason %q", got, ReasonBinary)
	}
}

func TestFileNeverMergesBinaryData(t *testing.T) {
	text := []byte("a = 1\n")
	for _, tt := range []struct {
		name string
		data []byte
	}{
		{"NUL byte", []byte("a = 1\n\x00\n")},
		{"invalid UTF-8", []byte("name = \"caf\xe9\"\n")},
	} {
		for side := range 3 {
			in := [][]byte{text, text, text}
			in[side] = tt.data
			got := File("conf/deployment.toml", in[0], in[1], in[2])
			if got.Clean || got.Reason != ReasonBinary || got.Merged != nil {
				t.Errorf("%s in input %d: File = %+v, want not merged with reason %q", tt.name, side, got, ReasonBinary)
			}
		}
	}
}

func TestFileMergesText(t *testing.T) {
	got := File("conf/deployment.toml", []byte("a = 1\nb = 2\nc = 3\n"), []byte("a = 0\nb = 2\nc = 3\n"), []byte("a = 1\nb = 2\nc = 4\n"))
	if !got.Clean || string(got.Merged) != "a = 0\nb = 2\nc = 4\n" {
		t.Errorf("File = %+v, want a clean merge", got)
	}
}

func TestMergeable(t *testing.T) {
	for _, tt := range []struct {
		path string
		data []byte
		want bool
	}{
		{"conf/deployment.toml", []byte("[server]\nhostname = \"localhost\"\n"), true},
		{"bin/api-manager.sh", []byte("#!/bin/sh\r\necho héllo\r\n"), true},
		{"conf/empty.xml", nil, true},
		{"lib/x.jar", []byte("text\n"), false},
		{"backup.tar.gz", nil, false},
		{"repository/resources/security/wso2carbon.JKS", nil, false},
		{"lib/libfoo.so", nil, false},
		{"conf/x.properties", []byte("a\x00b"), false},
		{"conf/x.properties", []byte{'a', 0xff, 0xfe, '\n'}, false},
		{"conf/x.properties", []byte("truncated \xe2\x82"), false},
	} {
		if got := Mergeable(tt.path, tt.data); got != tt.want {
			t.Errorf("Mergeable(%q, %q) = %v, want %v", tt.path, tt.data, got, tt.want)
		}
	}
	if Mergeable("a.txt", []byte("ok\n"), []byte("\x00")) {
		t.Error("Mergeable with a NUL in the second data = true, want false")
	}
	if !Mergeable("a.txt") {
		t.Error("Mergeable(\"a.txt\") without data = false, want true")
	}
}
