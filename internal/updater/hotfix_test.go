package updater

import (
	"strings"
	"testing"

	"inplace/internal/api"
	"inplace/internal/home"
)

func change(p, sha string) api.Change {
	return api.Change{Entry: api.Entry{Path: p, Kind: api.KindFile, SHA256: sha}}
}

func hotfix(id string, level int64, files ...api.Change) home.AppliedHotfix {
	return home.AppliedHotfix{Hotfix: api.Hotfix{Product: "p-1", ID: id, Files: files}, Level: level}
}

// TestHomeLayers: a hotfix comes after the updates up to the level it was
// applied at and before later ones; hotfixes keep the order applied.
func TestHomeLayers(t *testing.T) {
	u10 := api.Update{Number: 1, Timestamp: 10, Files: []api.Change{change("a", "u10")}}
	u20 := api.Update{Number: 2, Timestamp: 20, Files: []api.Change{change("a", "u20")}}
	h0 := hotfix("H0", 0, change("a", "h0"))
	h10 := hotfix("H10", 10, change("a", "h10"))
	h20 := hotfix("H20", 20, change("a", "h20"))
	ls := homeLayers([]api.Update{u20, u10}, []home.AppliedHotfix{h0, h10, h20})
	var got []string
	for _, l := range ls {
		got = append(got, l[0].SHA256)
	}
	if want := "h0 u10 h10 u20 h20"; strings.Join(got, " ") != want {
		t.Errorf("layers = %v, want %s", got, want)
	}
}

// TestUpdateTransition: an update folds in the hotfixes it includes (their
// files are planned too) and guards the files of those it does not.
func TestUpdateTransition(t *testing.T) {
	st := &home.State{Level: 10, Hotfixes: []home.AppliedHotfix{
		hotfix("IN", 10, change("in.txt", "hot"), change("gone.txt", "hot2")),
		hotfix("OUT", 10, change("out.txt", "hot"), change("other.txt", "hot")),
	}}
	up := api.Update{Number: 2, Timestamp: 20, Hotfixes: []string{"IN"},
		Files: []api.Change{change("in.txt", "u"), change("out.txt", "u"), change("new.txt", "u")}}
	tr, set := updateTransition(st, []api.Update{up})
	if got := strings.Join(tr.paths, " "); got != "gone.txt in.txt new.txt out.txt" {
		t.Errorf("paths = %s", got)
	}
	if len(set.Applied) != 1 || set.Applied[0].ID != "OUT" || len(set.Folded) != 1 || set.Folded[0].ID != "IN" || set.Folded[0].IncludedIn != 2 {
		t.Errorf("hotfixes after = %+v", set)
	}
	if len(tr.guard) != 1 || !strings.Contains(tr.guard["out.txt"], "hotfix OUT") || !strings.Contains(tr.guard["out.txt"], "update 2") {
		t.Errorf("guard = %v", tr.guard)
	}
	// Before: both hotfixes; after: the update, with OUT before it.
	if len(tr.before) != 2 || len(tr.after) != 2 || tr.after[1][0].SHA256 != "u" {
		t.Errorf("before = %v\nafter = %v", tr.before, tr.after)
	}
}
