package updater

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"inplace/internal/api"
	"inplace/internal/home"
)

// Details lists the updates applied to the home and those available to it.
type Details struct {
	Product    string          `json:"product"`
	Channel    string          `json:"channel"`
	Level      int64           `json:"level"`
	Applied    []UpdateDetails `json:"applied"`
	Pending    []UpdateDetails `json:"pending,omitempty"` // applied but waiting for --continue
	Conflicts  []string        `json:"conflicts,omitempty"`
	Available  []UpdateDetails `json:"available"`
	Revertable int             `json:"revertable_runs"`
	Keep       int             `json:"keep_runs,omitempty"`
	// What the merges of applied runs did, and the conflicting settings of
	// a run waiting for --continue.
	Merges          []home.MergeRecord `json:"merges,omitempty"`
	ConflictReports []home.Conflict    `json:"conflict_reports,omitempty"`
	// Hotfixes applied and not folded into an update, in the order
	// applied; those an applied update included; those published for the
	// account and not applied.
	Hotfixes          []home.AppliedHotfix `json:"hotfixes,omitempty"`
	IncludedHotfixes  []home.AppliedHotfix `json:"included_hotfixes,omitempty"`
	AvailableHotfixes []api.HotfixSummary  `json:"available_hotfixes,omitempty"`
}

// UpdateDetails is an update as --details lists it: its descriptor and,
// when the update server is known, the address of its page in the
// server's web catalog.
type UpdateDetails struct {
	api.Update
	URL string `json:"url,omitempty"`
}

// UpdateURL is the address of the page of update number of product in
// the web catalog of the update server at server (scheme://host[:port],
// without a trailing slash).
func UpdateURL(server, product string, number int) string {
	return server + "/products/" + url.PathEscape(product) + "/updates/" + strconv.Itoa(number)
}

// withURLs pairs updates with their pages on u.Server; never nil.
func (u *Updater) withURLs(us []api.Update) []UpdateDetails {
	out := make([]UpdateDetails, len(us))
	for i, up := range us {
		out[i].Update = up
		if u.Server != "" {
			out[i].URL = UpdateURL(u.Server, u.Product, up.Number)
		}
	}
	return out
}

// Details gathers the applied updates from the home and, when a Source is
// set, the available ones from the server.
func (u *Updater) Details(ctx context.Context, upto int64) (*Details, error) {
	st, err := u.Home.LoadState()
	if err != nil {
		return nil, err
	}
	d := &Details{Product: u.Product, Channel: u.Channel, Level: st.Level, Applied: u.withURLs(st.Applied),
		Available: []UpdateDetails{}, Revertable: len(st.Runs), Keep: st.Keep, Merges: st.Merges}
	after := st.Level
	if st.Pending != nil {
		d.Pending = u.withURLs(st.Pending.Applied)
		after = st.Pending.Level
		for _, c := range st.Pending.Conflicts {
			d.Conflicts = append(d.Conflicts, c.Path)
		}
		d.ConflictReports = st.Pending.Conflicts
	}
	if u.Src != nil {
		available, err := u.Src.Updates(ctx, u.Product, after, upto)
		if err != nil {
			return nil, err
		}
		d.Available = u.withURLs(available)
	}
	d.Hotfixes, d.IncludedHotfixes = st.Hotfixes, st.FoldedHotfixes
	if hs, ok := u.Src.(HotfixSource); ok {
		published, err := hs.PublishedHotfixes(ctx, u.Product)
		if err != nil {
			u.logf("the hotfixes published for your account could not be listed: %v", err)
		}
		for _, h := range published {
			applied := slices.ContainsFunc(st.Hotfixes, func(a home.AppliedHotfix) bool { return a.ID == h.ID })
			if !applied && includedIn(st, h.ID) == 0 {
				d.AvailableHotfixes = append(d.AvailableHotfixes, h)
			}
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
	section := func(title string, us []UpdateDetails) {
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
	if len(d.Hotfixes)+len(d.IncludedHotfixes)+len(d.AvailableHotfixes) == 0 {
		return
	}
	fmt.Fprintf(w, "\napplied hotfixes (%d):\n", len(d.Hotfixes))
	for _, h := range d.Hotfixes {
		writeHotfix(w, h)
	}
	for _, h := range d.IncludedHotfixes {
		fmt.Fprintf(w, "  hotfix %s: included in update %d\n", h.ID, h.IncludedIn)
	}
	if len(d.AvailableHotfixes) > 0 {
		fmt.Fprintf(w, "\nhotfixes published for your account, not applied (%d):\n", len(d.AvailableHotfixes))
		for _, h := range d.AvailableHotfixes {
			fmt.Fprintf(w, "  hotfix %s  published %s  %s\n", h.ID, h.Published.UTC().Format("2006-01-02 15:04 UTC"), oneLine(h.Description))
		}
		fmt.Fprintf(w, "  apply one with --hotfix ID\n")
	}
}

func writeHotfix(w io.Writer, h home.AppliedHotfix) {
	fmt.Fprintf(w, "  hotfix %s  applied %s at level %d\n", h.ID, h.AppliedAt.UTC().Format("2006-01-02 15:04 UTC"), h.Level)
	fmt.Fprintf(w, "    description:  %s\n", oneLine(h.Description))
	if h.Instructions != "" {
		fmt.Fprintf(w, "    instructions: %s\n", oneLine(h.Instructions))
	}
	for _, b := range h.BugFixes {
		fmt.Fprintf(w, "    fixes %s: %s\n", b.ID, oneLine(b.Summary))
	}
	fmt.Fprintf(w, "    files:        %d\n", len(h.Files))
	for _, c := range h.Files {
		if c.Remove {
			fmt.Fprintf(w, "      - %s\n", c.Path)
		} else {
			fmt.Fprintf(w, "      * %s\n", c.Path)
		}
	}
}

func writeUpdate(w io.Writer, up UpdateDetails) {
	flag := "full"
	if up.Security {
		flag = "security"
	}
	fmt.Fprintf(w, "  update %d  level %d (%s)  %s\n", up.Number, up.Timestamp,
		time.UnixMilli(up.Timestamp).UTC().Format("2006-01-02 15:04 UTC"), flag)
	fmt.Fprintf(w, "    description:  %s\n", oneLine(up.Description))
	if up.URL != "" {
		fmt.Fprintf(w, "    url:          %s\n", up.URL)
	}
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
