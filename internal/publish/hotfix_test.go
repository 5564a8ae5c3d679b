package publish

import (
	"strings"
	"testing"

	"inplace/internal/api"
)

func hotfixEnv(t *testing.T) *env {
	t.Helper()
	e := newEnv(t)
	addBase(t, e)
	for _, u := range []string{"alice", "bob"} {
		if err := e.AddUser(ctx, u, "pw", "wso2am-4.2.0", api.ChannelFull); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.AddProduct(ctx, "other", "1.0", writeTree(t, t.TempDir(), map[string]string{"a": "a"})); err != nil {
		t.Fatal(err)
	}
	if err := e.AddUser(ctx, "olga", "pw", "other-1.0", api.ChannelFull); err != nil {
		t.Fatal(err)
	}
	return e
}

func hotfixSource(t *testing.T) string {
	return writeTree(t, t.TempDir(), map[string]string{
		"update.yaml": `description: "Login fix for ACME"
bug_fixes:
  APIM-77: "login loops"
removed_files:
  - repository/conf/old.xml
`,
		"files/lib/a.jar": "jar a, fixed",
	})
}

func TestPublishHotfix(t *testing.T) {
	e := hotfixEnv(t)
	h, err := e.PublishHotfix(ctx, HotfixOptions{Product: "wso2am-4.2.0", ID: "HF-1", Users: []string{"alice", "alice"}, Source: hotfixSource(t)})
	if err != nil {
		t.Fatal(err)
	}
	if h.ID != "HF-1" || h.Description != "Login fix for ACME" || len(h.Files) != 2 || len(h.BugFixes) != 1 ||
		strings.Join(h.Users, ",") != "alice" {
		t.Errorf("hotfix = %+v", h)
	}
	stored, err := e.Store.Hotfixes(ctx, "wso2am-4.2.0")
	if err != nil || len(stored) != 1 || stored[0].ID != "HF-1" {
		t.Fatalf("stored = %+v, %v", stored, err)
	}
	ok, err := e.Blobs.Has(ctx, sum("jar a, fixed"))
	if err != nil || !ok {
		t.Errorf("the hotfix's content is not in the blob store: %v, %v", ok, err)
	}

	// Signed: a target per hotfix, whose content is the descriptor.
	want, err := e.targets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := want[api.HotfixTarget("wso2am-4.2.0", "HF-1")]; !ok {
		t.Errorf("targets lack the hotfix: %v", want)
	}

	// An update may include it; one naming an unknown hotfix is refused.
	upd := func(hotfixes string) string {
		return writeTree(t, t.TempDir(), map[string]string{
			"update.yaml":     "description: next\nhotfixes: [" + hotfixes + "]\n",
			"files/lib/a.jar": "jar a, next",
		})
	}
	before := e.counts(t)
	_, err = e.PublishUpdate(ctx, UpdateOptions{Product: "wso2am-4.2.0", Source: upd("HF-1, HF-9"), Timestamp: 1000})
	if err == nil || !strings.Contains(err.Error(), "HF-9") {
		t.Errorf("update naming an unknown hotfix: err = %v", err)
	}
	e.checkNothingStored(t, before)
	u, err := e.PublishUpdate(ctx, UpdateOptions{Product: "wso2am-4.2.0", Source: upd("HF-1"), Timestamp: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(u.Hotfixes, ",") != "HF-1" {
		t.Errorf("update's hotfixes = %q", u.Hotfixes)
	}
}

func TestPublishHotfixRefused(t *testing.T) {
	e := hotfixEnv(t)
	if _, err := e.PublishHotfix(ctx, HotfixOptions{Product: "wso2am-4.2.0", ID: "HF-1", Users: []string{"alice"}, Source: hotfixSource(t)}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		o    HotfixOptions
		want string
	}{
		{"bad id", HotfixOptions{ID: "../x", Users: []string{"alice"}}, "hotfix id"},
		{"bad id dot", HotfixOptions{ID: ".x", Users: []string{"alice"}}, "hotfix id"},
		{"long id", HotfixOptions{ID: strings.Repeat("x", 65), Users: []string{"alice"}}, "hotfix id"},
		{"no user", HotfixOptions{ID: "HF-2"}, "--user"},
		{"unknown user", HotfixOptions{ID: "HF-2", Users: []string{"alice", "mallory"}}, "user mallory does not exist"},
		{"other product's user", HotfixOptions{ID: "HF-2", Users: []string{"olga"}}, "no subscription"},
		{"unknown product", HotfixOptions{Product: "nope-1", ID: "HF-2", Users: []string{"alice"}}, "not known"},
		{"duplicate", HotfixOptions{ID: "HF-1", Users: []string{"bob"}}, "published already"},
		{"security", HotfixOptions{ID: "HF-2", Users: []string{"alice"}, Source: writeTree(t, t.TempDir(), map[string]string{
			"update.yaml": "description: x\nsecurity: true\n", "files/lib/a.jar": "x"})}, "no channel"},
		{"hotfixes key", HotfixOptions{ID: "HF-2", Users: []string{"alice"}, Source: writeTree(t, t.TempDir(), map[string]string{
			"update.yaml": "description: x\nhotfixes: [HF-1]\n", "files/lib/a.jar": "x"})}, "not for a hotfix"},
		{"empty", HotfixOptions{ID: "HF-2", Users: []string{"alice"}, Source: writeTree(t, t.TempDir(), map[string]string{
			"update.yaml": "description: x\n"})}, "changes no file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.o.Product == "" {
				tt.o.Product = "wso2am-4.2.0"
			}
			if tt.o.Source == "" {
				tt.o.Source = hotfixSource(t)
			}
			before := e.counts(t)
			_, err := e.PublishHotfix(ctx, tt.o)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one saying %q", err, tt.want)
			}
			e.checkNothingStored(t, before)
		})
	}
}

func TestDescriptorHotfixes(t *testing.T) {
	d, err := ParseDescriptor([]byte("description: x\nhotfixes:\n  - HF-2\n  - HF-1\n"))
	if err != nil || strings.Join(d.Hotfixes, ",") != "HF-2,HF-1" {
		t.Errorf("ParseDescriptor = %+v, %v", d, err)
	}
	for _, bad := range []string{"hotfixes: [HF-1, HF-1]\n", "hotfixes: [\"a/b\"]\n", "hotfixes: HF-1\n"} {
		if _, err := ParseDescriptor([]byte(bad)); err == nil {
			t.Errorf("ParseDescriptor(%q) accepted", bad)
		}
	}
}
