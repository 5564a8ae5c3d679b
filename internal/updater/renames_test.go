package updater

import (
	"testing"

	"inplace/internal/api"
	"inplace/internal/plan"
)

func TestRenamed(t *testing.T) {
	file := func(p string) *api.Entry { return &api.Entry{Path: p, Kind: api.KindFile, SHA256: "sha of " + p} }
	step := func(a plan.Action, p string) decided {
		s := decided{Step: plan.Step{Action: a, Input: plan.Input{Path: p}}}
		switch a {
		case plan.Add:
			s.Target = file(p)
		case plan.Remove:
			s.Base, s.Local = file(p), file(p)
		}
		return s
	}
	steps := []decided{
		step(plan.Remove, "lib/foo-1.2.3.jar"),
		step(plan.Add, "lib/foo-1.2.4.jar"),
		step(plan.Remove, "lib/bar-1.0.jar"), // two candidates for bar-3.0: neither is used
		step(plan.Remove, "lib/bar-2.0.jar"),
		step(plan.Add, "lib/bar-3.0.jar"),
		step(plan.Add, "other/foo-1.2.5.jar"), // another folder
		step(plan.Add, "lib/baz-1.0.jar"),     // nothing removed under that name
	}
	got := renamed(steps)
	if len(got) != 1 || got["lib/foo-1.2.4.jar"] == nil || got["lib/foo-1.2.4.jar"].Path != "lib/foo-1.2.3.jar" {
		t.Errorf("renamed = %v, want only lib/foo-1.2.4.jar from lib/foo-1.2.3.jar", got)
	}
}
