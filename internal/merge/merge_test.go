package merge

import (
	"bytes"
	"testing"
)

// linesTests are small merges with the result git merge-file gives for them
// (git merge-file -p -L ours -L base -L theirs ours base theirs).
var linesTests = []struct {
	name               string
	base, ours, theirs string
	want               string
	conflicts          int
}{
	{
		name: "all empty",
	},
	{
		name: "identical",
		base: "a\nb\n", ours: "a\nb\n", theirs: "a\nb\n",
		want: "a\nb\n",
	},
	{
		name: "only theirs changed",
		base: "a\nb\n", ours: "a\nb\n", theirs: "a\nB\n",
		want: "a\nB\n",
	},
	{
		name: "only ours changed",
		base: "a\nb\n", ours: "A\nb\n", theirs: "a\nb\n",
		want: "A\nb\n",
	},
	{
		name: "theirs changed, whatever the line endings",
		base: "a\nb", ours: "a\nb", theirs: "a\r\nb\r\n",
		want: "a\r\nb\r\n",
	},
	{
		name: "same change on both sides",
		base: "a\nb\nc\n", ours: "a\nX\nc\n", theirs: "a\nX\nc\n",
		want: "a\nX\nc\n",
	},
	{
		name: "changes one unchanged line apart",
		base: "a\nb\nc\n", ours: "A\nb\nc\n", theirs: "a\nb\nC\n",
		want: "A\nb\nC\n",
	},
	{
		name: "changes to adjacent lines conflict",
		base: "a\nb\nc\n", ours: "a\nB\nc\n", theirs: "a\nb\nC\n",
		want:      "a\n<<<<<<< ours\nB\nc\n=======\nb\nC\n>>>>>>> theirs\n",
		conflicts: 1,
	},
	{
		name: "insertions at the same place conflict",
		base: "a\nb\n", ours: "a\nx\nb\n", theirs: "a\ny\nb\n",
		want:      "a\n<<<<<<< ours\nx\n=======\ny\n>>>>>>> theirs\nb\n",
		conflicts: 1,
	},
	{
		name: "deletion and distant change",
		base: "a\nb\nc\nd\n", ours: "b\nc\nd\n", theirs: "a\nb\nc\nD\n",
		want: "b\nc\nD\n",
	},
	{
		name: "both append the same line",
		base: "a\n", ours: "a\nb\n", theirs: "a\nb\n",
		want: "a\nb\n",
	},
	{
		name: "both append different lines",
		base: "a\n", ours: "a\nb\n", theirs: "a\nc\n",
		want:      "a\n<<<<<<< ours\nb\n=======\nc\n>>>>>>> theirs\n",
		conflicts: 1,
	},
	{
		name: "empty base, different additions",
		base: "", ours: "x\n", theirs: "y\n",
		want:      "<<<<<<< ours\nx\n=======\ny\n>>>>>>> theirs\n",
		conflicts: 1,
	},
	{
		name: "identical sides differing from base only in part",
		base: "a\nb\nc\nd\ne\n", ours: "a\nB\nC\nD\ne\n", theirs: "a\nB\nx\nD\ne\n",
		want:      "a\nB\n<<<<<<< ours\nC\n=======\nx\n>>>>>>> theirs\nD\ne\n",
		conflicts: 1,
	},
	{
		name: "final newline added by ours, first line changed by theirs",
		base: "a\nb\nc", ours: "a\nb\nc\n", theirs: "A\nb\nc",
		want: "A\nb\nc\n",
	},
	{
		name: "final line without newline changed on both sides",
		base: "a\nb\nc", ours: "a\nb\nC", theirs: "a\nb\nc\nd",
		want:      "a\nb\n<<<<<<< ours\nC\n=======\nc\nd\n>>>>>>> theirs\n",
		conflicts: 1,
	},
	{
		name: "CRLF clean",
		base: "a\r\nb\r\nc\r\n", ours: "A\r\nb\r\nc\r\n", theirs: "a\r\nb\r\nC\r\n",
		want: "A\r\nb\r\nC\r\n",
	},
	{
		name: "CRLF conflict markers",
		base: "a\r\nb\r\n", ours: "a\r\nx\r\n", theirs: "a\r\ny",
		want:      "a\r\n<<<<<<< ours\r\nx\r\n=======\r\ny\r\n>>>>>>> theirs\r\n",
		conflicts: 1,
	},
	{
		name: "CRLF on one side only gives LF markers",
		base: "a\nb\n", ours: "a\r\nx\r\n", theirs: "a\ny\n",
		want:      "<<<<<<< ours\na\r\nx\r\n=======\na\ny\n>>>>>>> theirs\n",
		conflicts: 1,
	},
	{
		name: "conflicts three lines apart are joined",
		base: "a\nb\nc\nd\ne\n", ours: "A\nb\nc\nd\nE\n", theirs: "1\nb\nc\nd\n5\n",
		want:      "<<<<<<< ours\nA\nb\nc\nd\nE\n=======\n1\nb\nc\nd\n5\n>>>>>>> theirs\n",
		conflicts: 1,
	},
	{
		name: "conflicts four lines apart stay apart",
		base: "a\nb\nc\nd\ne\nf\n", ours: "A\nb\nc\nd\ne\nF\n", theirs: "1\nb\nc\nd\ne\n6\n",
		want: "<<<<<<< ours\nA\n=======\n1\n>>>>>>> theirs\nb\nc\nd\ne\n" +
			"<<<<<<< ours\nF\n=======\n6\n>>>>>>> theirs\n",
		conflicts: 2,
	},
	{
		name: "conflicts apart by lines without letters or digits are joined",
		base: "a\n}\n\n}\n\nf\n", ours: "A\n}\n\n}\n\nF\n", theirs: "1\n}\n\n}\n\n6\n",
		want:      "<<<<<<< ours\nA\n}\n\n}\n\nF\n=======\n1\n}\n\n}\n\n6\n>>>>>>> theirs\n",
		conflicts: 1,
	},
}

func TestLines(t *testing.T) {
	for _, tt := range linesTests {
		t.Run(tt.name, func(t *testing.T) {
			got := Lines([]byte(tt.base), []byte(tt.ours), []byte(tt.theirs))
			if !bytes.Equal(got.Merged, []byte(tt.want)) {
				t.Errorf("Merged = %q, want %q", got.Merged, tt.want)
			}
			if got.Conflicts != tt.conflicts || got.Clean != (tt.conflicts == 0) || got.Reason != "" {
				t.Errorf("Clean, Conflicts, Reason = %v, %d, %q; want %v, %d, \"\"",
					got.Clean, got.Conflicts, got.Reason, tt.conflicts == 0, tt.conflicts)
			}
		})
	}
}

// TestLinesTableMatchesGit keeps the table above honest.
func TestLinesTableMatchesGit(t *testing.T) {
	git := lookGit(t)
	cases := make([]threeWay, len(linesTests))
	for i, tt := range linesTests {
		cases[i] = threeWay{[]byte(tt.base), []byte(tt.ours), []byte(tt.theirs)}
	}
	for i, got := range runGit(t, git, cases) {
		tt := linesTests[i]
		if !bytes.Equal(got.merged, []byte(tt.want)) || !sameCount(tt.conflicts, got.conflicts) {
			t.Errorf("%s: git gives %d conflicts, %q; the table says %d, %q",
				tt.name, got.conflicts, got.merged, tt.conflicts, tt.want)
		}
	}
}

// TestLinesDoesNotAlias checks that the result owns its bytes.
func TestLinesDoesNotAlias(t *testing.T) {
	base, ours, theirs := []byte("a\n"), []byte("a\n"), []byte("b\n")
	got := Lines(base, ours, theirs)
	got.Merged[0] = 'x'
	if string(theirs) != "b\n" {
		t.Errorf("changing Merged changed theirs to %q", theirs)
	}
}

func TestSplitLines(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"\n", []string{"\n"}},
		{"a", []string{"a"}},
		{"a\nb", []string{"a\n", "b"}},
		{"a\r\n\r\nb\n", []string{"a\r\n", "\r\n", "b\n"}},
	} {
		got := splitLines([]byte(tt.in))
		if len(got) != len(tt.want) {
			t.Errorf("splitLines(%q) = %q, want %q", tt.in, got, tt.want)
			continue
		}
		for i := range got {
			if string(got[i]) != tt.want[i] {
				t.Errorf("splitLines(%q) = %q, want %q", tt.in, got, tt.want)
				break
			}
		}
	}
}
