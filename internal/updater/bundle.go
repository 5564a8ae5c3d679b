package updater

import (
	"context"
	"fmt"
	"io"
	"sort"
	"time"

	"inplace/internal/api"
	"inplace/internal/bundle"
	"inplace/internal/plan"
)

// ExportOptions are the choices of an export of an offline bundle.
type ExportOptions struct {
	// From is the level of the installation the bundle is for; -1 means
	// this home's level.
	From int64
	Upto int64  // -t: the highest level to bring; 0 the newest
	Tool string // the tool's version, recorded in the manifest
}

// ExportReport says what an export put into its bundle.
type ExportReport struct {
	Product string       `json:"product"`
	Channel string       `json:"channel"`
	From    int64        `json:"from"`
	To      int64        `json:"to"`
	Updates []UpdateInfo `json:"updates"`
	Blobs   int          `json:"blobs"`
	Bytes   int64        `json:"bytes"` // content, before compression
}

// WriteText prints the report for people.
func (r *ExportReport) WriteText(w io.Writer) {
	fmt.Fprintf(w, "bundle of %s (%s channel) from level %s to %s: %d update(s), %d file(s), %s of content\n",
		r.Product, r.Channel, LevelString(r.From), LevelString(r.To), len(r.Updates), r.Blobs, sizeString(r.Bytes))
	for _, up := range r.Updates {
		fmt.Fprintf(w, "  update %d  level %s\n", up.Number, LevelString(up.Timestamp))
	}
}

// sizeString prints a byte count for people.
func sizeString(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// ExportBundle writes to w everything an installation of the product at
// opts.From needs to reach the newest level of the channel (or
// opts.Upto) with no network: the updates' descriptors and the base
// distribution (Src records the signed targets and metadata it reads into
// w), the content every update brings, and the pristine content, at
// opts.From, of every file they touch — what a merge or a conflict's
// F.old needs. It changes nothing in the home. w is left for the caller
// to Close with the manifest it returns.
func (u *Updater) ExportBundle(ctx context.Context, w *bundle.Writer, opts ExportOptions) (*ExportReport, bundle.Manifest, error) {
	st, err := u.Home.LoadState()
	if err != nil {
		return nil, bundle.Manifest{}, err
	}
	from, applied := st.Level, st.Applied
	if opts.From >= 0 && opts.From != st.Level {
		from = opts.From
		if applied, err = u.Src.Updates(ctx, u.Product, 0, from); err != nil {
			return nil, bundle.Manifest{}, err
		}
		if len(applied) > 0 && applied[len(applied)-1].Timestamp != from || len(applied) == 0 && from != 0 {
			return nil, bundle.Manifest{}, fmt.Errorf("--from %d is not a level of %s on the %s channel: give 0 (the base distribution) or the level an installation reports (--details, --status)",
				from, u.Product, u.Channel)
		}
	}
	if opts.Upto > 0 && opts.Upto <= from {
		return nil, bundle.Manifest{}, fmt.Errorf("-t %d is not above the level the bundle starts from (%s)", opts.Upto, LevelString(from))
	}
	updates, err := u.Src.Updates(ctx, u.Product, from, opts.Upto)
	if err != nil {
		return nil, bundle.Manifest{}, err
	}
	if err := checkUpdates(u.Product, from, opts.Upto, updates); err != nil {
		return nil, bundle.Manifest{}, err
	}
	if len(updates) == 0 {
		return nil, bundle.Manifest{}, fmt.Errorf("nothing to export: level %s is the newest of %s on the %s channel", LevelString(from), u.Product, u.Channel)
	}
	paths := plan.Paths(plan.Target(updates))
	base, err := u.Src.Pristine(ctx, u.Product, applied, paths)
	if err != nil {
		return nil, bundle.Manifest{}, err
	}

	// The content: each update's files (an installation between two of
	// the updates needs the earlier ones as pristine), and what is
	// pristine at From.
	want := map[string]int64{}
	for _, up := range updates {
		for _, c := range up.Files {
			if !c.Remove && c.Kind == api.KindFile {
				want[c.SHA256] = c.Size
			}
		}
	}
	for _, e := range base {
		if e != nil && e.Kind == api.KindFile {
			want[e.SHA256] = e.Size
		}
	}
	shas := make([]string, 0, len(want))
	var total int64
	for sha, size := range want {
		shas = append(shas, sha)
		total += size
	}
	sort.Strings(shas)
	rep := &ExportReport{Product: u.Product, Channel: u.Channel, From: from, To: updates[len(updates)-1].Timestamp,
		Updates: infos(updates), Blobs: len(shas), Bytes: total}
	var bar Progress
	if u.NewProgress != nil {
		bar = u.NewProgress(total, len(shas))
		defer bar.Done()
	}
	for _, sha := range shas {
		if err := ctx.Err(); err != nil {
			return nil, bundle.Manifest{}, err
		}
		err := w.Blob(sha, func(out io.Writer) error {
			var progress func(int)
			if bar != nil {
				progress = bar.Add
			}
			return u.Src.Blob(ctx, sha, want[sha], out, progress)
		})
		if err != nil {
			return nil, bundle.Manifest{}, err
		}
	}
	m := bundle.Manifest{Product: u.Product, Channel: u.Channel, From: from, To: rep.To, Created: time.Now().UTC(), Tool: opts.Tool}
	for _, up := range updates {
		m.Updates = append(m.Updates, bundle.Level{Number: up.Number, Timestamp: up.Timestamp})
	}
	return rep, m, nil
}
