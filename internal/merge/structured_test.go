package merge

import (
	"bytes"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"
)

// structuredCase is a small merge of one format with the bytes the merge
// must give, or the fallback it must take.
type structuredCase struct {
	name               string
	base, ours, theirs string
	want               string   // merged bytes, when clean
	conflicts          []string // settings in conflict
	fallback           bool
	taken, kept        []string
}

// runStructuredCases runs the cases through one format's merge and checks
// the fallback, the report's keys and, when clean, the bytes.
func runStructuredCases(t *testing.T, cases []structuredCase, merge structured) {
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			got, rep, err := merge([]byte(tt.base), []byte(tt.ours), []byte(tt.theirs))
			if tt.fallback {
				if !errors.Is(err, ErrFallback) {
					t.Fatalf("err = %v, want a fallback", err)
				}
				t.Log(err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if keys := propSettingKeys(rep.Conflicts); !slices.Equal(keys, tt.conflicts) {
				t.Errorf("conflicts %q, want %q", keys, tt.conflicts)
			}
			if keys := propSettingKeys(rep.Taken); !slices.Equal(keys, tt.taken) {
				t.Errorf("taken %q, want %q", keys, tt.taken)
			}
			if keys := propSettingKeys(rep.Kept); !slices.Equal(keys, tt.kept) {
				t.Errorf("kept %q, want %q", keys, tt.kept)
			}
			if len(tt.conflicts) == 0 && string(got) != tt.want {
				t.Errorf("merged\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

// checkGoldenArchive compares the outcome files of a golden archive (those
// after its first three, the inputs) with want, or rewrites them when
// update is set.
func checkGoldenArchive(t *testing.T, file string, ar *txtar.Archive, want []txtar.File, update bool) {
	t.Helper()
	if update {
		ar.Files = append(ar.Files[:3], want...)
		if err := os.WriteFile(file, txtar.Format(ar), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got := ar.Files[3:]
	if len(got) != len(want) {
		t.Fatalf("outcome %s, want %s", archiveNames(want), archiveNames(got))
	}
	for i := range got {
		if got[i].Name != want[i].Name || !bytes.Equal(got[i].Data, want[i].Data) {
			t.Errorf("%s:\n%s\nwant %s:\n%s", want[i].Name, want[i].Data, got[i].Name, got[i].Data)
		}
	}
}

// archiveFile returns the named file of ar.
func archiveFile(t *testing.T, ar *txtar.Archive, name string) []byte {
	t.Helper()
	for _, f := range ar.Files {
		if f.Name == name {
			return f.Data
		}
	}
	t.Fatalf("no %s in the archive", name)
	return nil
}

// archiveNames lists the names of archive files.
func archiveNames(files []txtar.File) string {
	var names []string
	for _, f := range files {
		names = append(names, f.Name)
	}
	return strings.Join(names, ", ")
}
