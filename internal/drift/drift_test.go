package drift

import (
	"fmt"
	"reflect"
	"testing"

	"inplace/internal/api"
)

func file(p, sha string, mode uint32) api.Entry {
	return api.Entry{Path: p, Kind: api.KindFile, SHA256: sha, Size: int64(len(sha)), Mode: mode}
}

func link(p, target string) api.Entry {
	return api.Entry{Path: p, Kind: api.KindSymlink, Target: target}
}

func TestCompare(t *testing.T) {
	pristine := []api.Entry{
		file("conf/deployment.toml", "aa", 0o644),
		file("bin/server.sh", "bb", 0o755),
		file("lib/a.jar", "cc", 0o644),
		file("lib/gone.jar", "dd", 0o644),
		link("lib/current", "a.jar"),
		link("lib/latest", "a.jar"),
		file("lib/was-file", "ee", 0o644),
		file("README.txt", "ff", 0o644),
	}
	local := []api.Entry{
		file("README.txt", "ff", 0o600), // a mode change only: not listed
		file("conf/deployment.toml", "a2", 0o644),
		file("bin/server.sh", "bb", 0o755),
		file("lib/a.jar", "cc", 0o644),
		link("lib/current", "a.jar"),
		link("lib/latest", "b.jar"),
		link("lib/was-file", "a.jar"),
		file("lib/driver.jar", "99", 0o644),
		file("updates/state.json", "11", 0o644),
		file("bin/update_linux", "22", 0o755),
		file("Updates/other", "33", 0o644),
	}
	got := Compare(pristine, local)
	var lines []string
	for _, d := range got {
		lines = append(lines, fmt.Sprintf("%s %s %v %v", d.Kind, d.Path, d.Pristine != nil, d.Local != nil))
	}
	want := []string{
		"modified conf/deployment.toml true true",
		"added lib/driver.jar false true",
		"removed lib/gone.jar true false",
		"modified lib/latest true true",
		"modified lib/was-file true true",
	}
	if !reflect.DeepEqual(lines, want) {
		t.Errorf("Compare:\n got %q\nwant %q", lines, want)
	}
	if got[1].Local.SHA256 != "99" || got[2].Pristine.SHA256 != "dd" || got[3].Local.Target != "b.jar" {
		t.Errorf("entries not carried: %+v", got)
	}
	n := Count(got)
	if n[Modified] != 3 || n[Added] != 1 || n[Removed] != 1 {
		t.Errorf("Count = %v", n)
	}
}

func TestCompareEmpty(t *testing.T) {
	if d := Compare(nil, nil); len(d) != 0 {
		t.Errorf("Compare(nil, nil) = %v", d)
	}
	same := []api.Entry{file("a", "1", 0o644), link("b", "a")}
	if d := Compare(same, same); len(d) != 0 {
		t.Errorf("identical trees: %v", d)
	}
	// Everything added, everything removed.
	if d := Compare(nil, same); len(d) != 2 || d[0].Kind != Added || d[1].Kind != Added {
		t.Errorf("all added: %+v", d)
	}
	if d := Compare(same, nil); len(d) != 2 || d[0].Kind != Removed || d[1].Kind != Removed {
		t.Errorf("all removed: %+v", d)
	}
}

func TestVersionRoundTrip(t *testing.T) {
	for _, e := range []api.Entry{file("a/b", "12", 0o755), link("c", "../x")} {
		got := VersionOf(&e).Entry(e.Path)
		if !reflect.DeepEqual(*got, e) {
			t.Errorf("round trip %+v -> %+v", e, *got)
		}
	}
	if VersionOf(nil) != nil || (*Version)(nil).Entry("x") != nil {
		t.Error("nil does not stay nil")
	}
}
