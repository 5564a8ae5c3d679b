package merge

import (
	"bytes"
	"errors"
	"hash/fnv"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
)

// FuzzMergeXML checks properties every XML merge must have, seeded with
// the cases of testdata/xml. Since few byte mutations of three documents
// leave all three well-formed, each input is also used as a base with
// ours and theirs derived from it by random edits, seeded by the other
// two inputs.
func FuzzMergeXML(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "xml", "*.txtar"))
	for _, file := range files {
		ar, err := txtar.ParseFile(file)
		if err != nil || len(ar.Files) < 3 {
			f.Fatalf("%s: %v", file, err)
		}
		f.Add(ar.Files[0].Data, ar.Files[1].Data, ar.Files[2].Data)
	}
	for _, in := range xmlFuzzSeeds(f) {
		f.Add(in[0], in[1], in[2])
	}
	f.Add([]byte("<a x='1'><b/></a>"), []byte("<a x='2'><b/><!--c--></a>"), []byte("<a x='1' y='3'><b>t</b></a>"))
	f.Add([]byte("<a>\r\n <b/>\r\n</a>"), []byte("<a>\r\n <b/>\r\n <c/>\r\n</a>"), []byte("<a>\n <d/>\n <b/>\n</a>"))

	f.Fuzz(func(t *testing.T, base, ours, theirs []byte) {
		xmlFuzzCheck(t, base, ours, theirs)
		if _, err := xmlcRead(base); err == nil {
			t2 := xmlCustomise(xmlFuzzRand(theirs), base, nil)
			o2 := xmlCustomise(xmlFuzzRand(ours), base, t2)
			xmlFuzzCheck(t, base, o2, t2)
		}
	})
}

// xmlFuzzSeeds reads the inputs the fuzzer once found failing, kept in
// testdata/xml/fuzz in the fuzzer's corpus format.
func xmlFuzzSeeds(f *testing.F) [][3][]byte {
	files, _ := filepath.Glob(filepath.Join("testdata", "xml", "fuzz", "*"))
	var out [][3][]byte
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		var in [][]byte
		for _, line := range strings.Split(string(data), "\n")[1:] {
			if arg, ok := strings.CutPrefix(line, "[]byte("); ok {
				s, err := strconv.Unquote(strings.TrimSuffix(arg, ")"))
				if err != nil {
					f.Fatalf("%s: %v", file, err)
				}
				in = append(in, []byte(s))
			}
		}
		if len(in) != 3 {
			f.Fatalf("%s: %d inputs, want 3", file, len(in))
		}
		out = append(out, [3][]byte{in[0], in[1], in[2]})
	}
	return out
}

// xmlFuzzRand is a random source seeded by data.
func xmlFuzzRand(data []byte) *rand.Rand {
	h := fnv.New64a()
	h.Write(data)
	return rand.New(rand.NewPCG(h.Sum64(), uint64(len(data))))
}

// xmlFuzzCheck checks the merges of one input.
func xmlFuzzCheck(t *testing.T, base, ours, theirs []byte) {
	t.Helper()
	merged, rep, err := mergeXML(base, ours, theirs)
	if err != nil {
		if !errors.Is(err, ErrFallback) {
			t.Fatalf("error %v does not wrap ErrFallback", err)
		}
		xmlFuzzFallback(t, base, ours, theirs, err)
	} else {
		xmlFuzzResult(t, base, ours, theirs, merged, rep)
	}
	xmlFuzzOneSide(t, base, ours, theirs)
}

// xmlFuzzFallback fails a fallback the checker does not expect, unless
// the merge's reader is stricter than the checker's or the customer's
// file lacks a prefix for a namespace the update brings.
func xmlFuzzFallback(t *testing.T, base, ours, theirs []byte, err error) {
	t.Helper()
	msg := strings.TrimPrefix(err.Error(), ErrFallback.Error()+": xml: ")
	for _, excused := range []string{"base: ", "ours: ", "theirs: ", "no prefix for namespace"} {
		if strings.HasPrefix(msg, excused) {
			return
		}
	}
	if want := xmlcExpect(base, ours, theirs); want.ambiguous == "" {
		t.Fatalf("fell back (%s), the checker expects a merge", msg)
	}
}

// xmlFuzzResult checks a merge that did not fall back, against the
// checker's expectation when the checker reads the inputs.
func xmlFuzzResult(t *testing.T, base, ours, theirs, merged []byte, rep *Report) {
	t.Helper()
	if rep == nil || rep.Format != "xml" {
		t.Fatalf("report %+v, want an XML report", rep)
	}
	if len(rep.Conflicts) > 0 && merged != nil {
		t.Fatalf("merged bytes with %d conflicts", len(rep.Conflicts))
	}
	want := xmlcExpect(base, ours, theirs)
	if strings.HasPrefix(want.ambiguous, "cannot read") {
		return // the checker reads XML more strictly: no comparison
	}
	if want.ambiguous != "" {
		t.Fatalf("merged where the checker expects a fallback: %s", want.ambiguous)
	}
	got, want2 := slices.Sorted(slices.Values(xmlKeys(rep.Conflicts))), slices.Sorted(slices.Values(want.conflicts))
	if !slices.Equal(got, want2) {
		t.Fatalf("conflicts %q, the checker expects %q", got, want2)
	}
	if len(rep.Conflicts) > 0 {
		return
	}
	root, err := xmlcRead(merged)
	if err != nil {
		t.Fatalf("clean merge not well-formed: %v\n%s", err, merged)
	}
	if lost := xmlLostLines(ours, merged, rep.Taken); len(lost) > 0 {
		t.Fatalf("lines of ours lost: %q\nmerged:\n%s", lost, merged)
	}
	if g, w := xmlcSettings(root), xmlcSettings(want.merged); !xmlSameSettings(g, w) {
		t.Fatalf("settings differ from the checker's:\n got %q\nwant %q\nmerged:\n%s", g, w, merged)
	}
}

// xmlFuzzOneSide checks the merges in which one side is base or both
// sides are the same.
func xmlFuzzOneSide(t *testing.T, base, ours, theirs []byte) {
	t.Helper()
	// Theirs unchanged: ours as it is.
	if got, rep, err := mergeXML(base, ours, base); err == nil {
		if len(rep.Conflicts) > 0 || !bytes.Equal(got, ours) {
			t.Fatalf("merge(base, x, base) = %q, %d conflicts; want x %q", got, len(rep.Conflicts), ours)
		}
	}
	// Both the same: ours as it is.
	if got, rep, err := mergeXML(base, ours, ours); err == nil {
		if len(rep.Conflicts) > 0 || !bytes.Equal(got, ours) {
			t.Fatalf("merge(base, x, x) = %q, %d conflicts; want x %q", got, len(rep.Conflicts), ours)
		}
	}
	// Ours unchanged: theirs' settings.
	got, rep, err := mergeXML(base, base, theirs)
	if err != nil {
		return
	}
	if len(rep.Conflicts) > 0 {
		t.Fatalf("merge(base, base, y): %d conflicts", len(rep.Conflicts))
	}
	want, err := xmlcRead(theirs)
	if err != nil {
		return
	}
	root, err := xmlcRead(got)
	if err != nil {
		t.Fatalf("merge(base, base, y) not well-formed: %v\n%s", err, got)
	}
	if g, w := xmlcSettings(root), xmlcSettings(want); !xmlSameSettings(g, w) {
		t.Fatalf("merge(base, base, y) settings\n got %q\nwant %q\nmerged:\n%s", g, w, got)
	}
}

// xmlSameSettings compares two setting maps.
func xmlSameSettings(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// xmlNameRE finds element names in setting keys.
var xmlNameRE = regexp.MustCompile(`[\w.:-]+`)

// xmlLostLines returns the lines of ours (white space trimmed) whose text
// is missing from merged and that no setting the update took explains: a
// line is explained when the update inserted text into it, when it holds
// the customer's old value of such a setting, is part of an element the
// update removed, or names an element such a setting belongs to (its
// start tag changed, or a child came in).
func xmlLostLines(ours, merged []byte, taken []Setting) []string {
	var lines []string
	for _, l := range strings.Split(string(merged), "\n") {
		lines = append(lines, strings.TrimSpace(l))
	}
	var lost []string
	for _, l := range strings.Split(string(ours), "\n") {
		l = strings.TrimSpace(l)
		if l == "" || bytes.Contains(merged, []byte(l)) || xmlInsertedInto(l, lines) || xmlExplained(l, taken) {
			continue
		}
		lost = append(lost, l)
	}
	return lost
}

// xmlInsertedInto reports whether one of lines is l with elements
// inserted between its tags: l's pieces, cut before each '<' and trimmed,
// appear in it in order.
func xmlInsertedInto(l string, lines []string) bool {
	var pieces []string
	for rest := l; rest != ""; {
		cut := strings.IndexByte(rest[1:], '<') + 1
		if cut == 0 {
			cut = len(rest)
		}
		if p := strings.TrimSpace(rest[:cut]); p != "" {
			pieces = append(pieces, p)
		}
		rest = rest[cut:]
	}
	for _, m := range lines {
		at := 0
		for _, p := range pieces {
			i := strings.Index(m[at:], p)
			if i < 0 {
				at = -1
				break
			}
			at += i + len(p)
		}
		if at >= 0 {
			return true
		}
	}
	return false
}

// xmlExplained reports whether a lost line is explained by a setting the
// update took.
func xmlExplained(line string, taken []Setting) bool {
	// The last line of a start tag written over several lines changes
	// when an attribute is added after it.
	tagEnd := !strings.HasPrefix(line, "<") && strings.HasSuffix(line, ">")
	for _, s := range taken {
		if tagEnd && strings.Contains(s.Key, "/@") {
			return true
		}
		if v := s.Ours.Text; s.Ours.Present && v != "" && (strings.Contains(line, v) || strings.Contains(v, line)) {
			return true
		}
		for _, name := range xmlNameRE.FindAllString(s.Key, -1) {
			// The customer may write the name with another prefix.
			_, local, _ := strings.Cut(name, ":")
			if strings.Contains(line, "<"+name) || strings.Contains(line, "</"+name) || local != "" && strings.Contains(line, ":"+local) {
				return true
			}
		}
	}
	return false
}
