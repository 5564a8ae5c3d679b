package main

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"inplace/internal/sample"
	"inplace/internal/testenv"
)

// The end-to-end scripts in testdata/script drive the real binaries: the
// tool built as release 1.0.0 (and 1.1.0, for self-update) and
// update-server, started on a loopback port by the script's `serve`.

var binDir string // holds update, update-1.1.0 and update-server

// bin is the path of a binary in binDir.
func bin(name string) string { return filepath.Join(binDir, name+exe()) }

// exe is the suffix of programs' file names on this OS.
func exe() string {
	if runtime.GOOS == "windows" {
		return ".exe"
	}
	return ""
}

func TestMain(m *testing.M) {
	os.Exit(buildAndRun(m))
}

// buildAndRun builds the binaries, unless INPLACE_E2E_BIN names a folder
// that has them (for machines without Go: scripts/wine-test.sh).
func buildAndRun(m *testing.M) int {
	if dir := os.Getenv("INPLACE_E2E_BIN"); dir != "" {
		binDir = dir
		return m.Run()
	}
	dir, err := os.MkdirTemp("", "inplace-e2e-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	binDir = dir
	builds := [][]string{
		{"-o", bin("update"), "-ldflags", "-X main.version=1.0.0", "inplace/cmd/update"},
		{"-o", bin("update-1.1.0"), "-ldflags", "-X main.version=1.1.0", "inplace/cmd/update"},
		{"-o", bin("update-server"), "inplace/cmd/update-server"},
	}
	for _, b := range builds {
		cmd := exec.Command("go", append([]string{"build"}, b...)...)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "build %v: %v\n%s", b, err, out)
			return 1
		}
	}
	return m.Run()
}

func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		Setup: func(e *testscript.Env) error {
			e.Setenv("PATH", binDir+string(os.PathListSeparator)+os.Getenv("PATH"))
			e.Setenv("BIN", binDir)
			e.Setenv("EXE", exe())
			e.Setenv("TOOL", toolName())
			e.Setenv("GOOS", runtime.GOOS)
			e.Setenv("GOARCH", runtime.GOARCH)
			e.Values[serverKey{}] = &serverProc{}
			// The scripts run without a terminal unless they ask for one.
			for _, k := range []string{"UPDATE_SERVER", "UPDATE_USERNAME", "UPDATE_PASSWORD", "UPDATE_CHANNEL",
				"UPDATE_CA_FILE", "UPDATE_ALLOW_HTTP", "UPDATE_REPORT", "http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "no_proxy", "NO_PROXY"} {
				e.Setenv(k, "")
			}
			return nil
		},
		Condition: func(cond string) (bool, error) {
			if cond == "symlinks" {
				return testenv.HasSymlinks(), nil
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"serve":     cmdServe,
			"sample":    cmdSample,
			"install":   cmdInstall,
			"customise": cmdCustomise,
			"status":    cmdStatus,
			"treehash":  cmdTreehash,
			"fileid":    cmdFileID,
			"livepid":   cmdLivePid,
			"glob":      cmdGlob,
			"envfile":   cmdEnvFile,
		},
	})
}

// toolName is the tool's name in PRODUCT_HOME/bin on this OS.
func toolName() string {
	name := "update_" + runtime.GOOS
	if runtime.GOARCH != "amd64" {
		name += "_" + runtime.GOARCH
	}
	return name + exe()
}

// serve [-tls] [SERVER FLAGS]: initialise a data folder in $WORK/data and
// start update-server on a loopback port; sets SERVER. With -tls it serves
// HTTPS with a certificate for 127.0.0.1 and localhost from a certificate
// authority of its own, made in $WORK/tls, and sets CA to that authority's
// certificate (PEM). `serve stop` stops it.
func cmdServe(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! serve")
	}
	if len(args) == 1 && args[0] == "stop" {
		ts.Value(serverKey{}).(*serverProc).stop()
		return
	}
	scheme := "http://"
	if len(args) > 0 && args[0] == "-tls" {
		ca, cert, key, err := makeTLS(ts.MkAbs("tls"))
		ts.Check(err)
		ts.Setenv("CA", ca)
		args = append([]string{"--tls-cert", cert, "--tls-key", key}, args[1:]...)
		scheme = "https://"
	}
	data := ts.MkAbs("data")
	if _, err := os.Stat(data); errors.Is(err, fs.ErrNotExist) {
		out, err := exec.Command(bin("update-server"), "init", "--data", data).CombinedOutput()
		if err != nil {
			ts.Fatalf("update-server init: %v\n%s", err, out)
		}
	}
	addrFile := ts.MkAbs("server.addr")
	os.Remove(addrFile)
	sargs := []string{"serve", "--data", data, "--addr", "127.0.0.1:0", "--addr-file", addrFile}
	sargs = append(sargs, args...)
	cmd := exec.Command(bin("update-server"), sargs...)
	logf, err := os.Create(ts.MkAbs("server.log"))
	ts.Check(err)
	cmd.Stdout, cmd.Stderr = logf, logf
	ts.Check(cmd.Start())
	p := ts.Value(serverKey{}).(*serverProc)
	*p = serverProc{cmd: cmd, done: make(chan struct{})}
	go func() { cmd.Wait(); logf.Close(); close(p.done) }()
	ts.Defer(p.stop)
	deadline := time.Now().Add(20 * time.Second)
	for {
		b, err := os.ReadFile(addrFile)
		if err == nil && len(strings.TrimSpace(string(b))) > 0 {
			ts.Setenv("SERVER", scheme+strings.TrimSpace(string(b)))
			ts.Setenv("SERVER_ADDR", strings.TrimSpace(string(b)))
			return
		}
		select {
		case <-p.done:
			log, _ := os.ReadFile(ts.MkAbs("server.log"))
			ts.Fatalf("update-server exited before listening:\n%s", log)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			ts.Fatalf("update-server did not write %s in time", addrFile)
		}
	}
}

// makeTLS makes, in dir, a certificate authority (ca.pem) and a server
// certificate it signed for 127.0.0.1, ::1, localhost and the extra
// addresses (server.pem, server-key.pem).
func makeTLS(dir string, extra ...net.IP) (ca, cert, key string, err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", "", "", err
	}
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", "", "", err
	}
	now := time.Now()
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "inplace test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return "", "", "", err
	}
	srvKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", "", "", err
	}
	srvTmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "update-server"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		DNSNames: []string{"localhost"}, IPAddresses: append([]net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}, extra...),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		return "", "", "", err
	}
	srvDER, err := x509.CreateCertificate(rand.Reader, srvTmpl, caCert, &srvKey.PublicKey, caKey)
	if err != nil {
		return "", "", "", err
	}
	keyDER, err := x509.MarshalECPrivateKey(srvKey)
	if err != nil {
		return "", "", "", err
	}
	ca, cert, key = filepath.Join(dir, "ca.pem"), filepath.Join(dir, "server.pem"), filepath.Join(dir, "server-key.pem")
	for file, block := range map[string]*pem.Block{
		ca:   {Type: "CERTIFICATE", Bytes: caDER},
		cert: {Type: "CERTIFICATE", Bytes: srvDER},
		key:  {Type: "EC PRIVATE KEY", Bytes: keyDER},
	} {
		if err := os.WriteFile(file, pem.EncodeToMemory(block), 0o600); err != nil {
			return "", "", "", err
		}
	}
	return ca, cert, key, nil
}

type serverKey struct{}

type serverProc struct {
	cmd  *exec.Cmd
	done chan struct{}
}

func (p *serverProc) stop() {
	if p.cmd == nil {
		return
	}
	select {
	case <-p.done:
		return
	default:
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
	}
}

// sample DIR: generate the sample product and its updates into DIR; sets
// PRODUCT, BASE, UPDATE1, UPDATE2 and DIST2.
func cmdSample(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: sample DIR")
	}
	l, err := sample.Generate(ts.MkAbs(args[0]), sample.Options{})
	ts.Check(err)
	ts.Setenv("PRODUCT", l.Product)
	ts.Setenv("BASE", l.Base)
	ts.Setenv("UPDATE1", l.Updates[0])
	ts.Setenv("UPDATE2", l.Updates[1])
	ts.Setenv("DIST2", l.Newer)
	ts.Setenv("JAR", sample.CustomisedJar)
	ts.Setenv("TOML", sample.DeploymentToml)
}

// install SRC HOME [TOOL]: copy a distribution into a new PRODUCT_HOME, put
// the tool (default: release 1.0.0) into HOME/bin and, once `serve` made
// the data folder, its root of trust into HOME/updates/root.json, as a
// vendor ships them.
func cmdInstall(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 2 || len(args) > 3 {
		ts.Fatalf("usage: install SRC HOME [TOOL]")
	}
	src, dst := ts.MkAbs(args[0]), ts.MkAbs(args[1])
	ts.Check(testenv.CopyTree(src, dst))
	tool := bin("update")
	if len(args) == 3 {
		tool = bin(args[2])
	}
	b, err := os.ReadFile(tool)
	ts.Check(err)
	ts.Check(os.MkdirAll(filepath.Join(dst, "bin"), 0o755))
	ts.Check(os.WriteFile(filepath.Join(dst, "bin", toolName()), b, 0o755))
	if root, err := os.ReadFile(ts.MkAbs("data/root.json")); err == nil {
		ts.Check(os.MkdirAll(filepath.Join(dst, "updates"), 0o755))
		ts.Check(os.WriteFile(filepath.Join(dst, "updates", "root.json"), root, 0o644))
	}
}

// customise [-conflicting] HOME: make the sample customer's changes.
func cmdCustomise(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) == 2 && args[0] == "-conflicting" {
		ts.Check(sample.CustomiseConflicting(ts.MkAbs(args[1])))
		return
	}
	if len(args) != 1 {
		ts.Fatalf("usage: customise [-conflicting] HOME")
	}
	ts.Check(sample.Customise(ts.MkAbs(args[0])))
}

// status N PROG ARGS...: run PROG and require exit code N exactly; its
// output is then checked with stdout and stderr as after exec.
func cmdStatus(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: status N PROG ARGS...")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	// A tool just copied into a home can be "busy" for an instant: a
	// parallel script's fork holds the copy's write descriptor until its
	// exec. The program did not start, so trying again is safe.
	for attempt := 0; ; attempt++ {
		err = ts.Exec(args[1], args[2:]...)
		if !errors.Is(err, syscall.ETXTBSY) || attempt == 50 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	got := 0
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		got = ee.ExitCode()
	case err != nil:
		ts.Fatalf("run %s: %v", args[1], err)
	}
	if got != want {
		ts.Fatalf("%s exited %d, want %d", args[1], got, want)
	}
}

// treehash DIR: print one line per file and symbolic link of a product
// home (path, mode, SHA-256 or link target), leaving out the tool's own
// files (updates/ and bin/update_*), then a line with the hash of it all.
func cmdTreehash(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: treehash DIR")
	}
	lines, err := treeLines(ts.MkAbs(args[0]))
	ts.Check(err)
	all := strings.Join(lines, "\n") + "\n"
	sum := sha256.Sum256([]byte(all))
	fmt.Fprintf(ts.Stdout(), "%stree %s\n", all, hex.EncodeToString(sum[:]))
}

func treeLines(root string) ([]string, error) {
	var lines []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		if rel == "updates" {
			return filepath.SkipDir
		}
		if strings.HasPrefix(rel, "bin/update_") {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
		case info.Mode()&fs.ModeSymlink != 0:
			l, err := os.Readlink(p)
			if err != nil {
				return err
			}
			lines = append(lines, fmt.Sprintf("%s link %s", rel, l))
		default:
			f, err := os.Open(p)
			if err != nil {
				return err
			}
			h := sha256.New()
			_, err = io.Copy(h, bufio.NewReader(f))
			f.Close()
			if err != nil {
				return err
			}
			lines = append(lines, fmt.Sprintf("%s %v %x", rel, info.Mode().Perm(), h.Sum(nil)))
		}
		return nil
	})
	sort.Strings(lines)
	return lines, err
}

// fileid FILE...: print the inode and modification time of each file, to
// show later that an update did not rewrite it.
func cmdFileID(ts *testscript.TestScript, neg bool, args []string) {
	for _, a := range args {
		fi, err := os.Lstat(ts.MkAbs(a))
		ts.Check(err)
		fmt.Fprintf(ts.Stdout(), "%s ino=%d mtime=%d\n", a, inode(fi), fi.ModTime().UnixNano())
	}
}

// glob [-rm] PATTERN: print the paths matching PATTERN (slash-separated,
// relative to $WORK), one per line, and with -rm remove them. It fails
// when nothing matches; `! glob` asserts that nothing does.
func cmdGlob(ts *testscript.TestScript, neg bool, args []string) {
	rm := len(args) == 2 && args[0] == "-rm"
	if rm {
		args = args[1:]
	}
	if len(args) != 1 {
		ts.Fatalf("usage: glob [-rm] PATTERN")
	}
	matches, err := filepath.Glob(ts.MkAbs(args[0]))
	ts.Check(err)
	for _, m := range matches {
		rel, err := filepath.Rel(ts.Getenv("WORK"), m)
		ts.Check(err)
		fmt.Fprintln(ts.Stdout(), filepath.ToSlash(rel))
		if rm && !neg {
			ts.Check(os.RemoveAll(m))
		}
	}
	if neg && len(matches) > 0 {
		ts.Fatalf("%s matches %d path(s)", args[0], len(matches))
	}
	if !neg && len(matches) == 0 {
		ts.Fatalf("%s matches nothing", args[0])
	}
}

// livepid FILE: write the pid of a live process (this test) into FILE.
func cmdLivePid(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: livepid FILE")
	}
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644))
}

// envfile VAR FILE: set VAR to the first line of FILE.
func cmdEnvFile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: envfile VAR FILE")
	}
	line, _, _ := strings.Cut(ts.ReadFile(args[1]), "\n")
	ts.Setenv(args[0], strings.TrimSpace(line))
}
