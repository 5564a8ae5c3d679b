package merge

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf16"
)

// This file checks the properties merge on generated and real files
// against what an independent reader of .properties files makes of the
// four versions. It also holds the check the YAML and JSON tests share:
// propCheckSettings.

// propTestEntry is one key as java.util.Properties reads it, with the
// natural lines (from 0) its logical line spans.
type propTestEntry struct {
	key, value  string
	first, last int
}

// propTestRead reads a .properties file as java.util.Properties.load
// does, written from the JDK's LineReader and loadConvert, apart from the
// merge's reader: natural lines end at \n, \r\n or \r; blank lines and
// lines starting with # or ! are skipped; a line ending in an odd number
// of backslashes continues on the next, whose leading white space is
// skipped.
func propTestRead(src string) ([]propTestEntry, error) {
	natural := strings.Split(strings.ReplaceAll(strings.ReplaceAll(src, "\r\n", "\n"), "\r", "\n"), "\n")
	if strings.HasSuffix(src, "\n") || strings.HasSuffix(src, "\r") {
		natural = natural[:len(natural)-1]
	}
	var out []propTestEntry
	for i := 0; i < len(natural); i++ {
		logical := strings.TrimLeft(natural[i], " \t\f")
		if logical == "" || logical[0] == '#' || logical[0] == '!' {
			continue
		}
		e := propTestEntry{first: i}
		for (len(logical)-len(strings.TrimRight(logical, `\`)))%2 == 1 {
			logical = logical[:len(logical)-1]
			if i+1 == len(natural) {
				break
			}
			i++
			next := strings.TrimLeft(natural[i], " \t\f")
			logical += next
			if next == "" {
				break
			}
		}
		e.last = i
		key, value := propTestSplit(logical)
		var err error
		if e.key, err = propTestConvert(key); err != nil {
			return nil, err
		}
		if e.value, err = propTestConvert(value); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// propTestSplit splits a logical line into its key and value text, as
// Properties.load0 does.
func propTestSplit(line string) (key, value string) {
	keyLen, valueStart, hasSep, backslash := 0, len(line), false, false
	for keyLen < len(line) {
		c := line[keyLen]
		if (c == '=' || c == ':') && !backslash {
			valueStart, hasSep = keyLen+1, true
			break
		} else if (c == ' ' || c == '\t' || c == '\f') && !backslash {
			valueStart = keyLen + 1
			break
		}
		backslash = c == '\\' && !backslash
		keyLen++
	}
	for valueStart < len(line) {
		c := line[valueStart]
		if c != ' ' && c != '\t' && c != '\f' {
			if !hasSep && (c == '=' || c == ':') {
				hasSep = true
			} else {
				break
			}
		}
		valueStart++
	}
	return line[:keyLen], line[valueStart:]
}

// propTestConvert resolves escapes as Properties.loadConvert does.
func propTestConvert(s string) (string, error) {
	var units []uint16
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		c := rs[i]
		if c != '\\' {
			units = utf16.AppendRune(units, c)
			continue
		}
		if i++; i == len(rs) {
			break
		}
		switch c = rs[i]; c {
		case 'u':
			if i+5 > len(rs) {
				return "", errors.New("malformed \\uxxxx encoding")
			}
			v, err := strconv.ParseUint(string(rs[i+1:i+5]), 16, 16)
			if err != nil {
				return "", errors.New("malformed \\uxxxx encoding")
			}
			units = append(units, uint16(v))
			i += 4
			continue
		case 't':
			c = '\t'
		case 'r':
			c = '\r'
		case 'n':
			c = '\n'
		case 'f':
			c = '\f'
		}
		units = utf16.AppendRune(units, c)
	}
	return string(utf16.Decode(units)), nil
}

// propTestSettings reads a file into key → value, refusing duplicates.
func propTestSettings(src []byte) (map[string]any, error) {
	entries, err := propTestRead(string(src))
	if err != nil {
		return nil, err
	}
	out := make(map[string]any)
	for _, e := range entries {
		if _, dup := out[e.key]; dup {
			return nil, fmt.Errorf("duplicate key %q", e.key)
		}
		out[e.key] = e.value
	}
	return out, nil
}

// propCheckSettings checks a merge against the settings of the four
// versions, read by a reader independent of the merge: the report files
// each setting that changed under what its changes call for, and a clean
// result (merged non-nil) holds the customer's value of each setting the
// customer changed, the update's of each setting only the update changed,
// and base's of the others.
func propCheckSettings(base, ours, theirs, merged map[string]any, rep *Report) error {
	filed := make(map[string]string)
	for what, ss := range map[string][]Setting{"taken": rep.Taken, "kept": rep.Kept, "conflict": rep.Conflicts} {
		for _, s := range ss {
			if filed[s.Key] != "" {
				return fmt.Errorf("%s reported %s and %s", s.Key, filed[s.Key], what)
			}
			filed[s.Key] = what
		}
	}
	keys := make(map[string]bool)
	for _, m := range []map[string]any{base, ours, theirs} {
		for k := range m {
			keys[k] = true
		}
	}
	for k := range filed {
		if !keys[k] {
			return fmt.Errorf("report has %s, in no version", k)
		}
	}
	get := func(m map[string]any, k string) (any, bool) { v, ok := m[k]; return v, ok }
	same := func(a, b map[string]any, k string) bool {
		av, aok := get(a, k)
		bv, bok := get(b, k)
		return aok == bok && propTestEqual(av, bv)
	}
	for k := range keys {
		want, from := "", base
		switch o, t := !same(base, ours, k), !same(base, theirs, k); {
		case o && t && !same(ours, theirs, k):
			want = "conflict"
		case o:
			want, from = "kept", ours
		case t:
			want, from = "taken", theirs
		}
		if filed[k] != want {
			return fmt.Errorf("%s: reported %q, want %q (base %v, ours %v, theirs %v)", k, filed[k], want, base[k], ours[k], theirs[k])
		}
		if merged != nil && want != "conflict" && !same(merged, from, k) {
			mv, _ := get(merged, k)
			fv, _ := get(from, k)
			return fmt.Errorf("%s: merged %v, want %v (%s)", k, mv, fv, want)
		}
	}
	if merged != nil {
		for k := range merged {
			if !keys[k] {
				return fmt.Errorf("merged has %s, in no version", k)
			}
		}
	}
	return nil
}

// propReader reads the versions of a file into their settings: base,
// ours, theirs and, when given, the merged file. Readers of formats whose
// settings depend on all versions (sequences matched by key) decide on
// base, ours and theirs.
type propReader func(versions ...[]byte) ([]map[string]any, error)

// propReadEach makes a propReader of a reader of one version.
func propReadEach(read func([]byte) (map[string]any, error)) propReader {
	return func(versions ...[]byte) ([]map[string]any, error) {
		out := make([]map[string]any, len(versions))
		for i, v := range versions {
			m, err := read(v)
			if err != nil {
				return nil, fmt.Errorf("version %d: %v", i, err)
			}
			out[i] = m
		}
		return out, nil
	}
}

// propCheckMerge merges, reads the versions with read, and checks the
// outcome; it returns what the merge did: "clean", "conflict", "input
// refused" (by the reader, and the merge fell back) or "fallback: why".
func propCheckMerge(merge structured, read propReader, base, ours, theirs []byte) (string, error) {
	got, rep, err := merge(base, ours, theirs)
	maps, refused := read(base, ours, theirs)
	switch {
	case refused != nil && errors.Is(err, ErrFallback):
		return "input refused", nil
	case refused != nil:
		return "", fmt.Errorf("merge did not fall back on input the reader refuses: %v", refused)
	case errors.Is(err, ErrFallback):
		return "fallback: " + propReason(err), nil
	case err != nil:
		return "", err
	}
	var merged map[string]any
	outcome := "conflict"
	if len(rep.Conflicts) == 0 {
		outcome = "clean"
		all, err := read(base, ours, theirs, got)
		if err != nil {
			return "", fmt.Errorf("merged file does not read: %v\n%s", err, got)
		}
		merged = all[3]
	}
	return outcome, propCheckSettings(maps[0], maps[1], maps[2], merged, rep)
}

// propReason returns a fallback's reason without the details that vary
// from case to case (line numbers, keys, paths), for counting.
func propReason(err error) string {
	s := err.Error()
	if i := strings.LastIndex(s, ": "); i >= 0 {
		s = s[i+2:]
	}
	if i := strings.IndexAny(s, "0123456789\""); i >= 0 {
		s = s[:i]
	}
	return strings.TrimSpace(s)
}

// propTally counts the outcomes of merges, for the log.
type propTally map[string]int

func (c propTally) log(t *testing.T, what string) {
	t.Helper()
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range c {
			if !yield(k) {
				return
			}
		}
	})
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %d", k, c[k]))
	}
	t.Logf("%s: %s", what, strings.Join(parts, ", "))
}

// fallbacks returns how many outcomes were fallbacks.
func (c propTally) fallbacks() int {
	n := 0
	for k, v := range c {
		if strings.HasPrefix(k, "fallback") {
			n += v
		}
	}
	return n
}

// propGenItem is one line group of a generated .properties file.
type propGenItem struct {
	comment string // a comment line, when key is ""
	key     string
	value   string
	style   int // how the entry is written, see propGenWrite
}

// propGenDoc is a generated .properties file.
type propGenDoc struct {
	items   []propGenItem
	crlf    bool
	noFinal bool
}

var propGenWords = strings.Fields("alpha beta gamma delta pool size host port url user timeout level " +
	"appender logger file pattern max min enabled retry cache store path name type ref")

// propGenKey returns a random key, sometimes with characters that must
// be escaped.
func propGenKey(r *rand.Rand) string {
	k := propGenWords[r.IntN(len(propGenWords))] + "." + propGenWords[r.IntN(len(propGenWords))]
	switch r.IntN(12) {
	case 0:
		k += " x"
	case 1:
		k += "=y"
	case 2:
		k += ":z"
	case 3:
		k += "#é"
	}
	return k + strconv.Itoa(r.IntN(50))
}

// propGenValue returns a random value: words, lists, escapes, non-ASCII.
func propGenValue(r *rand.Rand) string {
	switch r.IntN(8) {
	case 0:
		return propGenWords[r.IntN(len(propGenWords))] + ",\u00e9t\u00e9," + strconv.Itoa(r.IntN(100))
	case 1:
		return "a=b:c #d !e"
	case 2:
		return ""
	case 3:
		return "${sys:carbon.home}/repository/logs/" + propGenWords[r.IntN(len(propGenWords))] + ".log"
	}
	return propGenWords[r.IntN(len(propGenWords))] + " " + strconv.Itoa(r.IntN(1000))
}

// propGenEscape escapes a key or value for writing; keys escape white
// space and separators, values only what would be lost.
func propGenEscape(s string, isKey bool, r *rand.Rand) string {
	var b strings.Builder
	for i, c := range s {
		switch {
		case c == '\\':
			b.WriteString(`\\`)
		case c == ' ' && (isKey || i == 0):
			b.WriteString(`\ `)
		case (c == '=' || c == ':') && isKey, (c == '#' || c == '!') && i == 0:
			b.WriteString(`\` + string(c))
		case c > 0x7f && r.IntN(2) == 0:
			fmt.Fprintf(&b, `\u%04x`, c)
		default:
			b.WriteRune(c)
		}
	}
	return b.String()
}

// propGenWrite renders a generated file. The random source chooses the
// escapes, so formatting differs between versions of one meaning.
func propGenWrite(d *propGenDoc, r *rand.Rand) []byte {
	var lines []string
	for _, it := range d.items {
		if it.key == "" {
			lines = append(lines, it.comment)
			continue
		}
		k, v := propGenEscape(it.key, true, r), propGenEscape(it.value, false, r)
		switch it.style {
		case 0:
			lines = append(lines, k+"="+v)
		case 1:
			lines = append(lines, k+" = "+v)
		case 2:
			lines = append(lines, "  "+k+": "+v)
		case 3:
			if v == "" || v[0] == '=' || v[0] == ':' {
				v = `\` + v
			}
			lines = append(lines, k+" "+v)
		default:
			// A value over several lines, split after its commas.
			lines = append(lines, k+" = "+strings.ReplaceAll(v, ",", ",\\"+"\n        "))
		}
	}
	eol := "\n"
	if d.crlf {
		eol = "\r\n"
	}
	out := strings.Join(lines, "\n")
	if !d.noFinal {
		out += "\n"
	}
	return []byte(strings.ReplaceAll(out, "\n", eol))
}

// propGenBase returns a random file.
func propGenBase(r *rand.Rand) *propGenDoc {
	d := &propGenDoc{}
	keys := make(map[string]bool)
	for range 3 + r.IntN(15) {
		switch r.IntN(6) {
		case 0:
			d.items = append(d.items, propGenItem{comment: "# " + propGenWords[r.IntN(len(propGenWords))] + " settings"})
		case 1:
			d.items = append(d.items, propGenItem{comment: ""})
		default:
			if k := propGenKey(r); !keys[k] {
				keys[k] = true
				d.items = append(d.items, propGenItem{key: k, value: propGenValue(r), style: r.IntN(5)})
			}
		}
	}
	return d
}

// propGenEdit returns a copy of d with random edits: values changed, keys
// added (with a comment) and removed, entries reformatted and moved,
// comments changed, added and removed. who marks the comments it writes.
func propGenEdit(d *propGenDoc, r *rand.Rand, who string) *propGenDoc {
	e := &propGenDoc{items: slices.Clone(d.items), crlf: d.crlf, noFinal: d.noFinal}
	for range r.IntN(7) {
		n := len(e.items)
		i := r.IntN(n + 1)
		switch op := r.IntN(8); {
		case op == 0 && i < n && e.items[i].key != "":
			e.items[i].value = propGenValue(r) + " " + who
		case op == 1:
			k := propGenKey(r)
			if !slices.ContainsFunc(e.items, func(it propGenItem) bool { return it.key == k }) {
				add := []propGenItem{{key: k, value: propGenValue(r), style: r.IntN(5)}}
				if r.IntN(2) == 0 {
					add = slices.Insert(add, 0, propGenItem{comment: "# " + who + " added " + k})
				}
				e.items = slices.Insert(e.items, i, add...)
			}
		case op == 2 && i < n:
			e.items = slices.Delete(e.items, i, i+1)
		case op == 3 && i < n && e.items[i].key != "":
			e.items[i].style = r.IntN(5)
		case op == 4 && i < n:
			it := e.items[i]
			e.items = slices.Delete(e.items, i, i+1)
			e.items = slices.Insert(e.items, r.IntN(len(e.items)+1), it)
		case op == 5 && i < n && e.items[i].key == "":
			e.items[i].comment = "# " + who + " says " + propGenWords[r.IntN(len(propGenWords))]
		case op == 6:
			e.items = slices.Insert(e.items, i, propGenItem{comment: "! " + who + " note"})
		case op == 7:
			e.crlf = r.IntN(4) == 0
			e.noFinal = r.IntN(4) == 0
		}
	}
	return e
}

func TestMergePropertiesGenerated(t *testing.T) {
	tally := propTally{}
	for seed := range uint64(600) {
		r := rand.New(rand.NewPCG(seed, 1))
		bd := propGenBase(r)
		od, td := propGenEdit(bd, r, "customer"), propGenEdit(bd, r, "vendor")
		base, ours, theirs := propGenWrite(bd, r), propGenWrite(od, r), propGenWrite(td, r)
		outcome, err := propCheckMerge(mergeProperties, propReadEach(propTestSettings), base, ours, theirs)
		if err != nil {
			t.Fatalf("seed %d: %v\nbase:\n%s\nours:\n%s\ntheirs:\n%s", seed, err, base, ours, theirs)
		}
		if outcome == "clean" {
			if err := propCheckComments(base, ours, theirs); err != nil {
				t.Fatalf("seed %d: %v\nbase:\n%s\nours:\n%s\ntheirs:\n%s", seed, err, base, ours, theirs)
			}
		}
		tally[outcome]++
	}
	tally.log(t, "generated properties merges")
	if n := tally.fallbacks(); n > 0 {
		t.Errorf("%d generated merges fell back; the generator writes nothing the merge should refuse", n)
	}
}

// propCheckComments requires every comment line of ours in the merge,
// unless the vendor removed it (base has it, theirs not).
func propCheckComments(base, ours, theirs []byte) error {
	merged, _, err := mergeProperties(base, ours, theirs)
	if err != nil {
		return err
	}
	comments := propTestComments(ours)
	return propCheckLinesKept(ours, merged, func(l string) bool {
		return !comments[l] || (propHasLine(base, l) && !propHasLine(theirs, l))
	})
}

// propTestComments returns the comment lines of a .properties file,
// trimmed: lines starting with # or ! that are not part of a key's
// logical line.
func propTestComments(src []byte) map[string]bool {
	entries, _ := propTestRead(string(src))
	inEntry := make(map[int]bool)
	for _, e := range entries {
		for i := e.first; i <= e.last; i++ {
			inEntry[i] = true
		}
	}
	out := make(map[string]bool)
	for i, l := range propTrimmedLines(src) {
		if !inEntry[i] && (strings.HasPrefix(l, "#") || strings.HasPrefix(l, "!")) {
			out[l] = true
		}
	}
	return out
}

// propTrimmedLines returns the lines of src without surrounding white
// space.
func propTrimmedLines(src []byte) []string {
	lines := strings.Split(strings.ReplaceAll(string(src), "\r\n", "\n"), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSpace(l)
	}
	return lines
}

// propHasLine reports whether src has the line l, trimmed.
func propHasLine(src []byte, l string) bool {
	return slices.Contains(propTrimmedLines(src), l)
}

// propCheckLinesKept requires each non-blank line of ours in merged,
// unless excused says it may go.
func propCheckLinesKept(ours, merged []byte, excused func(line string) bool) error {
	have := make(map[string]bool)
	for _, l := range propTrimmedLines(merged) {
		have[l] = true
	}
	for i, l := range propTrimmedLines(ours) {
		if l != "" && !have[l] && !excused(l) {
			return fmt.Errorf("line %d of ours lost: %q\nmerged:\n%s", i+1, l, merged)
		}
	}
	return nil
}

// propCorpusVersions is how many customer versions the corpus tests make
// of each real file.
const propCorpusVersions = 10

// propCorpusDir holds three releases of a real product, in the shared
// directory beside the project, which fresh clones do not have.
var propCorpusDir = filepath.Join("..", "..", "..", "shared", "corpus", "apim-product")

// propCorpusPairs returns, for each file name with the extension ext that
// two consecutive releases of the corpus both have, the two versions.
func propCorpusPairs(t *testing.T, ext string) [][3]string {
	t.Helper()
	releases := []string{"4.0.0", "4.1.0", "4.2.0"}
	if _, err := os.Stat(filepath.Join(propCorpusDir, releases[0])); err != nil {
		t.Skipf("no product corpus at %s (the shared directory beside the project is absent, as in a fresh clone)", propCorpusDir)
	}
	var pairs [][3]string // name, old, new
	for i := 0; i+1 < len(releases); i++ {
		old := filepath.Join(propCorpusDir, releases[i])
		err := filepath.WalkDir(old, func(p string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || filepath.Ext(p) != ext {
				return err
			}
			rel, _ := filepath.Rel(old, p)
			next := filepath.Join(propCorpusDir, releases[i+1], rel)
			if _, err := os.Stat(next); err == nil {
				pairs = append(pairs, [3]string{releases[i] + "/" + rel, p, next})
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return pairs
}

// propCorpusEdit returns the customer's version of a real file: random
// values changed, keys removed and added, comments added, lines
// re-spaced, by editing its lines.
func propCorpusEdit(src []byte, r *rand.Rand) []byte {
	entries, _ := propTestRead(string(src))
	lines := strings.Split(string(src), "\n")
	drop := make(map[int]bool)
	before := make(map[int][]string)
	for range 1 + r.IntN(6) {
		if len(entries) == 0 {
			break
		}
		e := entries[r.IntN(len(entries))]
		if e.first != e.last || drop[e.first] {
			continue
		}
		key := propGenEscape(e.key, true, r)
		switch r.IntN(5) {
		case 0:
			lines[e.first] = key + " = " + propGenEscape(e.value, false, r) + " customer"
		case 1:
			drop[e.first] = true
		case 2:
			before[e.first] = append(before[e.first], "# customer note", "customer.key"+strconv.Itoa(r.IntN(100))+"=on")
		case 3:
			lines[e.first] = key + "  :  " + propGenEscape(e.value, false, r)
		case 4:
			before[e.first] = append(before[e.first], "", "# customer comment")
		}
	}
	var out []string
	for i, l := range lines {
		out = append(out, before[i]...)
		if !drop[i] {
			out = append(out, l)
		}
	}
	return []byte(strings.Join(out, "\n"))
}

func TestMergePropertiesCorpus(t *testing.T) {
	pairs := propCorpusPairs(t, ".properties")
	tally := propTally{}
	for _, p := range pairs {
		base, err := os.ReadFile(p[1])
		if err != nil {
			t.Fatal(err)
		}
		theirs, err := os.ReadFile(p[2])
		if err != nil {
			t.Fatal(err)
		}
		for seed := range uint64(propCorpusVersions) {
			ours := propCorpusEdit(base, rand.New(rand.NewPCG(seed, 2)))
			outcome, err := propCheckMerge(mergeProperties, propReadEach(propTestSettings), base, ours, theirs)
			if err != nil {
				t.Fatalf("%s, seed %d: %v", p[0], seed, err)
			}
			if outcome == "clean" {
				if err := propCheckComments(base, ours, theirs); err != nil {
					t.Fatalf("%s, seed %d: %v", p[0], seed, err)
				}
			}
			tally[outcome]++
		}
	}
	tally.log(t, fmt.Sprintf("%d corpus file pairs, %d customer versions each", len(pairs), propCorpusVersions))
	if n := tally.fallbacks(); n > 0 {
		t.Errorf("%d corpus merges fell back on input the reader takes", n)
	}
}
