package updater

import (
	"fmt"
	"io"
	"strings"
	"time"

	"inplace/internal/api"
	"inplace/internal/merge"
)

// Report tells what a run did, or would do on a dry run.
type Report struct {
	Action    string       `json:"action"`           // update, continue, revert, hotfix, revert-hotfix
	Hotfix    string       `json:"hotfix,omitempty"` // the hotfix of a hotfix or revert-hotfix run
	Product   string       `json:"product"`
	Channel   string       `json:"channel,omitempty"`
	From      int64        `json:"from_level"`
	To        int64        `json:"to_level"`
	DryRun    bool         `json:"dry_run,omitempty"`
	Updates   []UpdateInfo `json:"updates,omitempty"`
	Files     []FileReport `json:"files,omitempty"`
	Conflicts []FileReport `json:"conflicts,omitempty"`
	Missing   []string     `json:"missing_final,omitempty"` // --continue: the .final files still to write
	Result    string       `json:"result"`
	Phases    []Phase      `json:"phases,omitempty"` // how long each part of the run took
}

// Phase is how long one part of a run took: check (the metadata), plan
// (reading the files the updates touch, merging, preflight), download,
// apply (the transaction and its cleanup).
type Phase struct {
	Name    string  `json:"name"`
	Seconds float64 `json:"seconds"`
}

// stopwatch appends phases to a report, each from the end of the last.
type stopwatch struct {
	last time.Time
	rep  *Report
}

func startWatch(rep *Report) *stopwatch { return &stopwatch{last: time.Now(), rep: rep} }

func (w *stopwatch) lap(name string) {
	now := time.Now()
	w.rep.Phases = append(w.rep.Phases, Phase{Name: name, Seconds: now.Sub(w.last).Seconds()})
	w.last = now
}

// UpdateInfo is the short form of an update.
type UpdateInfo struct {
	Number      int    `json:"number"`
	Timestamp   int64  `json:"timestamp"`
	Security    bool   `json:"security"`
	Description string `json:"description"`
}

// FileReport is what happens to one path.
type FileReport struct {
	Path   string        `json:"path"`
	Action string        `json:"action"`
	Reason string        `json:"reason,omitempty"`
	Merge  *merge.Report `json:"merge,omitempty"` // setting by setting, for a structure-aware merge
}

func infos(us []api.Update) []UpdateInfo {
	out := make([]UpdateInfo, len(us))
	for i, u := range us {
		out[i] = UpdateInfo{Number: u.Number, Timestamp: u.Timestamp, Security: u.Security, Description: u.Description}
	}
	return out
}

// LevelString names a level for people.
func LevelString(level int64) string {
	if level == 0 {
		return "0 (base distribution)"
	}
	return fmt.Sprintf("%d (%s)", level, time.UnixMilli(level).UTC().Format("2006-01-02 15:04:05 UTC"))
}

// WriteText prints the report for people.
func (r *Report) WriteText(w io.Writer) {
	verb := map[string]string{
		"add": "added", "replace": "replaced", "merge": "merged", "remove": "removed",
		"keep": "kept", "same": "unchanged", "restore": "restored", "resolve": "resolved",
	}
	if r.DryRun {
		verb = map[string]string{
			"add": "would add", "replace": "would replace", "merge": "would merge", "remove": "would remove",
			"keep": "would keep", "same": "unchanged",
		}
	}
	if r.Hotfix != "" {
		what := "hotfix"
		if r.Action == "revert-hotfix" {
			what = "revert of hotfix"
		}
		fmt.Fprintf(w, "%s: %s %s, level %s\n", r.Product, what, r.Hotfix, LevelString(r.From))
	}
	if len(r.Updates) > 0 {
		fmt.Fprintf(w, "%s: %d update(s), level %s -> %s\n", r.Product, len(r.Updates), LevelString(r.From), LevelString(r.To))
		for _, u := range r.Updates {
			flag := "full"
			if u.Security {
				flag = "security"
			}
			fmt.Fprintf(w, "  update %-4d %d  %-8s  %s\n", u.Number, u.Timestamp, flag, u.Description)
		}
	}
	for _, f := range r.Files {
		v := verb[f.Action]
		if v == "" {
			v = f.Action
		}
		if f.Reason != "" {
			fmt.Fprintf(w, "  %-14s %s (%s)\n", v, f.Path, f.Reason)
		} else {
			fmt.Fprintf(w, "  %-14s %s\n", v, f.Path)
		}
		WriteMerge(w, f.Merge, "                   ")
	}
	for _, c := range r.Conflicts {
		what := "conflict"
		if r.DryRun {
			what = "would conflict"
		}
		fmt.Fprintf(w, "  %-14s %s: %s\n", what, c.Path, c.Reason)
		WriteMerge(w, c.Merge, "                   ")
	}
	for _, m := range r.Missing {
		fmt.Fprintf(w, "  %-14s %s\n", "missing", m)
	}
	fmt.Fprintf(w, "%s\n", r.Result)
}

// WriteMerge prints a merge report setting by setting, each line indented.
func WriteMerge(w io.Writer, m *merge.Report, indent string) {
	if m == nil {
		return
	}
	for _, s := range m.Taken {
		fmt.Fprintf(w, "%sfrom the update: %s = %s (was %s)\n", indent, s.Key, clip(s.Theirs), clip(s.Base))
	}
	for _, s := range m.Kept {
		fmt.Fprintf(w, "%syours, kept:     %s = %s (vendor's %s)\n", indent, s.Key, clip(s.Ours), clip(s.Base))
	}
	for _, s := range m.Conflicts {
		fmt.Fprintf(w, "%sconflict:        %s: was %s, yours %s, update %s\n", indent, s.Key, clip(s.Base), clip(s.Ours), clip(s.Theirs))
	}
}

// clip shortens a value for a one-line report.
func clip(v merge.Value) string {
	s := strings.Join(strings.Fields(v.String()), " ")
	if len(s) > 60 {
		s = s[:57] + "..."
	}
	return s
}
