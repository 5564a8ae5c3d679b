package hooks

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestRunCmdInAwkwardFolder: a .cmd hook runs from a folder whose name
// needs quotes on cmd's command line, as under "Program Files (x86)".
func TestRunCmdInAwkwardFolder(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "Program Files (x86)", "acme & co")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, PostUpdate+".cmd"), "@echo off\r\necho %UPDATE_ACTION%\r\nexit /b 4\r\n", 0o644)
	h, err := Find(dir, PostUpdate)
	if err != nil || h == nil {
		t.Fatalf("Find: %v, %v", h, err)
	}
	var out bytes.Buffer
	err = h.Run(context.Background(), Run{Home: t.TempDir(), Action: "update"}, time.Minute, &out, "> ")
	var he *Error
	if !errors.As(err, &he) || he.Code != 4 {
		t.Fatalf("err = %v; want exit status 4\n%s", err, out.String())
	}
	if got := out.String(); got != "> update\n" {
		t.Errorf("output %q", got)
	}
}
