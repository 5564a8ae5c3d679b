package updater

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/dustin/go-humanize"

	"inplace/internal/api"
	"inplace/internal/fsx"
	"inplace/internal/txn"
)

// downloadDir holds downloads until all of them are verified; a run that
// stops half way leaves them for the next one to resume.
const downloadDir = "updates/downloads"

func downloadPath(sha string) string { return path.Join(downloadDir, sha) }

// needsDownload tells whether a stage's content comes from the server.
func (s staged) needsDownload() bool { return !s.known && s.entry.Kind == api.KindFile }

// download fetches every blob the stages need into downloadDir, in
// parallel, resuming partial downloads, before anything in the product
// changes.
func (u *Updater) download(ctx context.Context, stages []staged) error {
	var blobs []staged
	seen := make(map[string]bool)
	var total int64
	for _, s := range stages {
		if s.needsDownload() && !seen[s.entry.SHA256] {
			seen[s.entry.SHA256] = true
			blobs = append(blobs, s)
			total += s.entry.Size
		}
	}
	if len(blobs) == 0 {
		return nil
	}
	if err := os.MkdirAll(u.Home.Path(downloadDir), 0o755); err != nil {
		return err
	}
	var prog Progress
	if u.NewProgress != nil {
		prog = u.NewProgress(total, len(blobs))
		defer prog.Done()
	}
	return parallel(ctx, len(blobs), 4, func(i int) error {
		e := blobs[i].entry
		var add func(int)
		if prog != nil {
			add = prog.Add
		}
		return u.Src.Fetch(ctx, e.SHA256, e.Size, u.Home.Path(downloadPath(e.SHA256)), blobs[i].have, add)
	})
}

// stage puts every new file beside its target: known bytes are written,
// downloads moved (or copied, when two paths share a content).
func (u *Updater) stage(stages []staged) error {
	uses := make(map[string]int)
	for _, s := range stages {
		if s.needsDownload() {
			uses[s.entry.SHA256]++
		}
	}
	for _, s := range stages {
		var err error
		switch {
		case !s.needsDownload():
			err = writeStage(u.Home, s.stage, s.entry, func(f *os.File) error {
				_, err := f.Write(s.data)
				return err
			})
		case uses[s.entry.SHA256] > 1:
			uses[s.entry.SHA256]--
			err = writeStage(u.Home, s.stage, s.entry, func(f *os.File) error {
				src, err := os.Open(u.Home.Path(downloadPath(s.entry.SHA256)))
				if err != nil {
					return err
				}
				defer src.Close()
				_, err = io.Copy(f, src)
				return err
			})
		default:
			err = u.moveStage(s)
		}
		if err != nil {
			return fmt.Errorf("prepare %s: %w", strings.TrimSuffix(s.stage, ".new"), err)
		}
	}
	return nil
}

// moveStage renames a verified download into place as a stage, with the
// entry's mode.
func (u *Updater) moveStage(s staged) error {
	p := u.Home.Path(s.stage)
	if err := fsx.Rename(u.Home.Path(downloadPath(s.entry.SHA256)), p); err != nil {
		return err
	}
	mode := fs.FileMode(s.entry.Mode).Perm()
	if mode == 0 {
		mode = 0o644
	}
	return os.Chmod(p, mode)
}

// preflight checks, before anything is downloaded or changed, that the run
// can finish: room on the disk for the new files (originals are moved, not
// copied, so backups take none), and that every path to change can be.
func (u *Updater) preflight(ops []txn.Op, stages []staged) error {
	var need int64
	for _, s := range stages {
		if s.entry.Kind == api.KindFile {
			if s.known {
				need += int64(len(s.data))
			} else if fi, err := os.Stat(u.Home.Path(downloadPath(s.entry.SHA256))); err == nil {
				need += max(s.entry.Size-fi.Size(), 0)
			} else {
				need += s.entry.Size
			}
		}
	}
	var problems []string
	if free, err := fsx.FreeSpace(u.Home.Dir); err == nil && uint64(need)+minFree > free {
		problems = append(problems, fmt.Sprintf("%s: %s free, the update needs %s (and keeps %s spare)",
			u.Home.Dir, humanize.IBytes(free), humanize.IBytes(uint64(need)), humanize.IBytes(minFree)))
	}
	problems = append(problems, u.unchangeable(ops)...)
	if len(problems) > 0 {
		return &PreflightError{Action: "update", Problems: problems}
	}
	return nil
}

// unchangeable lists why paths that ops move cannot be moved: the file is
// read-only or in use, or its folder cannot be written.
func (u *Updater) unchangeable(ops []txn.Op) []string {
	var problems []string
	dirs := map[string]bool{u.Home.Path("updates"): true}
	for _, op := range ops {
		p := u.Home.Path(op.Path)
		if op.Had {
			if err := fsx.Writable(p); err != nil {
				problems = append(problems, fmt.Sprintf("%s: %v", op.Path, err))
			}
		}
		if op.KeepStage && !strings.HasPrefix(op.Stage, "updates/") {
			// The customer's F.final, moved into place.
			if err := fsx.Writable(u.Home.Path(op.Stage)); err != nil {
				problems = append(problems, fmt.Sprintf("%s: %v", op.Stage, err))
			}
		}
		d := filepath.Dir(p)
		for !fsx.Exists(d) {
			d = filepath.Dir(d)
		}
		dirs[d] = true
	}
	for _, d := range slices.Sorted(maps.Keys(dirs)) {
		if err := fsx.Writable(d); err != nil {
			rel, _ := filepath.Rel(u.Home.Dir, d)
			problems = append(problems, fmt.Sprintf("%s/: %v", filepath.ToSlash(rel), err))
		}
	}
	return problems
}

// minFree is left free on the disk, for the journal, the state and the
// product's own logs.
const minFree = 16 << 20

// PreflightError lists why an update, --continue or --revert cannot run;
// nothing was changed.
type PreflightError struct {
	Action   string
	Problems []string
}

func (e *PreflightError) Error() string {
	return "the " + e.Action + " cannot run, nothing was changed:\n  " + strings.Join(e.Problems, "\n  ") +
		"\nfix these (free space, permissions, read-only or locked files) and run again"
}
