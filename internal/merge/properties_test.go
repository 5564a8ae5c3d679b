package merge

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// propTests are small merges of .properties files with the bytes the merge
// must give, or the fallback it must take.
var propTests = []structuredCase{
	{
		name:   "value changed by the update, customer's comment and spacing kept",
		base:   "# pool\npool.size=10\nhost=a\n",
		ours:   "# our pool, tuned\npool.size = 10\nhost=b\n",
		theirs: "# pool\npool.size=20\nhost=a\n",
		want:   "# our pool, tuned\npool.size = 20\nhost=b\n",
		taken:  []string{"pool.size"}, kept: []string{"host"},
	},
	{
		name:   "formatting only is no change",
		base:   "a=1\nb=2\n",
		ours:   "a = 1\nb : 2\n",
		theirs: "a=1\nb=3\n",
		want:   "a = 1\nb : 3\n",
		taken:  []string{"b"},
	},
	{
		name:   "new key after its predecessor, with its comment",
		base:   "a=1\n\n# section c\nc=3\n",
		ours:   "a=10\n\n# section c\nc=3\n",
		theirs: "a=1\n# about b\nb=2\n\n# section c\nc=3\n",
		want:   "a=10\n# about b\nb=2\n\n# section c\nc=3\n",
		taken:  []string{"b"}, kept: []string{"a"},
	},
	{
		name:   "new block below an old blank line goes above the next section",
		base:   "a=1\n\n# section c\nc=3\n",
		ours:   "a=1\nx=9\n\n# section c\nc=3\n",
		theirs: "a=1\n\n# section b\nb=2\nb2=3\n\n# section c\nc=3\n",
		want:   "a=1\nx=9\n\n# section b\nb=2\nb2=3\n\n# section c\nc=3\n",
		taken:  []string{"b", "b2"}, kept: []string{"x"},
	},
	{
		name:   "new key under an old section comment",
		base:   "z=0\n\n# section\na=1\n",
		ours:   "z=0\n\n# section\na=1\n",
		theirs: "z=0\n\n# section\nfirst=x\na=1\n",
		want:   "z=0\n\n# section\nfirst=x\na=1\n",
		taken:  []string{"first"},
	},
	{
		name:   "removed key goes with its vendor comment, customer comment stays",
		base:   "a=1\n# about b\nb=2\n# about c\nc=3\n",
		ours:   "a=1\n# about b\nb=2\n# our note on c\nc=3\n",
		theirs: "a=1\n",
		want:   "a=1\n# our note on c\n",
		taken:  []string{"b", "c"},
	},
	{
		name:   "customer removed a key the update left alone",
		base:   "a=1\nb=2\n",
		ours:   "a=1\n",
		theirs: "a=1\nb=2\nc=3\n",
		want:   "a=1\nc=3\n",
		taken:  []string{"c"}, kept: []string{"b"},
	},
	{
		name:   "reordered by the customer",
		base:   "a=1\nb=2\nc=3\n",
		ours:   "c=3\nb=2\na=1\n",
		theirs: "a=1\nb=20\nc=3\nd=4\n",
		want:   "c=3\nd=4\nb=20\na=1\n",
		taken:  []string{"b", "d"},
	},
	{
		name:   "continuation lines",
		base:   "list=a,\\\n     b\nx=1\n",
		ours:   "list = a,\\\n       b\nx=2\n",
		theirs: "list=a,\\\n     b,\\\n     c\nx=1\n",
		want:   "list = a,\\\n     b,\\\n     c\nx=2\n",
		taken:  []string{"list"}, kept: []string{"x"},
	},
	{
		name:   "escapes compare unescaped",
		base:   "my\\ key=a\\=b\nu=\\u0041\n",
		ours:   "my\\ key = a\\=b\nu=A\n",
		theirs: "my\\ key=c\nu=\\u0041\n",
		want:   "my\\ key = c\nu=A\n",
		taken:  []string{"my key"},
	},
	{
		name:   "key value separated by white space",
		base:   "a 1\nb:2\n",
		ours:   "a 1\nb:3\n",
		theirs: "a 5\nb:2\n",
		want:   "a 5\nb:3\n",
		taken:  []string{"a"}, kept: []string{"b"},
	},
	{
		name:   "CRLF ours, LF theirs",
		base:   "a=1\nb=2\n",
		ours:   "a=1\r\nb=3\r\n",
		theirs: "a=1\nb=2\n# c\nc=3\n",
		want:   "a=1\r\nb=3\r\n# c\r\nc=3\r\n",
		taken:  []string{"c"}, kept: []string{"b"},
	},
	{
		name:   "no final newline",
		base:   "a=1\nb=2",
		ours:   "a=0\nb=2",
		theirs: "a=1\nb=2\nc=3",
		want:   "a=0\nb=2\nc=3",
		taken:  []string{"c"}, kept: []string{"a"},
	},
	{
		name:   "last key removed without final newline",
		base:   "a=1\nb=2",
		ours:   "a=0\nb=2",
		theirs: "a=1",
		want:   "a=0",
		taken:  []string{"b"}, kept: []string{"a"},
	},
	{
		name:   "new first key goes before the next one's comments",
		base:   "# file header\n\n# about b\nb=1\n",
		ours:   "# file header\n\n# about b\nb=2\n",
		theirs: "# file header\n\na=0\n# about b\nb=1\n",
		want:   "# file header\n\na=0\n# about b\nb=2\n",
		taken:  []string{"a"}, kept: []string{"b"},
	},
	{
		name:   "bang comments and a continuation ending on a blank line",
		base:   "! vendor\nlist = a,\\\n\nx=1\n",
		ours:   "! vendor\nlist = a,\\\n\nx=2\n",
		theirs: "! vendor\nlist = a,\\\n  b\nx=1\n",
		want:   "! vendor\nlist = a,\\\n  b\nx=2\n",
		taken:  []string{"list"}, kept: []string{"x"},
	},
	{
		name:   "key without separator gets the update's whole line",
		base:   "flag\nx=1\n",
		ours:   "flag\nx=2\n",
		theirs: "flag=on\nx=1\n",
		want:   "flag=on\nx=2\n",
		taken:  []string{"flag"}, kept: []string{"x"},
	},
	{
		name:      "same key changed differently",
		base:      "a=1\nb=1\n",
		ours:      "a=2\nb=1\n",
		theirs:    "a=3\nb=2\n",
		conflicts: []string{"a"},
		taken:     []string{"b"},
	},
	{
		name:      "changed by the customer, removed by the update",
		base:      "a=1\n",
		ours:      "a=2\n",
		theirs:    "",
		conflicts: []string{"a"},
	},
	{
		name:   "same change on both sides",
		base:   "a=1\n",
		ours:   "a = 2\n",
		theirs: "a=2\nb=1\n",
		want:   "a = 2\nb=1\n",
		taken:  []string{"b"}, kept: []string{"a"},
	},
	{
		name:     "duplicate key",
		base:     "a=1\n",
		ours:     "a=1\na=2\n",
		theirs:   "a=3\n",
		fallback: true,
	},
	{
		name:     "malformed unicode escape",
		base:     "a=1\n",
		ours:     "a=\\u12\n",
		theirs:   "a=3\n",
		fallback: true,
	},
	{
		name:     "lone carriage return",
		base:     "a=1\n",
		ours:     "a=1\rb=2\n",
		theirs:   "a=3\n",
		fallback: true,
	},
}

func TestMergeProperties(t *testing.T) {
	runStructuredCases(t, propTests, mergeProperties)
}

// propSettingKeys returns the keys of settings, sorted.
func propSettingKeys(ss []Setting) []string {
	var keys []string
	for _, s := range ss {
		keys = append(keys, s.Key)
	}
	slices.Sort(keys)
	return keys
}

func TestMergePropertiesGolden(t *testing.T) {
	propGolden(t, "properties", ".properties", mergeProperties)
}

// propGolden merges each case of testdata/<dir> (a folder holding base,
// ours, theirs and want, with the extension ext) and requires want, the
// merge reviewed by hand once and kept.
func propGolden(t *testing.T, dir, ext string, merge structured) {
	cases, err := filepath.Glob(filepath.Join("testdata", dir, "*"))
	if err != nil || len(cases) == 0 {
		t.Fatalf("no cases in testdata/%s: %v", dir, err)
	}
	for _, c := range cases {
		read := func(name string) []byte {
			data, err := os.ReadFile(filepath.Join(c, name+ext))
			if err != nil {
				t.Fatal(err)
			}
			return data
		}
		got, rep, err := merge(read("base"), read("ours"), read("theirs"))
		if err != nil {
			t.Fatalf("%s: %v", c, err)
		}
		if len(rep.Conflicts) > 0 {
			t.Fatalf("%s: conflicts %+v", c, rep.Conflicts)
		}
		if want := read("want"); string(got) != string(want) {
			t.Errorf("%s: merged\n%s\nwant\n%s", c, got, want)
		}
		t.Logf("%s: %d taken, %d kept", c, len(rep.Taken), len(rep.Kept))
	}
}

// TestFilePropertiesMergedBySetting checks that File hands .properties
// files to the setting-by-setting merge.
func TestFilePropertiesMergedBySetting(t *testing.T) {
	got := File("conf/app.properties", []byte("a=1\nb=1\n"), []byte("a=2\nb=1\n"), []byte("a=1\nb=2\n"))
	if !got.Clean || got.Report == nil || got.Report.Format != "properties" || string(got.Merged) != "a=2\nb=2\n" {
		t.Fatalf("File = %+v (merged %q)", got, got.Merged)
	}
}
