// Package hooks finds and runs the customer's hooks: programs in
// PRODUCT_HOME/updates/hooks that the update tool runs around each run that
// changes the product's level. pre-update runs before the first file
// changes and can stop the run; post-update runs once the new level is
// committed, as a health check. The package runs a hook with a time limit,
// an environment that says what the run does and its output on the tool's
// stderr, and reports how it ended. It never decides what a failure means
// (stop, revert, ask): the command does.
package hooks

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// The hooks' names, and the folder of PRODUCT_HOME that holds them.
const (
	PreUpdate  = "pre-update"
	PostUpdate = "post-update"
	Dir        = "updates/hooks"
)

// windowsExts are the kinds of hook Windows runs, in the order Find
// prefers them (only one may be there).
var windowsExts = []string{".exe", ".cmd", ".bat", ".ps1"}

// Hook is a hook found on disk.
type Hook struct {
	Name string   // PreUpdate or PostUpdate
	Path string   // the file
	argv []string // the command line that runs it
}

// Find returns the hook called name in dir, or nil when there is none. On
// Unix it is the file name, which must be executable; on Windows it is
// name.exe, name.cmd or name.bat (run with cmd /c) or name.ps1 (run with
// PowerShell). A hook that is there but cannot be run is an error that
// says what to do, so that a health check is never skipped unnoticed.
func Find(dir, name string) (*Hook, error) {
	return find(dir, name, goos)
}

// find is Find for the system goos, so that tests see every system's rules.
func find(dir, name, goos string) (*Hook, error) {
	if goos != "windows" {
		p := filepath.Join(dir, name)
		if !present(p) {
			return nil, nil
		}
		fi, err := os.Stat(p)
		switch {
		case err != nil:
			return nil, fmt.Errorf("%s hook: %w", name, err)
		case !fi.Mode().IsRegular():
			return nil, fmt.Errorf("%s hook %s is not a file: put a program there, or remove it", name, p)
		case fi.Mode().Perm()&0o111 == 0:
			return nil, fmt.Errorf("%s hook %s is not executable: chmod +x %s (or remove it)", name, p, p)
		}
		return &Hook{Name: name, Path: p, argv: []string{p}}, nil
	}
	var found []string
	for _, ext := range windowsExts {
		p := filepath.Join(dir, name+ext)
		if !present(p) {
			continue
		}
		fi, err := os.Stat(p)
		switch {
		case err != nil:
			return nil, fmt.Errorf("%s hook: %w", name, err)
		case !fi.Mode().IsRegular():
			return nil, fmt.Errorf("%s hook %s is not a file: put a program there, or remove it", name, p)
		}
		found = append(found, p)
	}
	switch len(found) {
	case 0:
		p := filepath.Join(dir, name)
		if present(p) {
			return nil, fmt.Errorf("%s hook %s has no extension, which Windows needs to run it: name it %s.cmd, .bat, .exe or .ps1 (or remove it)", name, p, name)
		}
		return nil, nil
	case 1:
	default:
		return nil, fmt.Errorf("%s hook: more than one in %s (%s): keep one", name, dir, strings.Join(baseNames(found), ", "))
	}
	p := found[0]
	h := &Hook{Name: name, Path: p}
	switch strings.ToLower(filepath.Ext(p)) {
	case ".cmd", ".bat":
		h.argv = []string{"cmd", "/c", p}
	case ".ps1":
		h.argv = []string{"powershell", "-NoProfile", "-ExecutionPolicy", "Bypass", "-File", p}
	default:
		h.argv = []string{p}
	}
	return h, nil
}

// present tells whether anything has the name p, a symbolic link that
// leads nowhere included: a hook that is there but broken is an error,
// not a hook skipped.
func present(p string) bool {
	_, err := os.Lstat(p)
	return !errors.Is(err, fs.ErrNotExist)
}

func baseNames(paths []string) []string {
	names := make([]string, len(paths))
	for i, p := range paths {
		names[i] = filepath.Base(p)
	}
	return names
}

// Run tells a hook what the run does.
type Run struct {
	Home    string // PRODUCT_HOME: also the hook's working folder
	Product string // e.g. wso2am-4.2.0
	Action  string // "update" or "continue"
	From    int64  // the update level before the run
	To      int64  // the update level the run brings
	Channel string // full or security
}

// Env is the environment a hook gets besides the tool's own.
func (r Run) Env() []string {
	return []string{
		"PRODUCT_HOME=" + r.Home,
		"UPDATE_PRODUCT=" + r.Product,
		"UPDATE_ACTION=" + r.Action,
		"UPDATE_FROM_LEVEL=" + strconv.FormatInt(r.From, 10),
		"UPDATE_TO_LEVEL=" + strconv.FormatInt(r.To, 10),
		"UPDATE_CHANNEL=" + r.Channel,
	}
}

// hidden are variables of the tool's environment a hook does not get: it
// has no use for the customer's password, and its output may be logged.
var hidden = []string{"UPDATE_PASSWORD"}

// environ is base without the hidden variables, and then extra.
func environ(base, extra []string) []string {
	var env []string
	for _, kv := range base {
		k, _, _ := strings.Cut(kv, "=")
		keep := true
		for _, h := range hidden {
			if strings.EqualFold(k, h) {
				keep = false
			}
		}
		if keep {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
}

// waitDelay is how long Run waits, after a hook exits, for programs it
// started in the background to let go of its output (the product's
// server, say); then it goes on without their output. Tests shorten it.
var waitDelay = 5 * time.Second

// Run runs the hook in run.Home with run's environment (Run.Env), its
// standard input empty and its output, standard and error, copied to out
// line by line after prefix. A hook that runs longer than timeout (0: no
// limit) is killed, with every process it started that is still in its
// process group (its job tree on Windows). Run returns nil when the hook
// exits 0, otherwise an *Error, or the context's error when ctx ended.
func (h *Hook) Run(ctx context.Context, run Run, timeout time.Duration, out io.Writer, prefix string) error {
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, timeout, errTimeout)
		defer cancel()
	}
	w := &prefixWriter{w: out, prefix: prefix}
	defer w.flush()
	c := exec.CommandContext(ctx, h.argv[0], h.argv[1:]...)
	c.Dir = run.Home
	c.Env = environ(c.Environ(), run.Env()) // c.Environ has PWD set to Dir
	c.Stdout, c.Stderr = w, w
	c.WaitDelay = waitDelay
	commandLine(c, h.argv)
	started, done := killTree(c)
	err := c.Start()
	if err == nil {
		started()
		err = c.Wait()
	}
	done()
	w.flush()
	var ee *exec.ExitError
	switch {
	case err == nil, errors.Is(err, exec.ErrWaitDelay):
		return nil
	case errors.Is(context.Cause(ctx), errTimeout):
		return &Error{Hook: h.Name, Path: h.Path, Code: -1, TimedOut: true, Timeout: timeout}
	case ctx.Err() != nil:
		return fmt.Errorf("%s hook %s: stopped: %w", h.Name, h.Path, ctx.Err())
	case errors.As(err, &ee):
		return &Error{Hook: h.Name, Path: h.Path, Code: ee.ExitCode(), Status: ee.String()}
	}
	return &Error{Hook: h.Name, Path: h.Path, Code: -1, Err: err}
}

// errTimeout ends a hook's context when its time is up (and not the
// caller's).
var errTimeout = errors.New("the hook's time is up")

// Error is a hook that failed: it exited non-zero, was killed, timed out
// or could not be started.
type Error struct {
	Hook     string        // PreUpdate or PostUpdate
	Path     string        // the hook's file
	Code     int           // its exit code; -1 when it did not exit by itself
	Status   string        // how it ended, e.g. "exit status 3" or "signal: killed"
	TimedOut bool          // killed after Timeout
	Timeout  time.Duration // the time limit, when TimedOut
	Err      error         // why it could not be started, if so
}

func (e *Error) Error() string {
	switch {
	case e.TimedOut:
		return fmt.Sprintf("%s hook %s did not finish within %v and was killed", e.Hook, e.Path, e.Timeout)
	case e.Err != nil:
		return fmt.Sprintf("%s hook %s could not be run: %v", e.Hook, e.Path, e.Err)
	}
	return fmt.Sprintf("%s hook %s failed (%s)", e.Hook, e.Path, e.Status)
}

func (e *Error) Unwrap() error { return e.Err }

// prefixWriter writes each line written to it to w after prefix. It is
// used as both the standard output and the standard error of one hook, so
// that os/exec writes to it from one goroutine only.
type prefixWriter struct {
	w      io.Writer
	prefix string
	buf    []byte
}

// maxLine is the longest line kept whole; a longer one is cut.
const maxLine = 8 << 10

func (p *prefixWriter) Write(b []byte) (int, error) {
	p.buf = append(p.buf, b...)
	for {
		i := bytes.IndexByte(p.buf, '\n')
		if i < 0 && len(p.buf) < maxLine {
			break
		}
		n := i + 1
		if i < 0 {
			n = maxLine
		}
		p.line(p.buf[:n])
		p.buf = p.buf[n:]
	}
	if len(p.buf) == 0 {
		p.buf = nil
	}
	return len(b), nil
}

// line writes one line; an error is dropped, as the hook's output is
// only shown.
func (p *prefixWriter) line(l []byte) {
	s := strings.TrimRight(string(l), "\r\n")
	fmt.Fprintf(p.w, "%s%s\n", p.prefix, s)
}

// flush writes what is left of a last line without its newline.
func (p *prefixWriter) flush() {
	if len(p.buf) > 0 {
		p.line(p.buf)
		p.buf = nil
	}
}
