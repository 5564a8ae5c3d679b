package main

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"inplace/internal/bundle"
	"inplace/internal/sample"
)

// runHomeTool runs the tool of home h with args and the environment env
// (added to a clean one) and returns its exit code and output.
func runHomeTool(t *testing.T, h string, env []string, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(filepath.Join(h, "bin", toolName()), append([]string{"--non-interactive"}, args...)...)
	cmd.Env = append(cleanEnv(), env...)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		return exit.ExitCode(), string(out)
	case err != nil:
		t.Fatal(err)
	}
	return 0, string(out)
}

// tree lists a home's files, links and modes (not updates/ nor the tool).
func tree(t *testing.T, h string) []string {
	t.Helper()
	lines, err := treeLines(h)
	if err != nil {
		t.Fatal(err)
	}
	return lines
}

func sameTree(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		var diff []string
		for _, l := range got {
			if !slices.Contains(want, l) {
				diff = append(diff, "+ "+l)
			}
		}
		for _, l := range want {
			if !slices.Contains(got, l) {
				diff = append(diff, "- "+l)
			}
		}
		t.Errorf("%s: the trees differ:\n%s", what, strings.Join(diff, "\n"))
	}
}

// TestBundleOffline: an installation with no server to reach updates from
// an offline bundle exported on a connected machine and ends with the same
// tree as the same installation updated online: the same merge, the same
// conflict, resolved with --continue the same way; --revert undoes it
// exactly. Tampered, truncated, foreign and too-new bundles are refused
// with nothing changed.
func TestBundleOffline(t *testing.T) {
	srv := startServer(t)
	l := srv.publishSample(t)
	srv.addUser(t, "alice", "s3cret-pass", l.Product, "full")
	creds := []string{"UPDATE_SERVER=" + srv.url, "UPDATE_USERNAME=alice", "UPDATE_PASSWORD=s3cret-pass"}

	online := srv.installHome(t, l.Base)
	offline := srv.installHome(t, l.Base)
	exporter := srv.installHome(t, l.Base)
	for _, h := range []string{online, offline} {
		if err := sample.Customise(h); err != nil {
			t.Fatal(err)
		}
	}
	customised := tree(t, offline)
	pristine := tree(t, exporter)

	code, out := runHomeTool(t, online, creds, "-c", "full")
	if code != 3 {
		t.Fatalf("online update: exit %d, want 3 (the customised jar conflicts)\n%s", code, out)
	}

	file := filepath.Join(t.TempDir(), "acme.bundle")
	code, out = runHomeTool(t, exporter, creds, "-c", "full", "--export-bundle", file, "--from", "0")
	if code != 0 || !strings.Contains(out, "2 update(s)") {
		t.Fatalf("export: exit %d\n%s", code, out)
	}
	sameTree(t, "the export changed its installation", tree(t, exporter), pristine)
	if code, out := runHomeTool(t, exporter, creds, "--export-bundle", file); code != 1 || !strings.Contains(out, "exists") {
		t.Errorf("export over an existing file: exit %d\n%s", code, out)
	}

	// No server from here on: the machine cannot reach one.
	srv.stop(t)
	offlineEnv := []string{"UPDATE_SERVER=" + srv.url}

	bad := badBundles(t, file)
	for _, tc := range []struct {
		name, file, want string
	}{
		{"a blob tampered with", bad.blob, "does not match the hash"},
		{"signed metadata tampered with", bad.metadata, "tampered"},
		{"a descriptor tampered with", bad.target, "tampered"},
		{"truncated", bad.truncated, "is not a valid bundle"},
		{"another product", bad.product, "is for other-1.0"},
		{"not a bundle", bad.garbage, "is not a valid bundle"},
		{"missing", filepath.Join(t.TempDir(), "nope.bundle"), "no such file"},
	} {
		h := srv.installHome(t, l.Base)
		before := tree(t, h)
		code, out := runHomeTool(t, h, offlineEnv, "--bundle", tc.file)
		if code != 1 || !strings.Contains(out, tc.want) {
			t.Errorf("%s: exit %d, want 1 saying %q:\n%s", tc.name, code, tc.want, out)
		}
		t.Logf("%s: %s", tc.name, out)
		sameTree(t, tc.name+": the refused bundle changed the installation", tree(t, h), before)
	}

	// An installation between the bundle's levels: -t stops it at update
	// 1, and the same bundle takes it on from there.
	mid := srv.installHome(t, l.Base)
	if code, out := runHomeTool(t, mid, offlineEnv, "--bundle", file, "-t", "1700000100000"); code != 0 || !strings.Contains(out, "to level 1700000100000") {
		t.Errorf("the bundle with -t: exit %d\n%s", code, out)
	}
	if code, out := runHomeTool(t, mid, offlineEnv, "--bundle", file); code != 0 || !strings.Contains(out, "to level 1700000200000") {
		t.Errorf("the bundle from between its levels: exit %d\n%s", code, out)
	}

	if code, out := runHomeTool(t, offline, offlineEnv, "--bundle", file, "--details"); code != 0 ||
		!strings.Contains(out, "1700000100000") || !strings.Contains(out, "1700000200000") {
		t.Errorf("--details of the bundle: exit %d, want both updates listed\n%s", code, out)
	}
	// The health check holds offline too: a failing post-update hook
	// reverts the update from the bundle.
	if runtime.GOOS != "windows" {
		hooked := srv.installHome(t, l.Base)
		before := tree(t, hooked)
		if err := os.MkdirAll(filepath.Join(hooked, "updates", "hooks"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(hooked, "updates", "hooks", "post-update"), []byte("#!/bin/sh\necho the gateway does not start\nexit 1\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		code, out := runHomeTool(t, hooked, offlineEnv, "--bundle", file, "--revert-on-failure")
		if code != 1 || !strings.Contains(out, "the gateway does not start") {
			t.Errorf("a failing post-update hook after the bundle: exit %d, want 1\n%s", code, out)
		}
		sameTree(t, "the update from the bundle whose health check failed", tree(t, hooked), before)
	}

	code, out = runHomeTool(t, offline, offlineEnv, "--bundle", file, "--dry-run")
	if code != 3 || !strings.Contains(out, "dry run") {
		t.Errorf("dry run from the bundle: exit %d, want 3\n%s", code, out)
	}
	sameTree(t, "the dry run changed the installation", tree(t, offline), customised)
	code, out = runHomeTool(t, offline, offlineEnv, "--bundle", file)
	if code != 3 {
		t.Fatalf("update from the bundle: exit %d, want 3 as online\n%s", code, out)
	}
	sameTree(t, "offline vs online, stopped on the conflict", tree(t, offline), tree(t, online))

	// The customer resolves the conflict the same way on both.
	for _, h := range []string{online, offline} {
		jar := filepath.Join(h, filepath.FromSlash(sample.CustomisedJar))
		b, err := os.ReadFile(jar + ".updated")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(jar+".final", b, 0o644); err != nil {
			t.Fatal(err)
		}
		if code, out := runHomeTool(t, h, offlineEnv, "--continue", "--no-report"); code != 0 {
			t.Fatalf("--continue: exit %d\n%s", code, out)
		}
	}
	sameTree(t, "offline vs online, after --continue", tree(t, offline), tree(t, online))

	// The same bundle again: nothing to do.
	if code, out := runHomeTool(t, offline, offlineEnv, "--bundle", file); code != 0 || !strings.Contains(out, "up to date") {
		t.Errorf("the bundle again: exit %d\n%s", code, out)
	}
	if code, out := runHomeTool(t, offline, offlineEnv, "--revert", "--no-report"); code != 4 {
		t.Fatalf("--revert: exit %d\n%s", code, out)
	}
	sameTree(t, "--revert after the bundle", tree(t, offline), customised)
}

// badBundles writes broken copies of the bundle in file.
type broken struct{ blob, metadata, target, truncated, product, garbage string }

func badBundles(t *testing.T, file string) broken {
	t.Helper()
	dir := t.TempDir()
	orig, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	rewrite := func(name string, change func(entry string, b []byte) []byte) string {
		zr, err := zip.NewReader(bytes.NewReader(orig), int64(len(orig)))
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		changed := false
		for _, f := range zr.File {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				t.Fatal(err)
			}
			if nb := change(f.Name, b); !bytes.Equal(nb, b) {
				b, changed = nb, true
			}
			w, err := zw.Create(f.Name)
			if err != nil {
				t.Fatal(err)
			}
			w.Write(b)
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		if !changed {
			t.Fatalf("%s: nothing in the bundle was changed", name)
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// One bit of each blob, so that whichever the update needs first is
	// wrong; the same length for metadata and descriptors, so that the
	// hashes and signatures catch it, not the lengths.
	var b broken
	b.blob = rewrite("blob", func(entry string, data []byte) []byte {
		if !strings.HasPrefix(entry, "blobs/") || len(data) == 0 {
			return data
		}
		data = bytes.Clone(data)
		data[len(data)/2] ^= 1
		return data
	})
	b.metadata = rewrite("metadata", func(entry string, data []byte) []byte {
		if !strings.HasSuffix(entry, ".targets.json") {
			return data
		}
		// The first hex digit of the first hash the targets sign.
		i := bytes.Index(data, []byte(`"sha256"`))
		if i < 0 {
			return data
		}
		j := i + bytes.IndexByte(data[i+len(`"sha256"`):], '"') + len(`"sha256"`) + 1
		data = bytes.Clone(data)
		if data[j] == '0' {
			data[j] = '1'
		} else {
			data[j] = '0'
		}
		return data
	})
	b.target = rewrite("target", func(entry string, data []byte) []byte {
		if !strings.HasPrefix(entry, "targets/") || strings.HasSuffix(entry, "base.json") {
			return data
		}
		return bytes.Replace(data, []byte(`"security":false`), []byte(`"security":true `), 1)
	})
	b.product = rewrite("product", func(entry string, data []byte) []byte {
		if entry != bundle.ManifestName {
			return data
		}
		return bytes.Replace(data, []byte(`"product": "acme-gateway-4.2.0"`), []byte(`"product": "other-1.0"`), 1)
	})
	b.truncated = filepath.Join(dir, "truncated")
	b.garbage = filepath.Join(dir, "garbage")
	if err := os.WriteFile(b.truncated, orig[:len(orig)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(b.garbage, []byte("#!/bin/sh\necho not a bundle\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return b
}
