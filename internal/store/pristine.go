package store

import "inplace/internal/api"

// Pristine returns the state of a product after its base distribution and
// the given updates, applied in the order given (callers pass them in
// timestamp order): each path mapped to its entry. It is a pure function.
func Pristine(base []api.Entry, updates []api.Update) map[string]api.Entry {
	state := make(map[string]api.Entry, len(base))
	for _, e := range base {
		state[e.Path] = e
	}
	for _, u := range updates {
		for _, c := range u.Files {
			if c.Remove {
				delete(state, c.Path)
			} else {
				state[c.Path] = c.Entry
			}
		}
	}
	return state
}
