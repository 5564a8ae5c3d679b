package drift

import (
	"fmt"
	"math/rand/v2"
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

func TestCompareDuplicates(t *testing.T) {
	pristine := []api.Entry{file("b", "2", 0o644), file("a", "0", 0o644), file("a", "1", 0o644)}
	local := []api.Entry{file("a", "1", 0o644), file("b", "9", 0o644), file("b", "2", 0o644), file("updates/x", "1", 0o644)}
	if d := Compare(pristine, local); len(d) != 0 {
		t.Errorf("the last entry of each path does not count: %+v", d)
	}
}

// TestCompareRandom checks Compare against the obvious map-based
// comparison on random trees.
func TestCompareRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		var pristine, local []api.Entry
		for k := range 30 {
			p := fmt.Sprintf("d%d/f%d", r.IntN(3), k)
			if r.IntN(4) > 0 {
				pristine = append(pristine, file(p, fmt.Sprint(r.IntN(2)), 0o644))
			}
			if r.IntN(4) > 0 {
				local = append(local, file(p, fmt.Sprint(r.IntN(2)), 0o644))
			}
		}
		r.Shuffle(len(local), func(i, j int) { local[i], local[j] = local[j], local[i] })
		want := map[string]Kind{}
		pm, lm := map[string]string{}, map[string]string{}
		for _, e := range pristine {
			pm[e.Path] = e.SHA256
		}
		for _, e := range local {
			lm[e.Path] = e.SHA256
		}
		for p, s := range pm {
			if ls, ok := lm[p]; !ok {
				want[p] = Removed
			} else if ls != s {
				want[p] = Modified
			}
		}
		for p := range lm {
			if _, ok := pm[p]; !ok {
				want[p] = Added
			}
		}
		got := Compare(pristine, local)
		if len(got) != len(want) {
			t.Fatalf("%d diffs, want %d", len(got), len(want))
		}
		for i, d := range got {
			if want[d.Path] != d.Kind || i > 0 && got[i-1].Path >= d.Path {
				t.Fatalf("diff %d: %+v (want %s, sorted)", i, d, want[d.Path])
			}
		}
	}
}
