package main

import (
	"io"
	"os"
	"strings"
	"testing"
)

// TestFlagCombinations: the flags that go together are accepted, and
// those that cannot are refused before anything runs.
func TestFlagCombinations(t *testing.T) {
	for _, tc := range []struct {
		args []string
		ok   bool
	}{
		{[]string{"-d", "-t", "1700000100000"}, true},
		{[]string{"--dry-run", "-t", "1700000100000"}, true},
		{[]string{"--bundle", "b", "-t", "1700000100000"}, true},
		{[]string{"--bundle", "b", "-d"}, true},
		{[]string{"--bundle", "b", "--dry-run", "--revert-on-failure"}, true},
		{[]string{"--export-bundle", "b", "--from", "0", "-t", "1700000100000"}, true},
		{[]string{"--revert", "--hotfix", "HF-1"}, true},
		{[]string{"--hotfix", "HF-1", "--dry-run"}, true},
		{[]string{"--status", "--json"}, true},
		{[]string{"--status", "--export", "dir"}, true},
		{[]string{"--apply-overlay", "dir", "--dry-run"}, true},
		{[]string{"--continue", "--revert"}, false},
		{[]string{"--revert", "-t", "1"}, false},
		{[]string{"--bundle", "b", "--export-bundle", "c"}, false},
		{[]string{"--bundle", "b", "--hotfix", "HF-1"}, false},
		{[]string{"--bundle", "b", "--status"}, false},
		{[]string{"--status", "-d"}, false},
		{[]string{"--status", "-t", "1"}, false},
		{[]string{"--apply-overlay", "dir", "-d"}, false},
		{[]string{"--apply-overlay", "dir", "--bundle", "b"}, false},
		{[]string{"--hotfix", "HF-1", "-t", "1"}, false},
		{[]string{"--export-bundle", "b", "--dry-run"}, false},
	} {
		cmd := newRootCommand(os.Stdin, io.Discard, io.Discard)
		if err := cmd.ParseFlags(tc.args); err != nil {
			t.Fatalf("%v: %v", tc.args, err)
		}
		err := cmd.ValidateFlagGroups()
		if tc.ok && err != nil {
			t.Errorf("%s refused: %v", strings.Join(tc.args, " "), err)
		}
		if !tc.ok && err == nil {
			t.Errorf("%s accepted", strings.Join(tc.args, " "))
		}
	}
}
