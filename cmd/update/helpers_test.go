package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"inplace/internal/sample"
	"inplace/internal/testenv"
)

// testServer is a real update-server process on a loopback port.
type testServer struct {
	url  string
	addr string
	data string
	cmd  *exec.Cmd
}

// stop stops the server for good: the machine has no server to reach.
func (s *testServer) stop(t *testing.T) {
	t.Helper()
	s.cmd.Process.Signal(os.Interrupt)
	s.cmd.Wait()
}

// startServer initialises a data folder and serves it until the test ends.
// extra arguments go to `serve`.
func startServer(t *testing.T, extra ...string) *testServer {
	t.Helper()
	dir := t.TempDir()
	s := &testServer{data: filepath.Join(dir, "data")}
	s.admin(t, "", "init")
	addrFile := filepath.Join(dir, "addr")
	args := append([]string{"serve", "--data", s.data, "--addr", "127.0.0.1:0", "--addr-file", addrFile}, extra...)
	cmd := exec.Command(bin("update-server"), args...)
	log, err := os.Create(filepath.Join(dir, "server.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s.cmd = cmd
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
		log.Close()
	})
	deadline := time.Now().Add(20 * time.Second)
	for {
		b, err := os.ReadFile(addrFile)
		if err == nil && len(b) > 0 {
			s.addr = strings.TrimSpace(string(b))
			s.url = "http://" + s.addr
			return s
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(filepath.Join(dir, "server.log"))
			t.Fatalf("update-server did not start:\n%s", b)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// admin runs an update-server admin command on the server's data folder.
func (s *testServer) admin(t *testing.T, stdin string, args ...string) {
	t.Helper()
	args = append(args, "--data", s.data)
	cmd := exec.Command(bin("update-server"), args...)
	cmd.Stdin = strings.NewReader(stdin)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("update-server %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// publishSample registers the sample product and publishes its two updates.
func (s *testServer) publishSample(t *testing.T) sample.Layout {
	t.Helper()
	l, err := sample.Generate(filepath.Join(t.TempDir(), "sample"), sample.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.admin(t, "", "product", "add", "--name", "acme-gateway", "--version", "4.2.0", l.Base)
	s.admin(t, "", "update", "publish", "--product", l.Product, "--timestamp", "1700000100000", l.Updates[0])
	s.admin(t, "", "update", "publish", "--product", l.Product, "--timestamp", "1700000200000", l.Updates[1])
	return l
}

func (s *testServer) addUser(t *testing.T, user, password, product, channel string) {
	t.Helper()
	s.admin(t, password+"\n", "user", "add", "--username", user, "--password-stdin", "--product", product, "--channel", channel)
}

// installHome copies a distribution into a new PRODUCT_HOME with the tool
// (release 1.0.0) in its bin folder and the server's root of trust in
// updates/root.json, as a vendor ships them.
func (s *testServer) installHome(t *testing.T, dist string) string {
	t.Helper()
	h := filepath.Join(t.TempDir(), "home")
	if err := testenv.CopyTree(dist, h); err != nil {
		t.Fatal(err)
	}
	s.trust(t, h)
	b, err := os.ReadFile(bin("update"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(h, "bin", toolName()), b, 0o755); err != nil {
		t.Fatal(err)
	}
	return h
}

// cleanEnv is the test's environment without the tool's variables and proxies.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch strings.ToUpper(k) {
		case "UPDATE_SERVER", "UPDATE_USERNAME", "UPDATE_PASSWORD", "UPDATE_CHANNEL", "UPDATE_CA_FILE", "UPDATE_ALLOW_HTTP", "UPDATE_REPORT",
			"HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY":
			continue
		}
		env = append(env, kv)
	}
	return env
}

// trust puts the server's root of trust into the home h, as a vendor ships
// it in the product.
func (s *testServer) trust(t *testing.T, h string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(s.data, "root.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(h, "updates"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(h, "updates", "root.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
}
