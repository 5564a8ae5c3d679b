package main

import (
	"bytes"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"inplace/internal/api"
	"inplace/internal/fsx"
	"inplace/tools/e2ebench/benchgen"
)

// fileBytes compares what the tool downloaded for one replaced file with
// what the zstd command achieves on the same pair.
type fileBytes struct {
	path      string
	size      int64 // the new file
	sent      int64 // what the server sent for it
	encoding  string
	zstd3     int64 // zstd -3 of the new file
	patch19   int64 // zstd -19 --long=27 --patch-from=old of the new file
	zstdFound bool
}

// compareFiles measures, for each file the update replaces, the bytes the
// server sent and the zstd command's sizes on the same pair (when zstd is
// installed).
func compareFiles(r1, r2 string, ch benchgen.Change, sent map[string]payload) ([]fileBytes, error) {
	_, err := exec.LookPath("zstd")
	have := err == nil
	if !have {
		logf("zstd is not installed (apt-get install zstd): the per-file comparison is skipped")
	}
	var out []fileBytes
	pairs := make(map[string]string) // new path -> old path
	for _, p := range ch.Replaced {
		pairs[p] = p
	}
	for added, removed := range renamed(ch) {
		pairs[added] = removed
	}
	for _, p := range slices.Sorted(maps.Keys(pairs)) {
		old, cur := filepath.Join(r1, filepath.FromSlash(pairs[p])), filepath.Join(r2, filepath.FromSlash(p))
		sum, n, err := fsx.HashFile(cur)
		if err != nil {
			return nil, err
		}
		f := fileBytes{path: p, size: n, sent: sent[sum].bytes, encoding: sent[sum].encoding, zstdFound: have}
		if have {
			if f.zstd3, err = zstdSize(cur, "-3"); err != nil {
				return nil, err
			}
			if f.patch19, err = zstdSize(cur, "-19", "--long=27", "--patch-from="+old); err != nil {
				return nil, err
			}
		}
		out = append(out, f)
	}
	return out, nil
}

// renamed pairs added files with the removed file of the same name but
// for its digits (a version bump), as the tool does.
func renamed(ch benchgen.Change) map[string]string {
	stem := api.Stem
	removed := make(map[string][]string)
	for _, p := range ch.Removed {
		removed[stem(p)] = append(removed[stem(p)], p)
	}
	out := make(map[string]string)
	for _, p := range ch.Added {
		if r := removed[stem(p)]; len(r) == 1 {
			out[p] = r[0]
		}
	}
	return out
}

// zstdSize is the size of the zstd command's output for file.
func zstdSize(file string, args ...string) (int64, error) {
	cmd := exec.Command("zstd", append(append([]string{"-q", "-c", "--single-thread"}, args...), file)...)
	var out bytes.Buffer
	var stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		return 0, fmt.Errorf("zstd %s %s: %v: %s", strings.Join(args, " "), file, err, stderr.String())
	}
	return int64(out.Len()), nil
}

// machine describes where the figures were taken.
func machine() string {
	var parts []string
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				parts = append(parts, strings.TrimSpace(v))
				break
			}
		}
	}
	if out, err := exec.Command("uname", "-sr").Output(); err == nil {
		parts = append(parts, strings.TrimSpace(string(out)))
	}
	return strings.Join(parts, ", ")
}
