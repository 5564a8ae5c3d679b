package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"inplace/internal/testenv"
)

func TestRun(t *testing.T) {
	testenv.SkipWithoutSymlinks(t) // the sample holds one
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	if err := run([]string{"-out", dir, "-name", "globex-broker", "-version", "2.0.0"}, &stdout, &stderr); err != nil {
		t.Fatalf("run: %v\n%s", err, stderr.String())
	}
	want := strings.Join([]string{
		"product\tglobex-broker-2.0.0",
		"base\t" + filepath.Join(dir, "base"),
		"update\t" + filepath.Join(dir, "update-1"),
		"update\t" + filepath.Join(dir, "update-2"),
		"newer\t" + filepath.Join(dir, "dist-2"),
		"",
	}, "\n")
	if stdout.String() != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", stdout.String(), want)
	}

	// A second run refuses to overwrite; a wrong command line is a usage error.
	if err := run([]string{"-out", dir}, &stdout, &stderr); exitCode(err) != 1 {
		t.Errorf("second run: err = %v, exit code %d, want 1", err, exitCode(err))
	}
	for _, args := range [][]string{{}, {"-out", dir, "extra"}, {"-bogus"}} {
		if err := run(args, &stdout, &stderr); exitCode(err) != 2 {
			t.Errorf("run(%q): err = %v, exit code %d, want 2", args, err, exitCode(err))
		}
	}
}
