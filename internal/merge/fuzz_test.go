package merge

import (
	"bytes"
	"testing"
)

// FuzzLines checks properties every merge must have, whatever git would
// make of the inputs.
func FuzzLines(f *testing.F) {
	for _, tt := range linesTests {
		f.Add([]byte(tt.base), []byte(tt.ours), []byte(tt.theirs))
	}
	f.Add([]byte("a\nb\nc"), []byte("a\r\nB\r\nc"), []byte("a\nb\nc\nd\n"))
	f.Add([]byte("[server]\nhost = \"a\"\n\n[db]\nurl = \"x\"\n"),
		[]byte("[server]\nhost = \"b\"\n\n[db]\nurl = \"x\"\n"),
		[]byte("[server]\nhost = \"a\"\n\n[db]\nurl = \"y\"\npool = 5\n"))

	f.Fuzz(func(t *testing.T, base, ours, theirs []byte) {
		got := Lines(base, ours, theirs)

		if got.Reason != "" {
			t.Fatalf("Reason = %q, want none from Lines", got.Reason)
		}
		if got.Clean != (got.Conflicts == 0) {
			t.Fatalf("Clean = %v with %d conflicts", got.Clean, got.Conflicts)
		}

		// One side unchanged: the other side wins as it is.
		if bytes.Equal(ours, base) && (!got.Clean || !bytes.Equal(got.Merged, theirs)) {
			t.Fatalf("ours == base: got %+v, want theirs %q", got, theirs)
		}
		if bytes.Equal(theirs, base) && (!got.Clean || !bytes.Equal(got.Merged, ours)) {
			t.Fatalf("theirs == base: got %+v, want ours %q", got, ours)
		}
		// The same change on both sides is no conflict.
		if bytes.Equal(ours, theirs) && (!got.Clean || !bytes.Equal(got.Merged, ours)) {
			t.Fatalf("ours == theirs: got %+v, want ours %q", got, ours)
		}

		if !got.Clean {
			if !bytes.Contains(got.Merged, []byte(markerOurs)) {
				t.Fatalf("%d conflicts but no marker in %q", got.Conflicts, got.Merged)
			}
			return
		}
		// A clean merge is made of whole lines of ours and theirs, so
		// it lacks a final newline only if one of them does.
		have := make(map[string]bool)
		for _, l := range splitLines(ours) {
			have[string(l)] = true
		}
		for _, l := range splitLines(theirs) {
			have[string(l)] = true
		}
		for _, l := range splitLines(got.Merged) {
			if !have[string(l)] {
				t.Fatalf("clean merge has line %q found in neither side", l)
			}
		}
	})
}
