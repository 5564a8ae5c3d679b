package testenv

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// s3FolderPrefix names the folders of versitygw servers under
// os.TempDir(), one per test process: the posix backend's root (root/),
// the server's logs (log-N) and a lock (lock) held while the process runs.
const s3FolderPrefix = "inplace-test-versitygw-"

// s3Server is the versitygw started for this test process.
type s3Server struct {
	addr           string // 127.0.0.1:port
	access, secret string
	root           string // posix backend: one folder per bucket
	client         *minio.Client
	lock           *os.File // held until the process ends
}

var startS3Once = sync.OnceValues(startS3)

// errNoVersitygw says the server is not installed.
var errNoVersitygw = errors.New("versitygw is not installed (run scripts/test-deps.sh)")

// S3 returns the URL, with credentials and tls=false, of a new empty bucket
// on a real S3 server: versitygw with its posix backend, started once for
// this test process on a loopback port and stopped by the kernel when the
// process ends. The bucket's files are removed when t ends.
//
// S3 skips t when versitygw is not installed, unless CI=true, and on systems
// other than Linux, where the server could outlive the tests.
func S3(t testing.TB) string {
	t.Helper()
	srv, err := startS3Once()
	switch {
	case errors.Is(err, errors.ErrUnsupported):
		t.Skip(err)
	case errors.Is(err, errNoVersitygw) && os.Getenv("CI") != "true":
		t.Skip(err)
	case err != nil:
		t.Fatal(err)
	}
	u, bucket, err := srv.newBucket("t-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(filepath.Join(srv.root, bucket)) })
	return u
}

// newBucket creates a bucket named prefix and random letters and returns
// its URL, with credentials and tls=false, and its name.
func (srv *s3Server) newBucket(prefix string) (string, string, error) {
	bucket := prefix + strings.ToLower(rand.Text())
	if err := srv.client.MakeBucket(context.Background(), bucket, minio.MakeBucketOptions{}); err != nil {
		return "", "", fmt.Errorf("create bucket %s on versitygw: %w", bucket, err)
	}
	u := url.URL{Scheme: "s3", User: url.UserPassword(srv.access, srv.secret), Host: srv.addr, Path: "/" + bucket, RawQuery: "tls=false"}
	return u.String(), bucket, nil
}

// findVersitygw returns the path of the versitygw binary: in PATH, else
// where go install puts it.
func findVersitygw() (string, error) {
	if p, err := exec.LookPath("versitygw"); err == nil {
		return p, nil
	}
	var dirs []string
	if out, err := exec.Command("go", "env", "GOBIN", "GOPATH").Output(); err == nil {
		gobin, gopath, _ := strings.Cut(strings.TrimSuffix(string(out), "\n"), "\n")
		if gobin != "" {
			dirs = append(dirs, gobin)
		}
		for _, p := range filepath.SplitList(gopath) {
			dirs = append(dirs, filepath.Join(p, "bin"))
		}
	}
	if home, err := os.UserHomeDir(); err == nil {
		dirs = append(dirs, filepath.Join(home, "go", "bin"))
	}
	for _, d := range dirs {
		p := filepath.Join(d, "versitygw")
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("%w: not in PATH nor in %s", errNoVersitygw, strings.Join(dirs, ", "))
}

// startS3 starts versitygw and waits up to 30 s until it answers. A port
// taken by another process between choosing and binding it costs a try.
func startS3() (*s3Server, error) {
	if !canTieToProcess {
		return nil, fmt.Errorf("versitygw is started only on Linux, where it dies with the tests: %w", errors.ErrUnsupported)
	}
	bin, err := findVersitygw()
	if err != nil {
		return nil, err
	}
	removeStaleFolders()
	dir, err := os.MkdirTemp("", s3FolderPrefix)
	if err != nil {
		return nil, err
	}
	srv := &s3Server{access: rand.Text(), secret: rand.Text(), root: filepath.Join(dir, "root")}
	if srv.lock, err = lockFolder(dir); err != nil {
		return nil, err
	}
	if err := os.Mkdir(srv.root, 0o700); err != nil {
		return nil, err
	}
	deadline := time.Now().Add(30 * time.Second)
	for try := 1; ; try++ {
		err = srv.start(bin, filepath.Join(dir, fmt.Sprintf("log-%d", try)), deadline)
		if err == nil || try == 3 || time.Now().After(deadline) {
			return srv, err
		}
	}
}

// start runs bin on a free port, logging to logName, and waits until it
// answers or deadline has passed.
func (srv *s3Server) start(bin, logName string, deadline time.Time) error {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv.addr = l.Addr().String()
	l.Close()

	logFile, err := os.Create(logName)
	if err != nil {
		return err
	}
	defer logFile.Close()
	cmd := exec.Command(bin, "--port", srv.addr, "--quiet", "posix", srv.root)
	// Keys in the environment rather than the arguments, where ps shows them.
	cmd.Env = append(os.Environ(), "ROOT_ACCESS_KEY_ID="+srv.access, "ROOT_SECRET_ACCESS_KEY="+srv.secret)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	exited, err := startTied(cmd)
	if err != nil {
		return fmt.Errorf("start versitygw: %w", err)
	}

	srv.client, err = minio.New(srv.addr, &minio.Options{
		Creds:        credentials.NewStaticV4(srv.access, srv.secret, ""),
		BucketLookup: minio.BucketLookupPath,
		MaxRetries:   1, // the loop below retries, watching the process
	})
	if err != nil {
		return err
	}
	failed := func(why string) error {
		log, _ := os.ReadFile(logName)
		if len(log) > 2000 {
			log = log[len(log)-2000:]
		}
		return fmt.Errorf("versitygw on %s %s; its log:\n%s", srv.addr, why, bytes.TrimSpace(log))
	}
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		_, err := srv.client.ListBuckets(ctx)
		cancel()
		if err == nil {
			return nil
		}
		select {
		case err := <-exited:
			return failed(fmt.Sprintf("exited (%v)", err))
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			return failed(fmt.Sprintf("did not answer in time (%v)", err))
		}
	}
}
