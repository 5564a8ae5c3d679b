//go:build linux

package testenv

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// serverDirPrefix names the directories of private servers under
// os.TempDir(), one per test process: the cluster (data/), its socket,
// its log (postgres.log) and the test process's pid (owner).
const serverDirPrefix = "inplace-test-postgres-"

// startPostgres starts a private PostgreSQL server for this test process
// and returns its admin URL. The server gets SIGTERM when the process
// exits, however it exits; its directory is removed by the next test
// process that starts one.
func startPostgres() (string, error) {
	bin, err := findPostgres()
	if err != nil {
		return "", err
	}
	removeStaleServers()
	dir, err := os.MkdirTemp("", serverDirPrefix)
	if err != nil {
		return "", err
	}
	admin, err := startServer(bin, dir)
	if err != nil {
		os.RemoveAll(dir)
		return "", err
	}
	return admin, nil
}

// findPostgres returns the directory holding initdb and postgres: the one
// of initdb in PATH, or else the newest /usr/lib/postgresql/*/bin (Debian
// and Ubuntu keep them there, out of PATH).
func findPostgres() (string, error) {
	has := func(dir string) bool {
		for _, prog := range []string{"initdb", "postgres"} {
			if fi, err := os.Stat(filepath.Join(dir, prog)); err != nil || fi.IsDir() {
				return false
			}
		}
		return true
	}
	if initdb, err := exec.LookPath("initdb"); err == nil && has(filepath.Dir(initdb)) {
		return filepath.Dir(initdb), nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	version := func(dir string) float64 {
		v, _ := strconv.ParseFloat(filepath.Base(filepath.Dir(dir)), 64) // "15", "9.6"
		return v
	}
	slices.SortFunc(dirs, func(a, b string) int { return int(version(b)*100) - int(version(a)*100) })
	for _, dir := range dirs {
		if has(dir) {
			return dir, nil
		}
	}
	return "", errNoPostgres
}

// startServer makes a cluster in dir/data and starts its server, retrying
// when another process took the free port meanwhile.
func startServer(bin, dir string) (string, error) {
	if err := os.WriteFile(filepath.Join(dir, "owner"), []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
		return "", err
	}
	cred, err := serverCredential(dir)
	if err != nil {
		return "", err
	}
	data := filepath.Join(dir, "data")
	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", data, "-A", "trust", "-U", "postgres",
		"--no-sync", "-E", "UTF8", "--locale=C")
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if out, err := initdb.CombinedOutput(); err != nil {
		return "", fmt.Errorf("initdb: %v\n%s", err, out)
	}
	for attempt := 1; ; attempt++ {
		admin, err := runServer(bin, dir, cred)
		if err == nil || attempt == 3 || !errors.Is(err, errExited) {
			return admin, err
		}
	}
}

// serverCredential returns whom to run initdb and postgres as: nil (this
// process's user) unless that is root, which postgres refuses; then the
// postgres user, or nobody, given dir.
func serverCredential(dir string) (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		if u, err = user.Lookup("nobody"); err != nil {
			return nil, fmt.Errorf("running as root, and no postgres or nobody user to run PostgreSQL as")
		}
	}
	uid, err := strconv.Atoi(u.Uid)
	if err != nil {
		return nil, err
	}
	gid, err := strconv.Atoi(u.Gid)
	if err != nil {
		return nil, err
	}
	if err := os.Chown(dir, uid, gid); err != nil {
		return nil, err
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// errExited: the server stopped before it answered.
var errExited = errors.New("postgres exited")

// runServer starts postgres on a free port and waits until it answers.
func runServer(bin, dir string, cred *syscall.Credential) (string, error) {
	port, err := freePort()
	if err != nil {
		return "", err
	}
	logFile := filepath.Join(dir, "postgres.log")
	log, err := os.Create(logFile)
	if err != nil {
		return "", err
	}
	defer log.Close()
	cmd := exec.Command(filepath.Join(bin, "postgres"), "-D", filepath.Join(dir, "data"), "-k", dir,
		"-p", strconv.Itoa(port), "-c", "listen_addresses=127.0.0.1",
		"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
		"-c", "max_connections=200")
	cmd.Stdout, cmd.Stderr = log, log
	// The kernel sends SIGTERM to the server when the thread that started
	// it ends, which must therefore be a thread that lives as long as the
	// process: the goroutine below keeps its thread locked, and to
	// itself, until the server exits.
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGTERM}
	started, exited := make(chan error, 1), make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		exited <- cmd.Wait()
	}()
	if err := <-started; err != nil {
		return "", fmt.Errorf("start postgres: %w", err)
	}

	admin := fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		conn, err := pgx.Connect(ctx, admin)
		if err == nil {
			conn.Close(ctx)
			cancel()
			return admin, nil
		}
		cancel()
		select {
		case werr := <-exited:
			out, _ := os.ReadFile(logFile)
			return "", fmt.Errorf("%w (%v):\n%s", errExited, werr, out)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			out, _ := os.ReadFile(logFile)
			return "", fmt.Errorf("postgres did not answer in 30s: %v\n%s", err, out)
		}
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// removeStaleServers removes the directories of private servers whose
// test process and server have both exited.
func removeStaleServers() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), serverDirPrefix+"*"))
	for _, dir := range dirs {
		// A directory without an owner is being made, or was given up
		// on within microseconds; either way, not ours to judge.
		owner, ok := pidIn(filepath.Join(dir, "owner"))
		if !ok || alive(owner) {
			continue
		}
		if server, ok := pidIn(filepath.Join(dir, "data", "postmaster.pid")); ok && alive(server) {
			continue // still shutting down
		}
		os.RemoveAll(dir)
	}
}

// pidIn reads the process id on the first line of file.
func pidIn(file string) (int, bool) {
	b, err := os.ReadFile(file)
	if err != nil {
		return 0, false
	}
	line, _, _ := strings.Cut(string(b), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(line))
	return pid, err == nil && pid > 0
}

func alive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
