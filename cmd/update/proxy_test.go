//go:build linux

package main

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestThroughAnAuthenticatingProxy puts the update server in one network
// namespace and the tool in another, with no route between them: only a
// real tinyproxy on the host, which asks for basic authentication, reaches
// both. With http_proxy=http://user:password@proxy the update succeeds;
// without the proxy or with wrong credentials it fails cleanly.
func TestThroughAnAuthenticatingProxy(t *testing.T) {
	tinyproxy := needNetworkTools(t)
	id := fmt.Sprint(os.Getpid() % 100000)
	srvNS, cliNS := "inplace-s"+id, "inplace-c"+id
	// The namespaces are this test's own hosts; the addresses exist only
	// inside them and on the veth ends of this machine.
	const (
		hostSrv, srvIP = "10.213.1.1", "10.213.1.2"
		hostCli, cliIP = "10.213.2.1", "10.213.2.2"
	)
	netns(t, srvNS, "vs"+id, hostSrv, srvIP)
	netns(t, cliNS, "vc"+id, hostCli, cliIP)

	// The server, inside its namespace.
	dir := t.TempDir()
	srv := &testServer{data: filepath.Join(dir, "data")}
	srv.admin(t, "", "init")
	l := srv.publishSample(t)
	srv.addUser(t, "alice", "s3cret-pass", l.Product, "full")
	serverURL := "http://" + srvIP + ":8080"
	startBackground(t, filepath.Join(dir, "server.log"), "ip", "netns", "exec", srvNS,
		bin("update-server"), "serve", "--data", srv.data, "--addr", srvIP+":8080")
	waitListening(t, srvIP+":8080")

	// The proxy, on the host, for the tool's namespace, with basic auth.
	conf := filepath.Join(dir, "tinyproxy.conf")
	os.WriteFile(conf, []byte(strings.Join([]string{
		"Port 8888", "Listen " + hostCli, "Timeout 30", "MaxClients 20",
		"Allow " + cliIP, "BasicAuth proxyuser proxy-pass", "LogLevel Info",
		"PidFile \"" + filepath.Join(dir, "tinyproxy.pid") + "\"",
	}, "\n")+"\n"), 0o644)
	startBackground(t, filepath.Join(dir, "proxy.log"), tinyproxy, "-d", "-c", conf)
	waitListening(t, hostCli+":8888")

	h := srv.installHome(t, l.Base)
	before := treeString(t, h)
	tool := func(proxy string) (string, int) {
		cmd := exec.Command("ip", "netns", "exec", cliNS, filepath.Join(h, "bin", toolName()), "--non-interactive", "-c", "full")
		// Plain http:// beyond this machine needs --allow-http; the test's
		// network namespaces are private.
		cmd.Env = append(cleanEnv(), "UPDATE_SERVER="+serverURL, "UPDATE_USERNAME=alice", "UPDATE_PASSWORD=s3cret-pass", "UPDATE_ALLOW_HTTP=1")
		if proxy != "" {
			cmd.Env = append(cmd.Env, "http_proxy="+proxy)
		}
		out, _ := cmd.CombinedOutput()
		return string(out), cmd.ProcessState.ExitCode()
	}

	// Without the proxy the server cannot be reached: the test's network
	// really forces the tool through the proxy.
	if out, code := tool(""); code != 1 || !strings.Contains(out, "cannot reach the update server") {
		t.Fatalf("without a proxy: exit %d\n%s", code, out)
	}
	// Wrong proxy credentials: exit 1, a message about the proxy, nothing changed.
	out, code := tool("http://proxyuser:wrong@" + hostCli + ":8888")
	if code != 1 || !strings.Contains(out, "proxy") {
		t.Fatalf("wrong proxy credentials: exit %d\n%s", code, out)
	}
	if got := treeString(t, h); got != before {
		t.Fatal("a failed run changed the product")
	}
	// The right ones: the update goes through.
	out, code = tool("http://proxyuser:proxy-pass@" + hostCli + ":8888")
	if code != 0 || !strings.Contains(out, "updated acme-gateway-4.2.0") {
		log, _ := os.ReadFile(filepath.Join(dir, "proxy.log"))
		t.Fatalf("through the proxy: exit %d\n%s\nproxy log:\n%s", code, out, log)
	}
	if got, want := treeString(t, h), treeString(t, l.Newer); got != want {
		t.Error("after the update through the proxy the product differs from the newest distribution")
	}
	if log, _ := os.ReadFile(filepath.Join(dir, "proxy.log")); !strings.Contains(string(log), srvIP) {
		t.Errorf("the proxy's log does not show requests to the server:\n%s", log)
	}
}

// needNetworkTools skips unless the test can make network namespaces and
// run tinyproxy; in CI, where scripts/test-deps.sh installs them, it fails.
func needNetworkTools(t *testing.T) string {
	t.Helper()
	skip := t.Skipf
	if os.Getenv("CI") == "true" {
		skip = t.Fatalf
	}
	if os.Geteuid() != 0 {
		skip("needs root to make network namespaces (run as root, as CI does)")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		skip("needs ip from iproute2: run scripts/test-deps.sh")
	}
	p, err := exec.LookPath("tinyproxy")
	if err != nil {
		skip("needs tinyproxy: run scripts/test-deps.sh")
	}
	return p
}

// netns makes a network namespace joined to the host by a veth pair.
func netns(t *testing.T, ns, veth, hostIP, nsIP string) {
	t.Helper()
	run := func(args ...string) {
		t.Helper()
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			t.Fatalf("ip %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	exec.Command("ip", "netns", "del", ns).Run()
	exec.Command("ip", "link", "del", veth+"h").Run()
	run("netns", "add", ns)
	t.Cleanup(func() {
		exec.Command("ip", "netns", "del", ns).Run()
		exec.Command("ip", "link", "del", veth+"h").Run()
	})
	run("link", "add", veth+"h", "type", "veth", "peer", "name", veth+"n")
	run("link", "set", veth+"n", "netns", ns)
	run("addr", "add", hostIP+"/30", "dev", veth+"h")
	run("link", "set", veth+"h", "up")
	run("netns", "exec", ns, "ip", "addr", "add", nsIP+"/30", "dev", veth+"n")
	run("netns", "exec", ns, "ip", "link", "set", veth+"n", "up")
	run("netns", "exec", ns, "ip", "link", "set", "lo", "up")
}

// startBackground runs a command until the test ends, logging to a file.
func startBackground(t *testing.T, logName string, name string, args ...string) {
	t.Helper()
	log, err := os.Create(logName)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		log.Close()
	})
}

func waitListening(t *testing.T, addr string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("nothing listens on %s: %v", addr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// treeString is the treehash listing of a product home.
func treeString(t *testing.T, dir string) string {
	t.Helper()
	lines, err := treeLines(dir)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(lines, "\n")
}
