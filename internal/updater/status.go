package updater

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"inplace/internal/api"
	"inplace/internal/drift"
	"inplace/internal/fsx"
	"inplace/internal/merge"
)

// Status is what --status finds: every path of the home that differs from
// the pristine level. Its JSON form is a stable schema for scripts:
// fields are only ever added.
type Status struct {
	Product string       `json:"product"`
	Level   int64        `json:"level"`
	Summary StatusCounts `json:"summary"`
	Files   []StatusFile `json:"files"` // sorted by path; never null
	// Export is the overlay folder written by --status --export, or "".
	Export string `json:"export,omitempty"`
}

// StatusCounts counts the paths of each kind.
type StatusCounts struct {
	Modified int `json:"modified"`
	Added    int `json:"added"`
	Removed  int `json:"removed"`
}

// StatusFile is one path that differs. Pristine is absent for an added
// path, Local for a removed one.
type StatusFile struct {
	Path     string         `json:"path"`
	Kind     drift.Kind     `json:"kind"` // modified, added, removed
	Pristine *drift.Version `json:"pristine,omitempty"`
	Local    *drift.Version `json:"local,omitempty"`
	// Settings lists the settings changed in a modified file of a format
	// the merge engine knows, when it could read both versions.
	Settings *Settings `json:"settings,omitempty"`
}

// Settings are the settings a customer changed in one file.
type Settings struct {
	Format  string          `json:"format"` // toml, xml, properties, yaml, json
	Changed []SettingChange `json:"changed"`
}

// SettingChange is one setting whose local value differs from the
// vendor's; a Value that is not Present means the setting is absent.
type SettingChange struct {
	Key      string      `json:"key"`
	Pristine merge.Value `json:"pristine"`
	Local    merge.Value `json:"local"`
}

// StatusOptions are the choices of a --status run.
type StatusOptions struct {
	// Export, when set, is a folder to write the customisations into as an
	// overlay (see package overlay); it must not exist or be empty.
	Export string
}

// maxSettingsFile bounds the files whose settings --status compares: a
// larger configuration file is listed without its settings.
const maxSettingsFile = 8 << 20

// Status compares the home with its pristine level and, with
// opts.Export, writes the differences as an overlay. It changes nothing
// in the home.
func (u *Updater) Status(ctx context.Context, opts StatusOptions) (*Status, error) {
	st, err := u.Home.LoadState()
	if err != nil {
		return nil, err
	}
	if st.Pending != nil {
		return nil, PendingError(st.Pending)
	}
	var exportTo string
	if opts.Export != "" {
		if exportTo, err = u.checkExportDir(opts.Export); err != nil {
			return nil, err
		}
	}
	local, err := u.walkHome(ctx)
	if err != nil {
		return nil, err
	}
	dist, err := u.Src.PristineTree(ctx, u.Product, nil)
	if err != nil {
		return nil, err
	}
	pristine := stackTree(dist, homeLayers(st.Applied, st.Hotfixes))
	diffs := drift.Compare(pristine, local)
	s := &Status{Product: u.Product, Level: st.Level, Files: make([]StatusFile, 0, len(diffs))}
	for _, d := range diffs {
		f := StatusFile{Path: d.Path, Kind: d.Kind, Pristine: drift.VersionOf(d.Pristine), Local: drift.VersionOf(d.Local)}
		switch d.Kind {
		case drift.Modified:
			s.Summary.Modified++
			if f.Settings, err = u.settings(ctx, d); err != nil {
				return nil, err
			}
		case drift.Added:
			s.Summary.Added++
		case drift.Removed:
			s.Summary.Removed++
		}
		s.Files = append(s.Files, f)
	}
	if exportTo != "" {
		if err := u.export(ctx, st.Level, diffs, exportTo); err != nil {
			return nil, err
		}
		s.Export = exportTo
	}
	return s, nil
}

// settings compares a modified file's settings with the vendor's, when
// both are files of a format the merge engine knows; nil otherwise.
func (u *Updater) settings(ctx context.Context, d drift.Diff) (*Settings, error) {
	p, l := d.Pristine, d.Local
	if p.Kind != api.KindFile || l.Kind != api.KindFile || !merge.KnowsFormat(d.Path) ||
		p.Size > maxSettingsFile || l.Size > maxSettingsFile {
		return nil, nil
	}
	base, err := u.fetch(ctx, p)
	if err != nil {
		return nil, fmt.Errorf("the vendor's %s: %w", d.Path, err)
	}
	ours, err := os.ReadFile(u.Home.Path(d.Path))
	if err != nil {
		return nil, err
	}
	rep, ok := merge.Changes(d.Path, base, ours)
	if !ok {
		return nil, nil // not readable setting by setting: the file is listed alone
	}
	out := &Settings{Format: rep.Format, Changed: make([]SettingChange, len(rep.Kept))}
	for i, k := range rep.Kept {
		out.Changed[i] = SettingChange{Key: k.Key, Pristine: k.Base, Local: k.Ours}
	}
	return out, nil
}

// walkHome describes every file and symbolic link of the home but the
// tool's own, hashing files on a few workers. Other kinds of entries
// (sockets, devices) are not the product's and are left out.
func (u *Updater) walkHome(ctx context.Context) ([]api.Entry, error) {
	var out []api.Entry
	var total int64
	err := filepath.WalkDir(u.Home.Dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		rel, err := filepath.Rel(u.Home.Dir, p)
		if err != nil || rel == "." {
			return err
		}
		rel = filepath.ToSlash(rel)
		if api.ToolPath(rel) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			t, err := os.Readlink(p)
			if err != nil {
				return err
			}
			out = append(out, api.Entry{Path: rel, Kind: api.KindSymlink, Target: filepath.ToSlash(t)})
		case d.Type().IsRegular():
			fi, err := d.Info()
			if err != nil {
				return err
			}
			total += fi.Size()
			out = append(out, api.Entry{Path: rel, Kind: api.KindFile, Size: fi.Size(), Mode: uint32(fi.Mode().Perm())})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", u.Home.Dir, err)
	}
	var prog Progress
	if u.NewHashProgress != nil {
		prog = u.NewHashProgress(total, len(out))
	}
	var mu sync.Mutex // guards prog
	err = parallel(ctx, len(out), 4, func(i int) error {
		e := &out[i]
		if e.Kind != api.KindFile {
			return nil
		}
		sum, n, err := fsx.HashFile(u.Home.Path(e.Path))
		if err != nil {
			return fmt.Errorf("read %s: %w", e.Path, err)
		}
		e.SHA256, e.Size = sum, n
		if prog != nil {
			mu.Lock()
			prog.Add(int(n))
			mu.Unlock()
		}
		return nil
	})
	if prog != nil {
		prog.Done()
	}
	return out, err
}

// WriteText prints the status for people: a summary line, then the paths
// by kind, each group sorted, with the changed settings of known formats.
func (s *Status) WriteText(w io.Writer) {
	n := s.Summary.Modified + s.Summary.Added + s.Summary.Removed
	if n == 0 {
		fmt.Fprintf(w, "%s at level %s: no changes, every file is as the vendor shipped it\n", s.Product, LevelString(s.Level))
	} else {
		fmt.Fprintf(w, "%s at level %s: %d path(s) differ from the vendor's files (%d modified, %d added, %d removed)\n",
			s.Product, LevelString(s.Level), n, s.Summary.Modified, s.Summary.Added, s.Summary.Removed)
	}
	for _, k := range []drift.Kind{drift.Modified, drift.Added, drift.Removed} {
		var group []StatusFile
		for _, f := range s.Files {
			if f.Kind == k {
				group = append(group, f)
			}
		}
		if len(group) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n%s (%d):\n", k, len(group))
		for _, f := range group {
			fmt.Fprintf(w, "  %s%s\n", f.Path, describe(f))
			if f.Settings != nil {
				for _, c := range f.Settings.Changed {
					switch {
					case !c.Pristine.Present:
						fmt.Fprintf(w, "      %s = %s (added)\n", c.Key, clip(c.Local))
					case !c.Local.Present:
						fmt.Fprintf(w, "      %s removed (vendor's %s)\n", c.Key, clip(c.Pristine))
					default:
						fmt.Fprintf(w, "      %s = %s (vendor's %s)\n", c.Key, clip(c.Local), clip(c.Pristine))
					}
				}
			}
		}
	}
	if s.Export != "" {
		fmt.Fprintf(w, "\nwrote the overlay %s: apply it to a fresh installation with --apply-overlay %s\n", s.Export, s.Export)
	}
}

// describe adds what is worth knowing beside a path: link targets, and
// the format of a file whose settings follow.
func describe(f StatusFile) string {
	var parts []string
	p, l := f.Pristine, f.Local
	switch {
	case p != nil && l != nil && (p.Type == api.KindSymlink || l.Type == api.KindSymlink):
		parts = append(parts, fmt.Sprintf("was %s, now %s", versionText(p), versionText(l)))
	case l != nil && l.Type == api.KindSymlink:
		parts = append(parts, versionText(l))
	case p != nil && l == nil && p.Type == api.KindSymlink:
		parts = append(parts, versionText(p))
	}
	if f.Settings != nil {
		parts = append(parts, fmt.Sprintf("%s, %d setting(s) changed", f.Settings.Format, len(f.Settings.Changed)))
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, "; ") + ")"
}

func versionText(v *drift.Version) string {
	if v.Type == api.KindSymlink {
		return "link -> " + v.Target
	}
	return "a file"
}

// errNotEmpty is why an export folder is refused.
var errNotEmpty = errors.New("exists and is not an empty folder: choose a new folder")
