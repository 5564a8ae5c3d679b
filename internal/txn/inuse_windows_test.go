package txn

import (
	"strings"
	"testing"

	"inplace/internal/testenv"
)

// TestFileInUseRollsBack holds b open the way a running server holds a jar:
// the transaction cannot move it, fails, and Recover puts back what it had
// already changed.
func TestFileInUseRollsBack(t *testing.T) {
	h, j, stage := setup(t)
	before := tree(t, h.Dir)
	testenv.HoldOpen(t, h.Path("b"))
	if err := Begin(h, j); err != nil {
		t.Fatal(err)
	}
	stage()
	err := Apply(h, j)
	if err == nil {
		t.Fatal("Apply moved a file another program holds")
	}
	if !strings.Contains(err.Error(), "move b into the backup") {
		t.Errorf("Apply = %v, want it to name b", err)
	}
	if r, err := Recover(h); err != nil || r == nil || !r.RolledBack {
		t.Fatalf("Recover = %+v, %v", r, err)
	}
	if d := diff(before, tree(t, h.Dir)); d != "" {
		t.Errorf("tree after rollback differs:\n%s", d)
	}
	if st, err := h.LoadState(); err != nil || st.Txn != "" {
		t.Errorf("state after rollback: %+v, %v", st, err)
	}
}
