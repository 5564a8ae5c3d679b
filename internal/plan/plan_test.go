package plan

import (
	"testing"

	"inplace/internal/api"
)

func file(sha string) *api.Entry { return &api.Entry{Kind: api.KindFile, SHA256: sha} }
func link(t string) *api.Entry   { return &api.Entry{Kind: api.KindSymlink, Target: t} }

// TestDecide walks DESIGN §5 case by case.
func TestDecide(t *testing.T) {
	text := func(string) bool { return true }
	binary := func(string) bool { return false }
	tests := []struct {
		name      string
		b, l, t   *api.Entry
		mergeable Mergeable
		want      Action
	}{
		{"update leaves the path as it was", file("b"), file("mine"), file("b"), text, Keep},
		{"update leaves a removed path removed", nil, file("mine"), nil, text, Keep},
		{"unmodified file replaced", file("b"), file("b"), file("t"), text, Replace},
		{"unmodified file removed", file("b"), file("b"), nil, text, Remove},
		{"new file added", nil, nil, file("t"), text, Add},
		{"local already equals target", file("b"), file("t"), file("t"), text, Same},
		{"both removed", file("b"), nil, nil, text, Same},
		{"both changed a text file", file("b"), file("mine"), file("t"), text, Merge},
		{"both changed a binary file", file("b"), file("mine"), file("t"), binary, Conflict},
		{"customer deleted what the update changes", file("b"), nil, file("t"), text, Conflict},
		{"update removes a customised file", file("b"), file("mine"), nil, text, Conflict},
		{"update adds a path the customer has", nil, file("mine"), file("t"), text, Conflict},
		{"update adds a path the customer has, same bytes", nil, file("t"), file("t"), text, Same},
		{"unmodified link retargeted", link("a"), link("a"), link("b"), text, Replace},
		{"customised link retargeted", link("a"), link("c"), link("b"), text, Conflict},
		{"file became a link locally", file("b"), link("x"), file("t"), text, Conflict},
		{"local folder where a file is added", nil, &api.Entry{Kind: "other"}, file("t"), text, Conflict},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := Decide(Input{Path: "p", Base: tc.b, Local: tc.l, Target: tc.t}, tc.mergeable)
			if s.Action != tc.want {
				t.Errorf("got %v, want %v", s.Action, tc.want)
			}
			if s.Action == Conflict && s.Reason == "" {
				t.Error("a conflict without a reason")
			}
		})
	}
}

func TestTargetFoldsUpdatesInOrder(t *testing.T) {
	us := []api.Update{
		{Files: []api.Change{{Entry: api.Entry{Path: "a", Kind: api.KindFile, SHA256: "1"}}, {Entry: api.Entry{Path: "b"}, Remove: true}}},
		{Files: []api.Change{{Entry: api.Entry{Path: "a", Kind: api.KindFile, SHA256: "2"}}, {Entry: api.Entry{Path: "b", Kind: api.KindFile, SHA256: "3"}}, {Entry: api.Entry{Path: "c"}, Remove: true}}},
	}
	got := Target(us)
	if got["a"].SHA256 != "2" || got["b"].SHA256 != "3" || got["c"] != nil || len(got) != 3 {
		t.Errorf("Target = %v", got)
	}
	if p := Paths(got); len(p) != 3 || p[0] != "a" || p[2] != "c" {
		t.Errorf("Paths = %v", p)
	}
}
