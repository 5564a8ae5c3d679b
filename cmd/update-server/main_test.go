package main

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"io/fs"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"inplace/internal/api"
)

func TestMain(m *testing.M) {
	bcryptCost = bcrypt.MinCost
	os.Exit(m.Run())
}

// result is what one run of the command printed and returned.
type result struct {
	code           int
	stdout, stderr string
}

// runCmd runs update-server in-process with args and stdin.
func runCmd(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(stdin), &stdout, &stderr)
	return result{code, stdout.String(), stderr.String()}
}

// ok runs update-server and fails the test unless it exits 0.
func ok(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	r := runCmd(t, stdin, args...)
	if r.code != 0 {
		t.Fatalf("update-server %s: exit %d\n%s%s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r.stdout
}

// fails runs update-server and checks it exits 1 with a message on stderr.
func fails(t *testing.T, want string, stdin string, args ...string) {
	t.Helper()
	r := runCmd(t, stdin, args...)
	if r.code != 1 {
		t.Fatalf("update-server %s: exit %d, want 1\n%s%s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	if !strings.HasPrefix(r.stderr, "update-server: ") || !strings.Contains(r.stderr, want) {
		t.Errorf("update-server %s: stderr %q, want a message saying %q", strings.Join(args, " "), r.stderr, want)
	}
}

func writeFiles(t *testing.T, root string, files map[string]string) string {
	t.Helper()
	for p, content := range files {
		file := filepath.Join(root, filepath.FromSlash(p))
		os.MkdirAll(filepath.Dir(file), 0o755)
		if err := os.WriteFile(file, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func writeZip(t *testing.T, file, top string, files map[string]string) string {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for p, content := range files {
		w, err := zw.Create(top + p)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, content)
	}
	zw.Close()
	if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

func countBlobs(t *testing.T, data string) int {
	n := 0
	filepath.WalkDir(filepath.Join(data, "blobs"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			n++
		}
		return nil
	})
	return n
}

// waitAddr waits for serve to write its address file.
func waitAddr(t *testing.T, file string, done <-chan struct{}) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(file); err == nil && len(b) > 0 {
			return string(b)
		}
		select {
		case <-done:
			t.Fatal("serve exited before listening")
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatal("serve did not write its address")
	return ""
}

func TestEndToEnd(t *testing.T) {
	tmp := t.TempDir()
	data := filepath.Join(tmp, "data")
	d := "--data=" + data

	fails(t, "is not initialized: run update-server init", "", "product", "list", d)
	out := ok(t, "", "init", d)
	if !strings.Contains(out, "initialized data folder") {
		t.Errorf("init printed %q", out)
	}
	for _, p := range []string{"inplace.db", "blobs"} {
		if _, err := os.Stat(filepath.Join(data, p)); err != nil {
			t.Errorf("init did not create %s: %v", p, err)
		}
	}
	if out := ok(t, "", "init", d); !strings.Contains(out, "already initialized") {
		t.Errorf("second init printed %q", out)
	}

	base := writeZip(t, filepath.Join(tmp, "wso2am-4.2.0.zip"), "wso2am-4.2.0/", map[string]string{
		"bin/server.sh":                   "#!/bin/sh",
		"repository/conf/deployment.toml": "[server]\n",
		"repository/conf/old.xml":         "<old/>",
		"updates/product.txt":             "wso2am-4.2.0",
	})
	out = ok(t, "", "product", "add", d, "--name", "wso2am", "--version", "4.2.0", base)
	if out != "added product wso2am-4.2.0 with 3 files\n" {
		t.Errorf("product add printed %q", out)
	}
	fails(t, "product wso2am-4.2.0 already exists", "", "product", "add", d, "--name", "wso2am", "--version", "4.2.0", base)

	upd := writeFiles(t, filepath.Join(tmp, "update-1"), map[string]string{
		"update.yaml":                "description: \"Fixes the login page redirect\"\nbug_fixes:\n  APIM-1: x\nremoved_files: [repository/conf/old.xml]\n",
		"files/lib/fix.jar":          "fixed jar",
		"files/repository/conf/a.sh": "a",
	})
	out = ok(t, "", "update", "publish", d, "--product", "wso2am-4.2.0", "--timestamp", "1000", upd)
	if !strings.HasPrefix(out, "published update 1 of wso2am-4.2.0: timestamp 1000, channel full, 2 files added or changed, 1 removed\n"+
		"prepared the downloads of 2 file(s)") {
		t.Errorf("update publish printed %q", out)
	}
	blobs := countBlobs(t, data)
	fails(t, "not after the newest update of wso2am-4.2.0 (update 1, timestamp 1000)", "",
		"update", "publish", d, "--product", "wso2am-4.2.0", "--timestamp", "1000", upd)
	fails(t, "product nope-1 is not known", "", "update", "publish", d, "--product", "nope-1", upd)
	fails(t, "go with --distribution", "", "update", "publish", d, "--product", "wso2am-4.2.0", "--description", "x", upd)

	dist := writeFiles(t, filepath.Join(tmp, "wso2am-4.2.1"), map[string]string{
		"bin/server.sh":                   "#!/bin/sh",
		"repository/conf/deployment.toml": "[server]\nnew = true\n",
		"lib/fix.jar":                     "fixed jar",
		"repository/conf/a.sh":            "a",
		"lib/sec.jar":                     "security fix",
	})
	out = ok(t, "", "update", "publish", d, "--product", "wso2am-4.2.0", "--distribution", "--security",
		"--timestamp", "2000", "--description", "4.2.1", "--bug-fix", "SEC-1=a hole", "--bug-fix", "SEC-2=another=hole", dist)
	if !strings.HasPrefix(out, "published update 2 of wso2am-4.2.0: timestamp 2000, channel security, 2 files added or changed, 0 removed\n"+
		"prepared the downloads of 2 file(s)") {
		t.Errorf("distribution publish printed %q", out)
	}
	// Two new contents and the update's signed descriptor.
	if got := countBlobs(t, data); got != blobs+3 {
		t.Errorf("%d blobs after the distribution update, want %d", got, blobs+3)
	}
	out = ok(t, "", "update", "list", d, "--product", "wso2am-4.2.0")
	for _, want := range []string{"NUMBER", "1       1000       full", "2       2000       security  2      4.2.1"} {
		if !strings.Contains(out, want) {
			t.Errorf("update list lacks %q:\n%s", want, out)
		}
	}
	out = ok(t, "", "product", "list", d)
	if !strings.Contains(out, "wso2am-4.2.0  3      2        2000") {
		t.Errorf("product list:\n%s", out)
	}

	ok(t, "alice-pw\n", "user", "add", d, "--username", "alice", "--password-stdin", "--product", "wso2am-4.2.0", "--channel", "full")
	ok(t, "bob-pw", "user", "add", d, "--username", "bob", "--password-stdin", "--product", "wso2am-4.2.0", "--channel", "security")
	fails(t, "user alice already exists", "x\n", "user", "add", d, "--username", "alice", "--password-stdin", "--product", "wso2am-4.2.0", "--channel", "full")
	fails(t, "password is empty", "\n", "user", "add", d, "--username", "carol", "--password-stdin", "--product", "wso2am-4.2.0", "--channel", "full")
	fails(t, `channel "beta"`, "pw\n", "user", "add", d, "--username", "carol", "--password-stdin", "--product", "wso2am-4.2.0", "--channel", "beta")
	fails(t, "--password-stdin is required", "pw\n", "user", "add", d, "--username", "carol", "--product", "wso2am-4.2.0", "--channel", "full")

	tool := writeFiles(t, filepath.Join(tmp, "tool"), map[string]string{"update_linux": "tool binary"})
	out = ok(t, "", "tool", "publish", d, "--version", "1.0.0", "--os", "linux", "--arch", "amd64", filepath.Join(tool, "update_linux"))
	if !strings.HasPrefix(out, "published update tool 1.0.0 for linux/amd64") {
		t.Errorf("tool publish printed %q", out)
	}

	fails(t, "--db mysql://u:xxxxx@x/db: want postgres://", "", "serve", d, "--db", "mysql://u:secret@x/db")
	fails(t, "--blobs ftp://x: want s3://", "", "serve", d, "--blobs", "ftp://x")
	fails(t, "no bucket", "", "serve", d, "--blobs", "s3://x")
	fails(t, "--log-format \"xml\": want text or json", "", "serve", d, "--log-format", "xml")
	fails(t, `unknown command "bogus"`, "", "bogus")

	// Serve, use the API, shut down.
	addrFile := filepath.Join(tmp, "addr")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stderr bytes.Buffer
	done := make(chan struct{})
	var code int
	go func() {
		defer close(done)
		code = run(ctx, []string{"serve", d, "--addr", "127.0.0.1:0", "--addr-file", addrFile, "--token-ttl", "1h"},
			strings.NewReader(""), io.Discard, &lockedWriter{w: &stderr})
	}()
	base0 := "http://" + waitAddr(t, addrFile, done)

	resp, err := http.Get(base0 + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("healthz: %v %v", resp, err)
	}
	resp.Body.Close()
	body, _ := json.Marshal(api.TokenRequest{Username: "bob", Password: "bob-pw", Product: "wso2am-4.2.0", Channel: "security"})
	resp, err = http.Post(base0+"/v1/token", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var tr api.TokenResponse
	json.NewDecoder(resp.Body).Decode(&tr)
	resp.Body.Close()
	if resp.StatusCode != 200 || tr.Token == "" {
		t.Fatalf("login: %d", resp.StatusCode)
	}
	get := func(path string) (*http.Response, []byte) {
		req, _ := http.NewRequest("GET", base0+path, nil)
		req.Header.Set("Authorization", "Bearer "+tr.Token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, b
	}
	resp, b := get("/v1/products/wso2am-4.2.0/updates")
	var list api.UpdateList
	json.Unmarshal(b, &list)
	if resp.StatusCode != 200 || len(list.Updates) != 1 || list.Updates[0].Number != 2 ||
		fmt.Sprint(list.Updates[0].BugFixes) != "[{SEC-1 a hole} {SEC-2 another=hole}]" {
		t.Errorf("updates: %d %s", resp.StatusCode, b)
	}
	for _, c := range list.Updates[0].Files {
		if c.Path == "lib/sec.jar" {
			resp, b := get("/v1/blobs/" + c.SHA256)
			if resp.StatusCode != 200 || string(b) != "security fix" {
				t.Errorf("blob: %d %q", resp.StatusCode, b)
			}
		}
	}
	resp, b = get("/v1/tools/latest?os=linux&arch=amd64")
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"version":"1.0.0"`) {
		t.Errorf("tools/latest: %d %s", resp.StatusCode, b)
	}

	cancel()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop")
	}
	if code != 0 {
		t.Errorf("serve exited %d:\n%s", code, stderr.String())
	}
	logs := stderr.String()
	if !strings.Contains(logs, "update-server: serving") || !strings.Contains(logs, "path=/v1/token") || !strings.Contains(logs, "status=200") {
		t.Errorf("serve stderr:\n%s", logs)
	}
	if strings.Contains(logs, tr.Token) || strings.Contains(logs, "bob-pw") {
		t.Error("serve logged a token or a password")
	}
}

// lockedWriter is safe for the server's goroutines and the test to share.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// TestServeSignal builds the binary, serves, and checks that SIGTERM makes a
// graceful exit 0.
func TestServeSignal(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	if runtime.GOOS == "windows" {
		t.Skip("a Windows program cannot be sent SIGTERM; serve stops there on Ctrl-C")
	}
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "update-server")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	data := filepath.Join(tmp, "data")
	if out, err := exec.Command(bin, "init", "--data", data).CombinedOutput(); err != nil {
		t.Fatalf("init: %v\n%s", err, out)
	}
	addrFile := filepath.Join(tmp, "addr")
	cmd := exec.Command(bin, "serve", "--data", data, "--addr", "127.0.0.1:0", "--addr-file", addrFile)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	var waitErr error
	go func() { waitErr = cmd.Wait(); close(done) }()
	addr := waitAddr(t, addrFile, done)
	resp, err := http.Get("http://" + addr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		t.Fatal("serve did not stop on SIGTERM")
	}
	if waitErr != nil {
		t.Errorf("serve after SIGTERM: %v\n%s", waitErr, stderr.String())
	}
	if !strings.Contains(stderr.String(), "shutting down") {
		t.Errorf("stderr:\n%s", stderr.String())
	}
}

// TestServeTLS serves HTTPS with a self-signed certificate.
func TestServeTLS(t *testing.T) {
	tmp := t.TempDir()
	data := filepath.Join(tmp, "data")
	ok(t, "", "init", "--data", data)

	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile := filepath.Join(tmp, "cert.pem"), filepath.Join(tmp, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600)

	fails(t, "--tls-cert and --tls-key go together", "", "serve", "--data", data, "--tls-cert", certFile)
	fails(t, "load --tls-cert and --tls-key", "", "serve", "--data", data, "--tls-cert", keyFile, "--tls-key", certFile)

	addrFile := filepath.Join(tmp, "addr")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		run(ctx, []string{"serve", "--data", data, "--addr", "127.0.0.1:0", "--addr-file", addrFile,
			"--tls-cert", certFile, "--tls-key", keyFile}, strings.NewReader(""), io.Discard, io.Discard)
	}()
	addr := waitAddr(t, addrFile, done)
	pool := x509.NewCertPool()
	cert, _ := x509.ParseCertificate(der)
	pool.AddCert(cert)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := client.Get("https://" + addr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("healthz over TLS: %d", resp.StatusCode)
	}
	cancel()
	<-done
}
