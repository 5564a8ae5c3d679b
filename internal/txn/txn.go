// Package txn runs the tool's transactions on a PRODUCT_HOME (DESIGN §6): a
// journal names every step before any happens; originals are moved (never
// copied) into a backup; new content is prepared beside its target and
// renamed into place; the state file, saved last, is the commit point. A
// transaction interrupted at any instant is rolled back (or, past its commit
// point, forward) by Recover, which every run calls before anything else.
//
// txn moves files it is told to move. It never decides what to change: the
// plan and updater packages do.
package txn

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"

	"inplace/internal/api"
	"inplace/internal/fsx"
	"inplace/internal/home"
)

// Op changes one path. Paths are slash-separated and relative to the home.
type Op struct {
	Path      string   `json:"path"`
	Had       bool     `json:"had"`                  // Path existed when the journal was written
	Backup    string   `json:"backup,omitempty"`     // where the original goes, when Had
	Stage     string   `json:"stage,omitempty"`      // the new content, renamed onto Path; "" removes Path
	KeepStage bool     `json:"keep_stage,omitempty"` // on rollback put the stage back (it is not ours to delete)
	NewDirs   []string `json:"new_dirs,omitempty"`   // folders the op creates, outermost first
}

// Journal is one transaction, written to updates/journal.json before it starts.
type Journal struct {
	Txn       string      `json:"txn"`    // unique name of the transaction
	Run       string      `json:"run"`    // the run (update with its --continue) it belongs to
	Action    string      `json:"action"` // "update", "continue", "revert" or "overlay"
	Ops       []Op        `json:"ops"`
	Before    *home.State `json:"before,omitempty"`     // the state before the run (update and overlay only)
	Cleanup   []string    `json:"cleanup,omitempty"`    // removed after commit
	EmptyDirs []string    `json:"empty_dirs,omitempty"` // removed after commit when empty, in order
}

// Actions.
const (
	ActUpdate   = "update"
	ActContinue = "continue"
	ActRevert   = "revert"
	// ActOverlay applies a customisation overlay (--apply-overlay): a run
	// of its own, undone by --revert as an update is, that leaves the
	// level as it was.
	ActOverlay = "overlay"
)

// RunDir is the folder holding the backup and phase records of a run.
func RunDir(run string) string { return path.Join(home.BackupDir, run) }

// PhaseFile is where a committed transaction's journal is kept for revert.
func PhaseFile(run, action string) string { return path.Join(RunDir(run), action+".json") }

// Begin records the journal durably. Nothing in the home has changed yet.
func Begin(h *home.Home, j *Journal) error {
	seen := make(map[string]bool, len(j.Ops))
	for _, op := range j.Ops {
		if seen[op.Path] {
			return fmt.Errorf("internal error: %s changed twice in one transaction", op.Path)
		}
		seen[op.Path] = true
	}
	if fsx.Exists(h.Path(home.JournalFile)) {
		return errors.New("internal error: a journal is already open")
	}
	return home.WriteJSON(h.Path(home.JournalFile), j)
}

// Hook, when set (by tests), is called before each op with its index,
// before the commit with the number of ops, and after it with one more. An error stops the transaction
// where it is, as a crash would: nothing is rolled back.
var Hook func(action string, step int) error

// Apply carries out the ops in order and flushes the folders it touched.
func Apply(h *home.Home, j *Journal) error {
	dirs := make(map[string]bool)
	for i, op := range j.Ops {
		if Hook != nil {
			if err := Hook(j.Action, i); err != nil {
				return err
			}
		}
		p := h.Path(op.Path)
		if op.Had {
			b := h.Path(op.Backup)
			if err := fsx.Rename(p, b); err != nil {
				return fmt.Errorf("move %s into the backup: %w", op.Path, err)
			}
			dirs[filepath.Dir(b)] = true
		}
		if op.Stage != "" {
			if err := fsx.Rename(h.Path(op.Stage), p); err != nil {
				return fmt.Errorf("put %s in place: %w", op.Path, err)
			}
		}
		dirs[filepath.Dir(p)] = true
	}
	for d := range dirs {
		if err := fsx.SyncDir(d); err != nil {
			return err
		}
	}
	return nil
}

// Commit saves st as the new state, naming the transaction in it, and then
// finishes the transaction.
func Commit(h *home.Home, j *Journal, st *home.State) error {
	if Hook != nil {
		if err := Hook(j.Action, len(j.Ops)); err != nil {
			return err
		}
	}
	st.Txn = j.Txn
	if err := h.SaveState(st); err != nil {
		return fmt.Errorf("record the new state: %w", err)
	}
	if Hook != nil {
		if err := Hook(j.Action, len(j.Ops)+1); err != nil {
			return err
		}
	}
	return finish(h, j)
}

// finish completes a committed transaction; it may run more than once.
func finish(h *home.Home, j *Journal) error {
	if j.Action != ActRevert {
		if err := home.WriteJSON(h.Path(PhaseFile(j.Run, j.Action)), j); err != nil {
			return err
		}
	}
	for _, c := range j.Cleanup {
		if err := os.RemoveAll(h.Path(c)); err != nil {
			return err
		}
	}
	for _, d := range j.EmptyDirs {
		_ = os.Remove(h.Path(d)) // fails, as it should, when not empty
	}
	return os.Remove(h.Path(home.JournalFile))
}

// Recovered says what Recover found.
type Recovered struct {
	Action     string // the interrupted transaction's action
	Txn        string
	RolledBack bool // false: it had committed and was finished
}

// Recover completes or undoes a transaction left by an interrupted run. It
// returns nil when there was none.
func Recover(h *home.Home) (*Recovered, error) {
	var j Journal
	err := home.ReadJSON(h.Path(home.JournalFile), &j)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err == nil {
		err = j.validate()
	}
	if err != nil {
		return nil, fmt.Errorf("%v; the interrupted run cannot be undone automatically: restore PRODUCT_HOME from your own backup, or remove %s if you are sure nothing was changed", err, h.Path(home.JournalFile))
	}
	st, err := h.LoadState()
	if err != nil {
		return nil, err
	}
	r := &Recovered{Action: j.Action, Txn: j.Txn}
	if st.Txn == j.Txn {
		return r, finish(h, &j)
	}
	r.RolledBack = true
	if err := rollback(h, &j); err != nil {
		return r, fmt.Errorf("roll back the interrupted %s: %w", j.Action, err)
	}
	if j.Action == ActUpdate || j.Action == ActOverlay {
		if err := os.RemoveAll(h.Path(RunDir(j.Run))); err != nil {
			return r, err
		}
	}
	return r, os.Remove(h.Path(home.JournalFile))
}

// validate refuses a journal naming a path outside the home.
func (j *Journal) validate() error {
	var paths []string
	for _, op := range j.Ops {
		paths = append(paths, op.Path)
		paths = append(paths, op.NewDirs...)
		if op.Had {
			paths = append(paths, op.Backup)
		}
		if op.Stage != "" {
			paths = append(paths, op.Stage)
		}
	}
	paths = append(paths, j.Cleanup...)
	paths = append(paths, j.EmptyDirs...)
	for _, p := range paths {
		if c, err := api.CleanPath(p); err != nil || c != p {
			return fmt.Errorf("journal is damaged: it names %q", p)
		}
	}
	if j.Run == "" || j.Txn == "" {
		return errors.New("journal is damaged: it names no transaction")
	}
	return nil
}

// rollback undoes the ops in reverse order, whichever of them happened.
func rollback(h *home.Home, j *Journal) error {
	for i := len(j.Ops) - 1; i >= 0; i-- {
		if err := undo(h, j.Ops[i]); err != nil {
			return fmt.Errorf("%s: %w", j.Ops[i].Path, err)
		}
	}
	return nil
}

func undo(h *home.Home, op Op) error {
	p := h.Path(op.Path)
	st := ""
	if op.Stage != "" {
		st = h.Path(op.Stage)
	}
	if op.Had && !fsx.Exists(h.Path(op.Backup)) {
		// The op never started: the original is still in place.
		if st != "" && !op.KeepStage {
			return fsx.RemoveIfExists(st)
		}
		return nil
	}
	// Whatever is at p now was put there by the op.
	if fsx.Exists(p) {
		if op.KeepStage && st != "" && !fsx.Exists(st) {
			if err := fsx.Rename(p, st); err != nil {
				return err
			}
		} else if err := fsx.RemoveIfExists(p); err != nil {
			return err
		}
	}
	if st != "" && !op.KeepStage {
		if err := fsx.RemoveIfExists(st); err != nil {
			return err
		}
	}
	if op.Had {
		return fsx.Rename(h.Path(op.Backup), p)
	}
	dirs := append([]string(nil), op.NewDirs...)
	sort.Sort(sort.Reverse(sort.StringSlice(dirs)))
	for _, d := range dirs {
		_ = os.Remove(h.Path(d))
	}
	return nil
}

// MissingDirs returns the folders above rel (outermost first) that do not
// exist yet.
func MissingDirs(h *home.Home, rel string) []string {
	var dirs []string
	for d := path.Dir(rel); d != "." && d != "/"; d = path.Dir(d) {
		if fsx.Exists(h.Path(d)) {
			break
		}
		dirs = append([]string{d}, dirs...)
	}
	return dirs
}
