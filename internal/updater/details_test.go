package updater

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"inplace/internal/api"
	"inplace/internal/home"
)

// TestDetailsLinks: each update --details lists, applied, waiting or
// available, links to its page on the update server, in text and JSON;
// without a server there is no link.
func TestDetailsLinks(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "updates"), 0o755)
	// The product's key is escaped (home refuses such a key, but the
	// server's catalog is not the place to trust it).
	if got := UpdateURL("https://updates.example.com", "acme gw/x-1", 3); got != "https://updates.example.com/products/acme%20gw%2Fx-1/updates/3" {
		t.Errorf("UpdateURL = %s", got)
	}
	os.WriteFile(filepath.Join(dir, filepath.FromSlash(home.ProductFile)), []byte("p-1"), 0o644)
	h, err := home.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	st := &home.State{Product: "p-1", Level: 10, Applied: []api.Update{{Product: "p-1", Number: 1, Timestamp: 10, Description: "one"}},
		Pending: &home.Pending{Run: "r", Level: 20, Applied: []api.Update{{Product: "p-1", Number: 2, Timestamp: 20, Description: "two"}},
			Conflicts: []home.Conflict{{Path: "a.txt"}}}}
	if err := h.SaveState(st); err != nil {
		t.Fatal(err)
	}
	src := hostileSource{body: `{"updates":[{"product":"p-1","number":3,"timestamp":30,"description":"three"}]}`}
	u := &Updater{Home: h, Product: "p-1", Channel: "full", Src: src, Server: "http://127.0.0.1:8080"}
	d, err := u.Details(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	var text bytes.Buffer
	d.WriteText(&text)
	for _, want := range []string{
		"  update 1  level 10 (1970-01-01 00:00 UTC)  full\n    description:  one\n    url:          http://127.0.0.1:8080/products/p-1/updates/1\n",
		"    url:          http://127.0.0.1:8080/products/p-1/updates/2\n",
		"  update 3  level 30 (1970-01-01 00:00 UTC)  full\n    description:  three\n    url:          http://127.0.0.1:8080/products/p-1/updates/3\n",
	} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("details lack %q:\n%s", want, text.String())
		}
	}
	b, _ := json.Marshal(d)
	var j struct {
		Applied, Pending, Available []map[string]any
	}
	if err := json.Unmarshal(b, &j); err != nil {
		t.Fatal(err)
	}
	for i, us := range [][]map[string]any{j.Applied, j.Pending, j.Available} {
		if len(us) != 1 || us[0]["url"] != UpdateURL(u.Server, "p-1", i+1) || us[0]["number"] != float64(i+1) || us[0]["description"] == nil {
			t.Errorf("JSON list %d: %v", i, us)
		}
	}

	u.Server, u.Src = "", nil
	d, err = u.Details(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	text.Reset()
	d.WriteText(&text)
	b, _ = json.Marshal(d)
	if strings.Contains(text.String(), "url:") || strings.Contains(string(b), `"url"`) || !strings.Contains(string(b), `"available":[]`) {
		t.Errorf("without a server:\n%s\n%s", text.String(), b)
	}
}
