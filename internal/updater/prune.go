package updater

import (
	"os"
	"path/filepath"

	"inplace/internal/home"
)

// Prune drops the oldest revertable runs beyond the home's retention
// setting, then removes every backup folder no run names (left by a
// pruning or a revert that was interrupted). The state is saved before any
// folder goes, so an interruption leaves only folders for the next Prune.
func Prune(h *home.Home) error {
	st, err := h.LoadState()
	if err != nil {
		return err
	}
	if st.Keep > 0 && st.Pending == nil && len(st.Runs) > st.Keep {
		st.Runs = append([]string(nil), st.Runs[len(st.Runs)-st.Keep:]...)
		if err := h.SaveState(st); err != nil {
			return err
		}
	}
	keep := make(map[string]bool)
	for _, r := range st.Runs {
		keep[r] = true
	}
	if st.Pending != nil {
		keep[st.Pending.Run] = true
	}
	entries, err := os.ReadDir(h.Path(home.BackupDir))
	if err != nil {
		return nil // no backups yet
	}
	for _, e := range entries {
		if !keep[e.Name()] {
			if err := os.RemoveAll(filepath.Join(h.Path(home.BackupDir), e.Name())); err != nil {
				return err
			}
		}
	}
	return nil
}
