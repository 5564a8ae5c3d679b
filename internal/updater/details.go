package updater

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"inplace/internal/api"
	"inplace/internal/home"
)

// Details lists the updates applied to the home and those available to it.
type Details struct {
	Product    string       `json:"product"`
	Channel    string       `json:"channel"`
	Level      int64        `json:"level"`
	Applied    []api.Update `json:"applied"`
	Pending    []api.Update `json:"pending,omitempty"` // applied but waiting for --continue
	Conflicts  []string     `json:"conflicts,omitempty"`
	Available  []api.Update `json:"available"`
	Revertable int          `json:"revertable_runs"`
	Keep       int          `json:"keep_runs,omitempty"`
	// What the merges of applied runs did, and the conflicting settings of
	// a run waiting for --continue.
	Merges          []home.MergeRecord `json:"merges,omitempty"`
	ConflictReports []home.Conflict    `json:"conflict_reports,omitempty"`
}

// Details gathers the applied updates from the home and, when a Source is
// set, the available ones from the server.
func (u *Updater) Details(ctx context.Context, upto int64) (*Details, error) {
	st, err := u.Home.LoadState()
	if err != nil {
		return nil, err
	}
	d := &Details{Product: u.Product, Channel: u.Channel, Level: st.Level, Applied: st.Applied, Revertable: len(st.Runs), Keep: st.Keep, Merges: st.Merges}
	after := st.Level
	if st.Pending != nil {
		d.Pending = st.Pending.Applied
		after = st.Pending.Level
		for _, c := range st.Pending.Conflicts {
			d.Conflicts = append(d.Conflicts, c.Path)
		}
		d.ConflictReports = st.Pending.Conflicts
	}
	if u.Src != nil {
		d.Available, err = u.Src.Updates(ctx, u.Product, after, upto)
		if err != nil {
			return nil, err
		}
	}
	return d, nil
}

// WriteText prints the details for people.
func (d *Details) WriteText(w io.Writer) {
	fmt.Fprintf(w, "product  %s\nchannel  %s\nlevel    %s\n", d.Product, d.Channel, LevelString(d.Level))
	fmt.Fprintf(w, "revert   %d run(s) can be undone with --revert", d.Revertable)
	if d.Keep > 0 {
		fmt.Fprintf(w, " (backups kept for the last %d)", d.Keep)
	}
	fmt.Fprintln(w)
	section := func(title string, us []api.Update) {
		fmt.Fprintf(w, "\n%s (%d):\n", title, len(us))
		for _, up := range us {
			writeUpdate(w, up)
		}
	}
	section("applied updates", d.Applied)
	if len(d.Pending) > 0 {
		section("updates waiting for --continue", d.Pending)
		fmt.Fprintf(w, "  conflicts to resolve: %s\n", strings.Join(d.Conflicts, ", "))
		for _, c := range d.ConflictReports {
			if c.Merge != nil {
				fmt.Fprintf(w, "  %s:\n", c.Path)
				WriteMerge(w, c.Merge, "    ")
			}
		}
	}
	if len(d.Merges) > 0 {
		fmt.Fprintf(w, "\nmerged files (%d):\n", len(d.Merges))
		for _, m := range d.Merges {
			fmt.Fprintf(w, "  %s at level %d (%s)\n", m.Path, m.Level, m.Report.Format)
			WriteMerge(w, m.Report, "    ")
		}
	}
	section("available updates", d.Available)
}

func writeUpdate(w io.Writer, up api.Update) {
	flag := "full"
	if up.Security {
		flag = "security"
	}
	fmt.Fprintf(w, "  update %d  level %d (%s)  %s\n", up.Number, up.Timestamp,
		time.UnixMilli(up.Timestamp).UTC().Format("2006-01-02 15:04 UTC"), flag)
	fmt.Fprintf(w, "    description:  %s\n", oneLine(up.Description))
	if up.Instructions != "" {
		fmt.Fprintf(w, "    instructions: %s\n", oneLine(up.Instructions))
	}
	for _, b := range up.BugFixes {
		fmt.Fprintf(w, "    fixes %s: %s\n", b.ID, oneLine(b.Summary))
	}
	var mod, rm int
	for _, c := range up.Files {
		switch {
		case c.Remove:
			rm++
		default:
			mod++
		}
	}
	fmt.Fprintf(w, "    files:        %d changed, %d removed\n", mod, rm)
	for _, c := range up.Files {
		if c.Remove {
			fmt.Fprintf(w, "      - %s\n", c.Path)
		} else {
			fmt.Fprintf(w, "      * %s\n", c.Path)
		}
	}
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
