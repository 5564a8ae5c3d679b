package home

import (
	"os"
	"strings"
	"testing"

	"inplace/internal/api"
)

func TestConfig(t *testing.T) {
	h := newHome(t)
	if c, err := h.Config(); err != nil || !c.Report {
		t.Fatalf("no config file: %+v, %v; want reports on", c, err)
	}
	good := map[string]bool{
		"report = false\n":                   false,
		"# no reports\n\n  report=false  \n": false,
		"report = 0":                         false,
		"report = true\n":                    true,
		"# report = false\n":                 true,
		"\r\nreport = FALSE\r\n":             false,
		"":                                   true,
	}
	for in, want := range good {
		os.WriteFile(h.Path(ConfigFile), []byte(in), 0o644)
		if c, err := h.Config(); err != nil || c.Report != want {
			t.Errorf("config %q: %+v, %v; want Report %v", in, c, err, want)
		}
	}
	bad := map[string]string{
		"report = no\n":                   `line 1: report = "no": use true or false`,
		"reprot = false\n":                `line 1: unknown setting "reprot"`,
		"\nreport false\n":                "line 2: want key = value",
		"= false\n":                       "line 1: want key = value",
		"report = false\nreport = true\n": "line 2: report is set already on line 1",
		strings.Repeat("x", 5000):         "too long",
	}
	for in, want := range bad {
		os.WriteFile(h.Path(ConfigFile), []byte(in), 0o644)
		if c, err := h.Config(); err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), ConfigFile[len("updates/"):]) {
			t.Errorf("config %.40q: %+v, %v; want an error naming the file and saying %q", in, c, err, want)
		}
	}
}

func TestInstallation(t *testing.T) {
	h := newHome(t)
	id, err := h.Installation()
	if err != nil || api.ValidInstallation(id) != nil || len(id) != 32 {
		t.Fatalf("Installation = %q, %v", id, err)
	}
	b, err := os.ReadFile(h.Path(InstallationFile))
	if err != nil || string(b) != id+"\n" {
		t.Fatalf("%s holds %q, %v", InstallationFile, b, err)
	}
	if again, err := h.Installation(); err != nil || again != id {
		t.Errorf("second Installation = %q, %v; want %q", again, err, id)
	}
	// Another home has another id.
	if other, _ := newHome(t).Installation(); other == id {
		t.Errorf("two homes share id %q", id)
	}
	// A damaged file is replaced.
	os.WriteFile(h.Path(InstallationFile), []byte("NOT AN ID\n"), 0o644)
	if fresh, err := h.Installation(); err != nil || fresh == id || api.ValidInstallation(fresh) != nil {
		t.Errorf("Installation after damage = %q, %v", fresh, err)
	}
	// An id the customer or the vendor chose is kept.
	os.WriteFile(h.Path(InstallationFile), []byte("site-a-node-0001\n"), 0o644)
	if kept, err := h.Installation(); err != nil || kept != "site-a-node-0001" {
		t.Errorf("Installation = %q, %v; want the id in the file", kept, err)
	}
}

// FuzzParseConfig: a damaged config file gives an error, never a panic,
// and reports stay on unless the file says otherwise.
func FuzzParseConfig(f *testing.F) {
	f.Add("report = false\n")
	f.Add("# x\nreport=true\r\n")
	f.Add("report\n")
	f.Fuzz(func(t *testing.T, in string) {
		c, err := ParseConfig(strings.NewReader(in), "config")
		if err != nil {
			return
		}
		if !c.Report && !strings.Contains(in, "report") {
			t.Fatalf("%q turned reports off", in)
		}
	})
}
