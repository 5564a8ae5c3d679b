package merge

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
)

var tomlUpdate = flag.Bool("update-toml", false, "rewrite the expected outcomes in testdata/toml")

// TestMergeTOMLGolden runs the cases in testdata/toml. Each archive holds
// base.toml, ours.toml and theirs.toml, and the expected outcome: the
// merged file and the report when the merge is clean (merged.toml,
// report), the conflicting settings (conflicts), or the reason of a
// fallback (fallback). Run with -update-toml to rewrite the outcomes.
func TestMergeTOMLGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "toml", "*.txtar"))
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			ar, err := txtar.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			base, ours, theirs := archiveFile(t, ar, "base.toml"), archiveFile(t, ar, "ours.toml"), archiveFile(t, ar, "theirs.toml")
			merged, rep, fellBack := tomlTestMerge(t, file, base, ours, theirs)
			want := tomlOutcome(merged, rep, fellBack, base, ours, theirs)
			checkGoldenArchive(t, file, ar, want, *tomlUpdate)
		})
	}
}

// tomlOutcome writes the outcome of a merge as archive files.
func tomlOutcome(merged []byte, rep *Report, fellBack bool, base, ours, theirs []byte) []txtar.File {
	if fellBack {
		_, _, err := mergeTOML(base, ours, theirs)
		return []txtar.File{{Name: "fallback", Data: []byte(err.Error() + "\n")}}
	}
	if len(rep.Conflicts) > 0 {
		return []txtar.File{{Name: "conflicts", Data: tomlSettings(rep.Conflicts, "")}}
	}
	report := append(tomlSettings(rep.Taken, "taken "), tomlSettings(rep.Kept, "kept ")...)
	return []txtar.File{{Name: "merged.toml", Data: merged}, {Name: "report", Data: report}}
}

// tomlSettings writes settings one a line: key: base | ours | theirs.
func tomlSettings(settings []Setting, prefix string) []byte {
	var b bytes.Buffer
	for _, s := range settings {
		fmt.Fprintf(&b, "%s%s: %s | %s | %s\n", prefix, s.Key, s.Base, s.Ours, s.Theirs)
	}
	return b.Bytes()
}

// tomlCRLF turns line endings into CRLF.
func tomlCRLF(s string) []byte {
	return []byte(strings.ReplaceAll(s, "\n", "\r\n"))
}

// TestMergeTOMLLineEndings merges into customer files with CRLF line
// endings and without a final newline: the result keeps them, including in
// the lines the update brings.
func TestMergeTOMLLineEndings(t *testing.T) {
	base := "[server]\nhostname = \"localhost\"\nports = [\n  9443,\n]\n\n[apim.cors]\nallow_origins = \"*\"\n"
	theirs := "[server]\nhostname = \"localhost\"\nports = [\n  9443,\n  9444,\n]\n# the pool\npool = 10\n\n[apim.cors]\nallow_origins = \"*\"\n\n# new\n[oauth]\nenable = true\n"
	tests := []struct {
		name       string
		ours, want []byte
	}{{
		name: "CRLF",
		ours: tomlCRLF("[server]\nhostname = \"prod\"\nports = [\n  9443,\n]\n\n[apim.cors]\nallow_origins = \"*\"\n"),
		want: tomlCRLF("[server]\nhostname = \"prod\"\nports = [\n  9443,\n  9444,\n]\n# the pool\npool = 10\n\n[apim.cors]\nallow_origins = \"*\"\n\n# new\n[oauth]\nenable = true\n"),
	}, {
		name: "no final newline",
		ours: []byte("[server]\nhostname = \"prod\"\nports = [\n  9443,\n]\n\n[apim.cors]\nallow_origins = \"*\""),
		want: []byte("[server]\nhostname = \"prod\"\nports = [\n  9443,\n  9444,\n]\n# the pool\npool = 10\n\n[apim.cors]\nallow_origins = \"*\"\n\n# new\n[oauth]\nenable = true"),
	}, {
		name: "CRLF, no final newline",
		ours: tomlCRLF("[server]\nhostname = \"prod\"\nports = [\n  9443,\n]\n\n[apim.cors]\nallow_origins = \"*\""),
		want: tomlCRLF("[server]\nhostname = \"prod\"\nports = [\n  9443,\n  9444,\n]\n# the pool\npool = 10\n\n[apim.cors]\nallow_origins = \"*\"\n\n# new\n[oauth]\nenable = true"),
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, rep, err := mergeTOML([]byte(base), tt.ours, []byte(theirs))
			if err != nil || len(rep.Conflicts) > 0 {
				t.Fatalf("mergeTOML: %v, %+v", err, rep)
			}
			if !bytes.Equal(got, tt.want) {
				t.Errorf("merged\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

// TestMergeTOMLRemovesLastLine removes the customer's last line, which has
// no newline: the result still ends without one.
func TestMergeTOMLRemovesLastLine(t *testing.T) {
	base := "[a]\nx = 1\ny = 2\n"
	ours := "[a]\nx = 5\ny = 2"
	theirs := "[a]\nx = 1\n"
	got, _, err := mergeTOML([]byte(base), []byte(ours), []byte(theirs))
	if err != nil || string(got) != "[a]\nx = 5" {
		t.Errorf("mergeTOML = %q, %v; want %q", got, err, "[a]\nx = 5")
	}
}

// TestMergeTOMLReport checks the report of a clean merge: every setting
// changed on either side, by its path, with its three values.
func TestMergeTOMLReport(t *testing.T) {
	base := "[[env]]\nname = \"Default\"\nurl = \"http://a\"\n\n[db]\nurl = \"x\"\npool = 1\n"
	ours := "[[env]]\nname = \"Default\"\nurl = \"http://b\"\n\n[db]\nurl='x'\n"
	theirs := "[[env]]\nname = \"Default\"\nurl = \"http://a\"\nport = 80\n\n[db]\nurl = \"x\"\npool = 1\n"
	_, rep, err := mergeTOML([]byte(base), []byte(ours), []byte(theirs))
	if err != nil {
		t.Fatal(err)
	}
	want := &Report{
		Format: "toml",
		Taken:  []Setting{{Key: "env[name=Default].port", Theirs: Value{true, "80"}}},
		Kept: []Setting{
			{Key: "db.pool", Base: Value{true, "1"}, Theirs: Value{true, "1"}},
			{Key: "env[name=Default].url", Base: Value{true, `"http://a"`}, Ours: Value{true, `"http://b"`}, Theirs: Value{true, `"http://a"`}},
		},
	}
	if fmt.Sprint(rep) != fmt.Sprint(want) {
		t.Errorf("report\n%+v\nwant\n%+v", rep, want)
	}
}

// TestMergeTOMLFallbackIsErrFallback checks that every way of falling back
// wraps ErrFallback.
func TestMergeTOMLFallbackIsErrFallback(t *testing.T) {
	for _, in := range [][3]string{
		{"a = 1\n", "a = \n", "a = 2\n"},
		{"a = 1\n", "a = 1\n", "a = 1\na = 2\n"},
		{"[x\n", "a = 1\n", "a = 2\n"},
	} {
		_, _, err := mergeTOML([]byte(in[0]), []byte(in[1]), []byte(in[2]))
		if !errors.Is(err, ErrFallback) {
			t.Errorf("mergeTOML(%q) error = %v, want ErrFallback", in, err)
		}
	}
}

// TestMergeTOMLCRLFMultilineString takes the update's new multi-line
// string into a CRLF file: the line endings inside the string are part of
// its value, so they stay as the update wrote them.
func TestMergeTOMLCRLFMultilineString(t *testing.T) {
	base := "[a]\nbanner = \"\"\"\nhello\n\"\"\"\nx = 1\n"
	ours := tomlCRLF("[a]\nbanner = \"\"\"\nhello\n\"\"\"\nx = 2\n")
	theirs := "[a]\nbanner = \"\"\"\nhello\nworld\n\"\"\"\nx = 1\n"
	got, rep, err := mergeTOML(tomlCRLF(base), ours, []byte(theirs))
	if err != nil || len(rep.Conflicts) > 0 {
		t.Fatalf("mergeTOML: %v, %+v", err, rep)
	}
	want := "[a]\r\nbanner = \"\"\"\nhello\nworld\n\"\"\"\r\nx = 2\r\n"
	if string(got) != want {
		t.Errorf("merged %q, want %q", got, want)
	}
}
