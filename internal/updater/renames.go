package updater

import (
	"inplace/internal/api"
	"inplace/internal/plan"
)

// renamed pairs each file the update adds with the file it removes from
// the same folder under the same name but for its version (lib/foo-1.2.jar
// replaced by lib/foo-1.3.jar), so that the new one can be downloaded as a
// delta from the old: it returns the removed file's entry by added path. A
// name that more than one removed file could match is left alone.
func renamed(steps []decided) map[string]*api.Entry {
	removed := make(map[string][]*api.Entry) // stem -> removed files
	for _, s := range steps {
		if s.Action == plan.Remove && s.Local != nil && s.Local.Kind == api.KindFile {
			k := api.Stem(s.Path)
			removed[k] = append(removed[k], s.Local)
		}
	}
	out := make(map[string]*api.Entry)
	for _, s := range steps {
		if s.Action != plan.Add || s.Target.Kind != api.KindFile {
			continue
		}
		if from := removed[api.Stem(s.Path)]; len(from) == 1 {
			out[s.Path] = from[0]
		}
	}
	return out
}
