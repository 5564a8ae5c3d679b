package trust

import (
	"encoding/json"
	"fmt"
	"testing"

	"inplace/internal/api"
)

func TestPickBase(t *testing.T) {
	base := api.Base{Product: "acme-1.0"}
	for i := range 1000 {
		base.Files = append(base.Files, api.Entry{Path: fmt.Sprintf("lib/f%04d.jar", i), Kind: api.KindFile, SHA256: fmt.Sprintf("%064x", i), Size: int64(i)})
	}
	b, _ := json.Marshal(base)
	want := map[string]bool{"lib/f0007.jar": true, "lib/f0999.jar": true, "lib/absent.jar": true}
	got, product, err := pickBase(b, want)
	if err != nil || product != "acme-1.0" {
		t.Fatalf("pickBase: %q, %v", product, err)
	}
	if len(got) != 2 || got["lib/f0007.jar"].Size != 7 || got["lib/f0999.jar"].SHA256 != base.Files[999].SHA256 {
		t.Errorf("picked %v", got)
	}
	// Unknown fields are skipped; the product may come last.
	got, product, err = pickBase([]byte(`{"files":[{"path":"a","kind":"file","size":1}],"note":{"x":[1,2]},"product":"p"}`), map[string]bool{"a": true})
	if err != nil || product != "p" || got["a"] == nil {
		t.Errorf("fields in another order: %v %q %v", got, product, err)
	}
	for _, bad := range []string{``, `[]`, `{"files":{}}`, `{"files":[1]}`, `{"product":"p","files":[`, `{"product":"p"`} {
		if _, _, err := pickBase([]byte(bad), want); err == nil {
			t.Errorf("pickBase(%q): no error", bad)
		}
	}
}

func FuzzPickBase(f *testing.F) {
	f.Add([]byte(`{"product":"p","files":[{"path":"a","kind":"file","size":1}]}`))
	f.Add([]byte(`{"files":[],"x":null}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		got, _, err := pickBase(b, map[string]bool{"a": true})
		if err == nil && len(got) > 1 {
			t.Errorf("picked %d entries for one wanted path", len(got))
		}
	})
}

func TestPristineTree(t *testing.T) {
	base := api.Base{Product: "acme-1.0", Files: []api.Entry{
		{Path: "a.txt", Kind: api.KindFile, SHA256: "a0", Size: 1},
		{Path: "b.txt", Kind: api.KindFile, SHA256: "b0", Size: 1},
		{Path: "c.txt", Kind: api.KindFile, SHA256: "c0", Size: 1},
		{Path: "lib/l", Kind: api.KindSymlink, Target: "x"},
	}}
	b, _ := json.Marshal(base)
	applied := []api.Update{
		// Out of order on purpose: the later update wins.
		{Timestamp: 20, Files: []api.Change{{Entry: api.Entry{Path: "b.txt", Kind: api.KindFile, SHA256: "b2", Size: 2}}}},
		{Timestamp: 10, Files: []api.Change{
			{Entry: api.Entry{Path: "b.txt", Kind: api.KindFile, SHA256: "b1", Size: 2}},
			{Entry: api.Entry{Path: "c.txt"}, Remove: true},
			{Entry: api.Entry{Path: "d/new.txt", Kind: api.KindFile, SHA256: "d1", Size: 3}},
		}},
	}
	got, err := pristineTree(b, "acme-1.0", applied)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, e := range got {
		lines = append(lines, e.Path+" "+e.SHA256+e.Target)
	}
	want := []string{"a.txt a0", "b.txt b2", "d/new.txt d1", "lib/l x"}
	if fmt.Sprint(lines) != fmt.Sprint(want) {
		t.Errorf("tree %q, want %q", lines, want)
	}
	if _, err := pristineTree(b, "other-1.0", nil); err == nil {
		t.Error("a base signed for another product was accepted")
	}
	if _, err := pristineTree([]byte(`{"product":"acme-1.0","files":[`), "acme-1.0", nil); err == nil {
		t.Error("a truncated base was accepted")
	}
}
