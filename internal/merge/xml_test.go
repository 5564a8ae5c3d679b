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

var xmlUpdate = flag.Bool("update-xml", false, "rewrite the expected outcomes in testdata/xml")

// TestMergeXMLGolden runs the cases in testdata/xml. Each archive holds
// base.xml, ours.xml and theirs.xml, then the expected outcome: the
// merged file and the report when the merge is clean (merged.xml,
// report), the report when settings conflict (conflicts), or the reason
// of a fallback (fallback). The archive's comment says what the case
// guards. Every case is also checked against the tests' own reading of
// the contract (xml_check_test.go). Run with -update-xml to rewrite the
// outcomes, then read them.
func TestMergeXMLGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "xml", "*.txtar"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no cases in testdata/xml")
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			ar, err := txtar.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			base, ours, theirs := archiveFile(t, ar, "base.xml"), archiveFile(t, ar, "ours.xml"), archiveFile(t, ar, "theirs.xml")
			var stats xmlStats
			xmlCheckMerge(t, file, base, ours, theirs, &stats)
			want := xmlGoldenOutcome(base, ours, theirs)
			checkGoldenArchive(t, file, ar, want, *xmlUpdate)
		})
	}
}

// xmlGoldenOutcome writes the outcome of a merge as archive files.
func xmlGoldenOutcome(base, ours, theirs []byte) []txtar.File {
	merged, rep, err := mergeXML(base, ours, theirs)
	switch {
	case err != nil:
		return []txtar.File{{Name: "fallback", Data: []byte(err.Error() + "\n")}}
	case len(rep.Conflicts) > 0:
		report := xmlSettingLines(rep.Conflicts, "conflict ")
		report = append(report, xmlSettingLines(rep.Taken, "taken ")...)
		report = append(report, xmlSettingLines(rep.Kept, "kept ")...)
		return []txtar.File{{Name: "conflicts", Data: report}}
	}
	report := append(xmlSettingLines(rep.Taken, "taken "), xmlSettingLines(rep.Kept, "kept ")...)
	return []txtar.File{{Name: "merged.xml", Data: merged}, {Name: "report", Data: report}}
}

// xmlSettingLines writes settings one a line: key: base | ours | theirs,
// values quoted.
func xmlSettingLines(settings []Setting, prefix string) []byte {
	var b bytes.Buffer
	show := func(v Value) string {
		if !v.Present {
			return v.String()
		}
		return fmt.Sprintf("%q", v.Text)
	}
	for _, s := range settings {
		fmt.Fprintf(&b, "%s%s: %s | %s | %s\n", prefix, s.Key, show(s.Base), show(s.Ours), show(s.Theirs))
	}
	return b.Bytes()
}

// xmlCRLF turns line endings into CRLF.
func xmlCRLF(s string) []byte {
	return []byte(strings.ReplaceAll(s, "\n", "\r\n"))
}

// TestMergeXMLLineEndings merges into customer files with CRLF line
// endings and without a final newline: the result keeps them, in the
// lines the update brings too.
func TestMergeXMLLineEndings(t *testing.T) {
	base := "<a>\n  <b x=\"1\"/>\n  <c>t</c>\n</a>\n"
	theirs := "<a>\n  <b x=\"2\"/>\n  <c>t</c>\n  <!-- new -->\n  <d>\n    <e/>\n  </d>\n</a>\n"
	tests := []struct {
		name           string
		ours, want     []byte
		theirsEndingIn string
	}{{
		name: "CRLF",
		ours: xmlCRLF("<a>\n  <b x=\"1\"/>\n  <c>u</c>\n</a>\n"),
		want: xmlCRLF("<a>\n  <b x=\"2\"/>\n  <c>u</c>\n  <!-- new -->\n  <d>\n    <e/>\n  </d>\n</a>\n"),
	}, {
		name: "no final newline",
		ours: []byte("<a>\n  <b x=\"1\"/>\n  <c>u</c>\n</a>"),
		want: []byte("<a>\n  <b x=\"2\"/>\n  <c>u</c>\n  <!-- new -->\n  <d>\n    <e/>\n  </d>\n</a>"),
	}, {
		name: "CRLF, no final newline",
		ours: xmlCRLF("<a>\n  <b x=\"1\"/>\n  <c>u</c>\n</a>"),
		want: xmlCRLF("<a>\n  <b x=\"2\"/>\n  <c>u</c>\n  <!-- new -->\n  <d>\n    <e/>\n  </d>\n</a>"),
	}}
	for _, tt := range tests {
		for _, crlfTheirs := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s, CRLF theirs %v", tt.name, crlfTheirs), func(t *testing.T) {
				b, th := []byte(base), []byte(theirs)
				if crlfTheirs {
					b, th = xmlCRLF(base), xmlCRLF(theirs)
				}
				got, rep, err := mergeXML(b, tt.ours, th)
				if err != nil || len(rep.Conflicts) > 0 {
					t.Fatalf("mergeXML: %v, %+v", err, rep)
				}
				if !bytes.Equal(got, tt.want) {
					t.Errorf("merged\n%q\nwant\n%q", got, tt.want)
				}
			})
		}
	}
}

// TestMergeXMLReport checks the report of a clean merge: every setting
// changed on either side, by its path, with its three values.
func TestMergeXMLReport(t *testing.T) {
	base := `<config><datasource id="WSO2_DB"><url>jdbc:a</url><pool max="5"/></datasource></config>`
	ours := `<config><datasource id="WSO2_DB"><url>jdbc:b</url><pool max="5"/></datasource></config>`
	theirs := `<config><datasource id="WSO2_DB"><url>jdbc:a</url><pool max="9"/><debug/></datasource></config>`
	got, rep, err := mergeXML([]byte(base), []byte(ours), []byte(theirs))
	if err != nil {
		t.Fatal(err)
	}
	if want := `<config><datasource id="WSO2_DB"><url>jdbc:b</url><pool max="9"/><debug/></datasource></config>`; string(got) != want {
		t.Errorf("merged\n%s\nwant\n%s", got, want)
	}
	want := &Report{
		Format: "xml",
		Taken: []Setting{
			{Key: "/config/datasource[@id='WSO2_DB']/pool/@max", Base: Value{true, "5"}, Ours: Value{true, "5"}, Theirs: Value{true, "9"}},
			{Key: "/config/datasource[@id='WSO2_DB']/debug", Theirs: Value{true, "<debug/>"}},
		},
		Kept: []Setting{
			{Key: "/config/datasource[@id='WSO2_DB']/url/text()", Base: Value{true, "jdbc:a"}, Ours: Value{true, "jdbc:b"}, Theirs: Value{true, "jdbc:a"}},
		},
	}
	if fmt.Sprint(rep) != fmt.Sprint(want) {
		t.Errorf("report\n%+v\nwant\n%+v", rep, want)
	}
}

// TestMergeXMLFallbackIsErrFallback checks that the ways of falling back
// wrap ErrFallback and say why.
func TestMergeXMLFallbackIsErrFallback(t *testing.T) {
	ok := "<a><b/></a>"
	for _, tt := range []struct {
		name, base, ours, theirs, why string
	}{
		{"not well-formed", ok, "<a><b></a>", ok, "closes"},
		{"unclosed", ok, "<a><b/>", ok, "not closed"},
		{"two roots", ok, ok + "<c/>", ok, "more than one root"},
		{"text outside the root", ok, ok + "x", ok, "text outside"},
		{"undefined entity", ok, "<a>&x;</a>", ok, "entity"},
		{"DOCTYPE with entities", ok, ok, "<!DOCTYPE a [<!ENTITY x 'y'>]><a><b/></a>", "internal subset"},
		{"duplicate ids", ok, `<a><b id="1"/><b id="1"/></a>`, ok, "same identifying attribute"},
		{"duplicate attributes", ok, `<a><b x="1" x="2"/></a>`, ok, "repeated"},
		{"mixed content", ok, "<a>text<b/>more</a>", ok, "mixed content"},
		{"unbound prefix", ok, "<a><p:b/></a>", ok, "not bound"},
		{"root renamed", ok, ok, "<z><b/></z>", "root"},
		{"not UTF-8 compatible", ok, "<?xml version='1.0' encoding='UTF-16'?>" + ok, ok, "encoding"},
		{"Latin-1 beyond ASCII", ok, "<?xml version='1.0' encoding='ISO-8859-1'?><a><b>\u00e9</b></a>", ok, "non-ASCII"},
		{"declaration inside", ok, "<a><?xml version='1.0'?><b/></a>", ok, "XML declaration"},
		{"no space between attributes", ok, `<a><b x="1"y="2"/></a>`, ok, "no space"},
		{"both added unnamed", "<a><c/></a>", "<a><c/><c x='1'/></a>", "<a><c/><c x='2'/></a>", "both sides added"},
		{"edited or removed", "<a><c x='1'/><c x='2'/></a>", "<a><c x='3'/></a>", "<a><c x='1'/><c x='2'/><d/></a>", "cannot tell"},
		{"identical neighbours", "<a><c/><c/><d/></a>", "<a><c/><d/></a>", "<a><c/><c/><c/><d x='1'/></a>", "identical"},
		{"result mixed", "<a><b/></a>", "<a><b>text</b></a>", "<a><b><c/></b></a>", "well-formed"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := mergeXML([]byte(tt.base), []byte(tt.ours), []byte(tt.theirs))
			if !errors.Is(err, ErrFallback) || !strings.Contains(err.Error(), tt.why) {
				t.Errorf("mergeXML error = %v, want ErrFallback saying %q", err, tt.why)
			}
		})
	}
}

// TestMergeXMLByteOrderMark merges into a file starting with a byte
// order mark: it stays.
func TestMergeXMLByteOrderMark(t *testing.T) {
	base := "<a>\n  <b x=\"1\"/>\n</a>\n"
	ours := xmlBOM + "<a>\n  <b x=\"1\"/>\n  <c/>\n</a>\n"
	theirs := xmlBOM + "<a>\n  <b x=\"2\"/>\n</a>\n"
	got, rep, err := mergeXML([]byte(base), []byte(ours), []byte(theirs))
	if err != nil || len(rep.Conflicts) > 0 {
		t.Fatalf("mergeXML: %v, %+v", err, rep)
	}
	if want := xmlBOM + "<a>\n  <b x=\"2\"/>\n  <c/>\n</a>\n"; string(got) != want {
		t.Errorf("merged %q, want %q", got, want)
	}
}

// TestMergeXMLFile checks that File merges .xml files setting by setting.
func TestMergeXMLFile(t *testing.T) {
	base := "<a>\n  <b x=\"1\"/>\n  <c y=\"1\"/>\n</a>\n"
	ours := "<a>\n  <b x=\"2\"/>\n  <c y=\"1\"/>\n</a>\n"
	theirs := "<a>\n  <b x=\"1\"/>\n  <c y=\"2\"/>\n</a>\n"
	got := File("conf/Catalina.XML", []byte(base), []byte(ours), []byte(theirs))
	if !got.Clean || got.Report == nil || got.Report.Format != "xml" {
		t.Fatalf("File = %+v, want a clean XML merge", got)
	}
	if want := "<a>\n  <b x=\"2\"/>\n  <c y=\"2\"/>\n</a>\n"; string(got.Merged) != want {
		t.Errorf("merged %q, want %q", got.Merged, want)
	}
}
