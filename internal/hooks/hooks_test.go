package hooks

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"inplace/internal/testenv"
)

func TestFindNone(t *testing.T) {
	dir := t.TempDir()
	for _, d := range []string{dir, filepath.Join(dir, "missing")} {
		for _, goos := range []string{"linux", "windows"} {
			h, err := find(d, PostUpdate, goos)
			if h != nil || err != nil {
				t.Errorf("find(%s, %s) = %v, %v; want nil, nil", d, goos, h, err)
			}
		}
	}
}

func TestFindUnix(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the Unix rules read the executable bit, which files on Windows do not have")
	}
	dir := t.TempDir()
	p := filepath.Join(dir, PreUpdate)
	write(t, p, "#!/bin/sh\n", 0o755)
	h, err := find(dir, PreUpdate, "linux")
	if err != nil {
		t.Fatal(err)
	}
	if h.Name != PreUpdate || h.Path != p || !reflect.DeepEqual(h.argv, []string{p}) {
		t.Errorf("found %+v", h)
	}
	// A post-update.sh is not the hook.
	write(t, filepath.Join(dir, PostUpdate+".sh"), "#!/bin/sh\n", 0o755)
	if h, err := find(dir, PostUpdate, "linux"); h != nil || err != nil {
		t.Errorf("post-update.sh taken for the hook: %v, %v", h, err)
	}
}

func TestFindNotExecutable(t *testing.T) {
	if goos == "windows" {
		t.Skip("Windows has no executable bit")
	}
	dir := t.TempDir()
	p := filepath.Join(dir, PostUpdate)
	write(t, p, "#!/bin/sh\n", 0o644)
	_, err := find(dir, PostUpdate, goos)
	if err == nil || !strings.Contains(err.Error(), "chmod +x "+p) {
		t.Errorf("err = %v; want it to say chmod +x %s", err, p)
	}
}

func TestFindFolder(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, PostUpdate), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, PreUpdate+".cmd"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := find(dir, PostUpdate, "linux"); err == nil || !strings.Contains(err.Error(), "is not a file") {
		t.Errorf("a folder as the hook: %v", err)
	}
	if _, err := find(dir, PreUpdate, "windows"); err == nil || !strings.Contains(err.Error(), "is not a file") {
		t.Errorf("a folder as the Windows hook: %v", err)
	}
}

func TestFindBrokenLink(t *testing.T) {
	testenv.SkipUnderWine(t, "links to nothing (Wine 8 makes them wrong)")
	dir := t.TempDir()
	if err := os.Symlink(filepath.Join(dir, "gone"), filepath.Join(dir, PostUpdate)); err != nil {
		t.Skipf("no symbolic links here: %v", err)
	}
	if h, err := find(dir, PostUpdate, "linux"); err == nil {
		t.Errorf("a link to nothing is taken for no hook: %v", h)
	}
}

func TestFindWindows(t *testing.T) {
	tests := []struct {
		files []string
		argv  func(p string) []string // nil: an error
		want  string                  // the file found, or what the error says
	}{
		{[]string{"post-update.exe"}, func(p string) []string { return []string{p} }, "post-update.exe"},
		{[]string{"post-update.cmd"}, func(p string) []string { return []string{"cmd", "/c", p} }, "post-update.cmd"},
		{[]string{"post-update.bat"}, func(p string) []string { return []string{"cmd", "/c", p} }, "post-update.bat"},
		{[]string{"post-update.ps1"}, func(p string) []string {
			return []string{"powershell", "-NoProfile", "-ExecutionPolicy", "Bypass", "-File", p}
		}, "post-update.ps1"},
		{[]string{"post-update.cmd", "post-update.ps1"}, nil, "more than one"},
		{[]string{"post-update"}, nil, "has no extension"},
		{[]string{"post-update", "post-update.bat"}, func(p string) []string { return []string{"cmd", "/c", p} }, "post-update.bat"},
	}
	for _, tt := range tests {
		dir := t.TempDir()
		for _, f := range tt.files {
			write(t, filepath.Join(dir, f), "exit 0\n", 0o644)
		}
		h, err := find(dir, PostUpdate, "windows")
		if tt.argv == nil {
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("%v: err = %v; want %q", tt.files, err, tt.want)
			}
			continue
		}
		if err != nil {
			t.Errorf("%v: %v", tt.files, err)
			continue
		}
		p := filepath.Join(dir, tt.want)
		if h.Path != p || !reflect.DeepEqual(h.argv, tt.argv(p)) {
			t.Errorf("%v: found %s %q", tt.files, h.Path, h.argv)
		}
	}
}

func TestRunEnv(t *testing.T) {
	t.Setenv("UPDATE_PASSWORD", "s3cret")
	t.Setenv("UPDATE_USERNAME", "alice")
	t.Setenv("UPDATE_TO_LEVEL", "stale") // the run's value wins
	home := t.TempDir()
	h := scriptHook(t, "env > env.txt\npwd > pwd.txt\n", "@echo off\r\nset > env.txt\r\ncd > pwd.txt\r\n")
	run := Run{Home: home, Product: "acme-4.2.0", Action: "continue", From: 1700000100000, To: 1700000200000, Channel: "security"}
	var out bytes.Buffer
	if err := h.Run(context.Background(), run, time.Minute, &out, "update: post-update: "); err != nil {
		t.Fatal(err)
	}
	env := read(t, filepath.Join(home, "env.txt"))
	for _, want := range append(run.Env(), "UPDATE_USERNAME=alice") {
		if !hasLine(env, want) {
			t.Errorf("the hook's environment lacks %s:\n%s", want, env)
		}
	}
	if strings.Contains(env, "s3cret") {
		t.Errorf("the hook got the password:\n%s", env)
	}
	if hasLine(env, "UPDATE_TO_LEVEL=stale") {
		t.Errorf("the hook got the tool's UPDATE_TO_LEVEL:\n%s", env)
	}
	if goos != "windows" && !hasLine(env, "PWD="+home) {
		t.Errorf("the hook's PWD is not %s:\n%s", home, env)
	}
	pwd := strings.TrimSpace(read(t, filepath.Join(home, "pwd.txt")))
	if real, _ := filepath.EvalSymlinks(home); pwd != home && pwd != real {
		t.Errorf("the hook ran in %s, not in %s", pwd, home)
	}
}

func TestRunOutput(t *testing.T) {
	h := scriptHook(t, "echo one\necho two >&2\nprintf 'no newline'\n", "@echo off\r\necho one\r\necho two 1>&2\r\n<nul set /p=no newline\r\n")
	var out bytes.Buffer
	if err := h.Run(context.Background(), Run{Home: t.TempDir()}, time.Minute, &out, "update: post-update: "); err != nil {
		t.Fatal(err)
	}
	want := "update: post-update: one\nupdate: post-update: two\nupdate: post-update: no newline\n"
	if got := strings.ReplaceAll(out.String(), " \n", "\n"); got != want {
		t.Errorf("output:\n%s\nwant:\n%s", got, want)
	}
}

func TestRunExitStatus(t *testing.T) {
	h := scriptHook(t, "echo unhealthy\nexit 3\n", "@echo off\r\necho unhealthy\r\nexit /b 3\r\n")
	var out bytes.Buffer
	err := h.Run(context.Background(), Run{Home: t.TempDir()}, time.Minute, &out, "> ")
	var he *Error
	if !errors.As(err, &he) {
		t.Fatalf("err = %v; want an *Error", err)
	}
	if he.Code != 3 || he.TimedOut || he.Hook != PostUpdate || he.Path != h.Path {
		t.Errorf("error %+v", he)
	}
	if msg := err.Error(); !strings.Contains(msg, "post-update hook "+h.Path) || !strings.Contains(msg, "exit status 3") {
		t.Errorf("message %q names neither the hook nor its exit status", msg)
	}
	if !strings.Contains(out.String(), "> unhealthy") {
		t.Errorf("output %q", out.String())
	}
}

func TestRunCannotStart(t *testing.T) {
	h := &Hook{Name: PreUpdate, Path: "/nowhere/pre-update", argv: []string{filepath.Join(t.TempDir(), "missing")}}
	err := h.Run(context.Background(), Run{Home: t.TempDir()}, time.Minute, &bytes.Buffer{}, "")
	var he *Error
	if !errors.As(err, &he) || he.Err == nil || !strings.Contains(err.Error(), "could not be run") {
		t.Errorf("err = %v", err)
	}
}

func TestRunCancelled(t *testing.T) {
	h := scriptHook(t, "sleep 30\n", "@echo off\r\nping -n 30 127.0.0.1 >nul\r\n")
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	err := h.Run(ctx, Run{Home: t.TempDir()}, time.Minute, &bytes.Buffer{}, "")
	var he *Error
	if err == nil || errors.As(err, &he) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v; want the caller's context's error, not a hook timeout", err)
	}
}

func TestPrefixWriter(t *testing.T) {
	var out bytes.Buffer
	w := &prefixWriter{w: &out, prefix: "> "}
	w.Write([]byte("a\r\nb"))
	w.Write([]byte("c\n"))
	w.Write([]byte(strings.Repeat("x", maxLine+3)))
	w.flush()
	want := "> a\n> bc\n> " + strings.Repeat("x", maxLine) + "\n> xxx\n"
	if out.String() != want {
		t.Errorf("got %q", out.String())
	}
}

// scriptHook writes a post-update hook: a shell script on Unix, a .cmd on
// Windows.
func scriptHook(t *testing.T, sh, cmd string) *Hook {
	t.Helper()
	dir := t.TempDir()
	if goos == "windows" {
		write(t, filepath.Join(dir, PostUpdate+".cmd"), cmd, 0o644)
	} else {
		write(t, filepath.Join(dir, PostUpdate), "#!/bin/sh\n"+sh, 0o755)
	}
	h, err := Find(dir, PostUpdate)
	if err != nil || h == nil {
		t.Fatalf("Find: %v, %v", h, err)
	}
	return h
}

func write(t *testing.T, p, s string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(p, []byte(s), mode); err != nil {
		t.Fatal(err)
	}
}

func read(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return strings.ReplaceAll(string(b), "\r\n", "\n")
}

func hasLine(text, line string) bool {
	for l := range strings.Lines(text) {
		if strings.TrimRight(l, "\n") == line {
			return true
		}
	}
	return false
}
