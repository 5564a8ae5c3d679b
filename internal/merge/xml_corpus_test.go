package merge

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// xmlCorpusDir holds three releases of a product's configuration, in the
// shared directory beside the project, which fresh clones do not have.
var xmlCorpusDir = filepath.Join("..", "..", "..", "shared", "corpus", "apim-product")

// xmlCorpusUpdates are the updates the corpus test merges: base, theirs.
var xmlCorpusUpdates = [][2]string{{"4.0.0", "4.1.0"}, {"4.1.0", "4.2.0"}}

// xmlStats counts the outcomes of checked merges.
type xmlStats struct {
	cases, clean, conflicts, fallbacks int
	taken, kept, conflicting           int
	reasons                            map[string]int // why the merges fell back
}

func (s xmlStats) String() string {
	return fmt.Sprintf("%d cases: %d clean, %d with conflicts, %d fallbacks; settings: %d taken, %d kept, %d conflicting",
		s.cases, s.clean, s.conflicts, s.fallbacks, s.taken, s.kept, s.conflicting)
}

// TestXMLCorpus merges each XML file of the product's releases, present
// in an update's base and target, with customer edits made at random on
// base, and checks the result against the checker's expectation. The
// updates run in parallel.
func TestXMLCorpus(t *testing.T) {
	if _, err := os.Stat(xmlCorpusDir); err != nil {
		t.Skipf("no product corpus at %s (the shared directory beside the project is absent, as in a fresh clone)", xmlCorpusDir)
	}
	stats := make([]xmlStats, len(xmlCorpusUpdates))
	t.Run("updates", func(t *testing.T) {
		for i, u := range xmlCorpusUpdates {
			t.Run(u[0]+"-"+u[1], func(t *testing.T) {
				t.Parallel()
				xmlCorpusUpdate(t, u[0], u[1], &stats[i])
			})
		}
	})
	var all xmlStats
	for _, s := range stats {
		all.add(s)
	}
	if all.cases == 0 {
		t.Fatal("no XML files in the corpus")
	}
	t.Log(all)
	for r, n := range all.reasons {
		t.Logf("%4d fell back: %s", n, r)
	}
}

// add adds the counts of s.
func (s *xmlStats) add(o xmlStats) {
	s.cases += o.cases
	s.clean += o.clean
	s.conflicts += o.conflicts
	s.fallbacks += o.fallbacks
	s.taken += o.taken
	s.kept += o.kept
	s.conflicting += o.conflicting
	for r, n := range o.reasons {
		if s.reasons == nil {
			s.reasons = map[string]int{}
		}
		s.reasons[r] += n
	}
}

// xmlCorpusUpdate checks the merges of one update's files. A file the
// vendor changed gets more customers, since conflicts arise only there.
func xmlCorpusUpdate(t *testing.T, from, to string, stats *xmlStats) {
	for _, rel := range xmlCorpusFiles(t, filepath.Join(xmlCorpusDir, from)) {
		base, err := os.ReadFile(filepath.Join(xmlCorpusDir, from, rel))
		if err != nil {
			t.Fatal(err)
		}
		theirs, err := os.ReadFile(filepath.Join(xmlCorpusDir, to, rel))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		} else if err != nil {
			t.Fatal(err)
		}
		seeds := 3
		if !bytes.Equal(base, theirs) {
			seeds = 50
		}
		h := fnv.New64a()
		h.Write([]byte(rel))
		for seed := range seeds {
			rng := rand.New(rand.NewPCG(uint64(seed), h.Sum64()))
			ours := xmlCustomise(rng, base, theirs)
			name := fmt.Sprintf("%s→%s %s seed %d", from, to, rel, seed)
			xmlCheckMerge(t, name, base, ours, theirs, stats)
		}
	}
}

// xmlCorpusFiles lists the XML files under a release's configuration.
func xmlCorpusFiles(t *testing.T, release string) []string {
	t.Helper()
	var files []string
	root := filepath.Join(release, "repository", "conf")
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".xml") {
			rel, _ := filepath.Rel(release, path)
			files = append(files, rel)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// xmlCheckMerge merges and checks the result against the checker.
func xmlCheckMerge(t *testing.T, name string, base, ours, theirs []byte, stats *xmlStats) {
	t.Helper()
	stats.cases++
	want := xmlcExpect(base, ours, theirs)
	got, rep, err := mergeXML(base, ours, theirs)
	if err != nil {
		stats.fallbacks++
		if stats.reasons == nil {
			stats.reasons = map[string]int{}
		}
		stats.reasons[xmlReason(err)]++
		switch {
		case !errors.Is(err, ErrFallback):
			t.Errorf("%s: error %v does not wrap ErrFallback", name, err)
		case want.ambiguous == "":
			t.Errorf("%s: fell back (%v), the checker expects a merge", name, err)
		}
		return
	}
	if want.ambiguous != "" {
		t.Errorf("%s: merged, the checker expects a fallback: %s", name, want.ambiguous)
		return
	}
	xmlCompareKeys(t, name+": conflicts", xmlKeys(rep.Conflicts), want.conflicts)
	xmlCompareKeys(t, name+": taken", xmlKeys(rep.Taken), want.taken)
	xmlCompareKeys(t, name+": kept", xmlKeys(rep.Kept), want.kept)
	stats.taken += len(rep.Taken)
	stats.kept += len(rep.Kept)
	stats.conflicting += len(rep.Conflicts)
	if len(rep.Conflicts) > 0 {
		stats.conflicts++
		return
	}
	stats.clean++
	root, err := xmlcRead(got)
	if err != nil {
		t.Errorf("%s: result not well-formed: %v\n%s", name, err, got)
		return
	}
	xmlCompareSettings(t, name, xmlcSettings(root), xmlcSettings(want.merged))
	for _, c := range xmlComments(ours) {
		if !bytes.Contains(base, []byte(c)) && !bytes.Contains(got, []byte(c)) {
			t.Errorf("%s: the customer's comment %q is lost", name, c)
		}
	}
}

// xmlReason shortens a fallback's message for counting: quoted names and
// the paths after a colon vary.
func xmlReason(err error) string {
	msg := regexp.MustCompile(`<[^>]*>|"[^"]*"|: /.*|line \d+`).ReplaceAllString(err.Error(), "…")
	return strings.TrimPrefix(msg, ErrFallback.Error()+": ")
}

// xmlKeys lists the keys of settings.
func xmlKeys(s []Setting) []string {
	var keys []string
	for _, x := range s {
		keys = append(keys, x.Key)
	}
	return keys
}

// xmlCompareKeys compares two lists of keys in any order.
func xmlCompareKeys(t *testing.T, what string, got, want []string) {
	t.Helper()
	got, want = slices.Clone(got), slices.Clone(want)
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("%s:\n got %q\nwant %q", what, got, want)
	}
}

// xmlCompareSettings reports the settings that differ.
func xmlCompareSettings(t *testing.T, name string, got, want map[string]string) {
	t.Helper()
	var diffs []string
	for k, v := range want {
		if g, ok := got[k]; !ok || g != v {
			diffs = append(diffs, fmt.Sprintf("%s: got %q (present %v), want %q", k, g, ok, v))
		}
	}
	for k, v := range got {
		if _, ok := want[k]; !ok {
			diffs = append(diffs, fmt.Sprintf("%s: got %q, want absent", k, v))
		}
	}
	slices.Sort(diffs)
	if len(diffs) > 5 {
		diffs = append(diffs[:5], fmt.Sprintf("... %d more", len(diffs)-5))
	}
	if len(diffs) > 0 {
		t.Errorf("%s: settings differ from the expected:\n%s", name, strings.Join(diffs, "\n"))
	}
}

// xmlCommentRE finds comments.
var xmlCommentRE = regexp.MustCompile(`(?s)<!--.*?-->`)

// xmlComments lists the comments of a document.
func xmlComments(src []byte) []string {
	var out []string
	for _, c := range xmlCommentRE.FindAll(src, -1) {
		out = append(out, string(c))
	}
	return out
}

// xmlcElem is an element as the edit generator finds it in the text.
type xmlcElem struct {
	start, startEnd int // the start tag
	endStart, end   int // the end tag (empty at startEnd if self-closing)
	depth           int
	raw             string
	kids            int
}

// xmlcScan finds the elements of a document with their offsets.
func xmlcScan(src []byte) []*xmlcElem {
	d := xml.NewDecoder(bytes.NewReader(src))
	var all, stack []*xmlcElem
	for {
		off := int(d.InputOffset())
		tok, err := d.RawToken()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				return nil
			}
			return all
		}
		switch tk := tok.(type) {
		case xml.StartElement:
			e := &xmlcElem{start: off, startEnd: int(d.InputOffset()), depth: len(stack), raw: xmlcJoin(tk.Name)}
			if len(stack) > 0 {
				stack[len(stack)-1].kids++
			}
			all = append(all, e)
			stack = append(stack, e)
		case xml.EndElement:
			e := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			e.endStart, e.end = off, int(d.InputOffset())
		}
	}
}

// xmlAttrRE finds the attributes in a start tag.
var xmlAttrRE = regexp.MustCompile(`\s([^\s=/<>]+)\s*=\s*("[^"]*"|'[^']*')`)

// xmlCustomise makes one to three random customer edits of base. Half
// of the edits aim at what theirs changed, where conflicts arise.
func xmlCustomise(rng *rand.Rand, base, theirs []byte) []byte {
	doc := bytes.Clone(base)
	for range 1 + rng.IntN(3) {
		hot := rng.IntN(2) == 0
		var next []byte
		switch rng.IntN(6) {
		case 0, 1:
			next = xmlEditAttr(rng, doc, theirs, hot)
		case 2:
			next = xmlEditText(rng, doc, theirs, hot)
		case 3:
			next = xmlAddElement(rng, doc)
		case 4:
			next = xmlRemoveElement(rng, doc, theirs, hot)
		case 5:
			next = xmlAddComment(rng, doc)
		}
		if next != nil {
			doc = next
		}
	}
	return doc
}

// xmlPickElem picks an element (not the root) passing keep, preferring
// those whose text is not in theirs when hot.
func xmlPickElem(rng *rand.Rand, doc, theirs []byte, hot bool, keep func(*xmlcElem) bool) *xmlcElem {
	var all, changed []*xmlcElem
	for _, e := range xmlcScan(doc) {
		if e.depth == 0 || !keep(e) {
			continue
		}
		all = append(all, e)
		if !bytes.Contains(theirs, doc[e.start:e.end]) {
			changed = append(changed, e)
		}
	}
	if hot && len(changed) > 0 {
		all = changed
	}
	if len(all) == 0 {
		return nil
	}
	return all[rng.IntN(len(all))]
}

// xmlSplice replaces doc[from:to] with s.
func xmlSplice(doc []byte, from, to int, s string) []byte {
	out := append(bytes.Clone(doc[:from]), s...)
	return append(out, doc[to:]...)
}

// xmlEditAttr changes the value of an attribute.
func xmlEditAttr(rng *rand.Rand, doc, theirs []byte, hot bool) []byte {
	e := xmlPickElem(rng, doc, theirs, hot, func(e *xmlcElem) bool {
		return len(xmlAttrSpans(doc, e)) > 0
	})
	if e == nil {
		return nil
	}
	attrs := xmlAttrSpans(doc, e)
	a := attrs[rng.IntN(len(attrs))]
	return xmlSplice(doc, a[0]+1, a[1]-1, fmt.Sprintf("custom-%d", rng.IntN(1000)))
}

// xmlAttrSpans returns the spans of an element's attribute values,
// quotes included, namespace declarations left out.
func xmlAttrSpans(doc []byte, e *xmlcElem) [][2]int {
	var out [][2]int
	tag := doc[e.start:e.startEnd]
	for _, m := range xmlAttrRE.FindAllSubmatchIndex(tag, -1) {
		if name := string(tag[m[2]:m[3]]); name == "xmlns" || strings.HasPrefix(name, "xmlns:") {
			continue
		}
		out = append(out, [2]int{e.start + m[4], e.start + m[5]})
	}
	return out
}

// xmlEditText changes the plain text of a leaf.
func xmlEditText(rng *rand.Rand, doc, theirs []byte, hot bool) []byte {
	e := xmlPickElem(rng, doc, theirs, hot, func(e *xmlcElem) bool {
		content := doc[e.startEnd:e.endStart]
		return e.kids == 0 && len(bytes.TrimSpace(content)) > 0 && !bytes.ContainsAny(content, "<&")
	})
	if e == nil {
		return nil
	}
	content := doc[e.startEnd:e.endStart]
	lead := len(content) - len(bytes.TrimLeft(content, xmlSpace))
	trail := len(content) - len(bytes.TrimRight(content, xmlSpace))
	return xmlSplice(doc, e.startEnd+lead, e.endStart-trail, fmt.Sprintf("customText-%d", rng.IntN(1000)))
}

// xmlAddElement adds, after an element, a new named element or a copy
// of the element with its first (or identifying) attribute changed.
func xmlAddElement(rng *rand.Rand, doc []byte) []byte {
	e := xmlPickElem(rng, doc, nil, false, func(*xmlcElem) bool { return true })
	if e == nil {
		return nil
	}
	n := rng.IntN(1000)
	add := fmt.Sprintf(`<customSetting name="c-%d">v%d</customSetting>`, n, n)
	if rng.IntN(2) == 0 {
		copied := doc[e.start:e.end]
		if attrs := xmlAttrSpans(doc, e); len(attrs) > 0 {
			a := attrs[0]
			for _, span := range attrs {
				if xmlIsKeyAttr(doc, span) {
					a = span
					break
				}
			}
			copied = xmlSplice(copied, a[0]+1-e.start, a[1]-1-e.start, fmt.Sprintf("copy-%d", n))
		}
		add = string(copied)
	}
	indent := e.start - (bytes.LastIndexByte(doc[:e.start], '\n') + 1)
	if !xmlBlank(doc, e.start-indent, e.start) {
		return xmlSplice(doc, e.end, e.end, add)
	}
	return xmlSplice(doc, e.end, e.end, "\n"+string(doc[e.start-indent:e.start])+add)
}

// xmlIsKeyAttr reports whether the attribute whose value is at span is
// a name, id or key.
func xmlIsKeyAttr(doc []byte, span [2]int) bool {
	before := strings.TrimRight(string(doc[:span[0]]), " \t\r\n=")
	for _, k := range xmlKeyAttrs {
		if strings.HasSuffix(before, " "+k) || strings.HasSuffix(before, "\n"+k) || strings.HasSuffix(before, "\t"+k) {
			return true
		}
	}
	return false
}

// xmlRemoveElement removes an element, with its lines when it has them
// to itself.
func xmlRemoveElement(rng *rand.Rand, doc, theirs []byte, hot bool) []byte {
	e := xmlPickElem(rng, doc, theirs, hot, func(*xmlcElem) bool { return true })
	if e == nil {
		return nil
	}
	start := bytes.LastIndexByte(doc[:e.start], '\n') + 1
	end := e.end
	if nl := bytes.IndexByte(doc[end:], '\n'); nl >= 0 && xmlBlank(doc, end, end+nl) && xmlBlank(doc, start, e.start) {
		return xmlSplice(doc, start, end+nl+1, "")
	}
	return xmlSplice(doc, e.start, e.end, "")
}

// xmlAddComment adds a comment line before an element.
func xmlAddComment(rng *rand.Rand, doc []byte) []byte {
	e := xmlPickElem(rng, doc, nil, false, func(*xmlcElem) bool { return true })
	if e == nil {
		return nil
	}
	start := bytes.LastIndexByte(doc[:e.start], '\n') + 1
	note := fmt.Sprintf("<!-- customer note %d -->", rng.IntN(1000))
	if !xmlBlank(doc, start, e.start) {
		return xmlSplice(doc, e.start, e.start, note)
	}
	return xmlSplice(doc, start, start, string(doc[start:e.start])+note+"\n")
}
