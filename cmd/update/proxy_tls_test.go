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
)

// TestHTTPSThroughAProxy is TestThroughAnAuthenticatingProxy over HTTPS:
// the server, in its own network namespace, serves a certificate from a
// private authority; the tool, in another, reaches it only through
// tinyproxy on the host, in a CONNECT tunnel (https_proxy). Without
// --ca-file the tool refuses the certificate and changes nothing; with it
// the update goes through the tunnel.
func TestHTTPSThroughAProxy(t *testing.T) {
	tinyproxy := needNetworkTools(t)
	id := fmt.Sprint(os.Getpid() % 100000)
	srvNS, cliNS := "inplace-ts"+id, "inplace-tc"+id
	const (
		hostSrv, srvIP = "10.213.3.1", "10.213.3.2"
		hostCli, cliIP = "10.213.4.1", "10.213.4.2"
	)
	netns(t, srvNS, "vts"+id, hostSrv, srvIP)
	netns(t, cliNS, "vtc"+id, hostCli, cliIP)

	dir := t.TempDir()
	ca, cert, key, err := makeTLS(filepath.Join(dir, "tls"), net.ParseIP(srvIP))
	if err != nil {
		t.Fatal(err)
	}
	srv := &testServer{data: filepath.Join(dir, "data")}
	srv.admin(t, "", "init")
	l := srv.publishSample(t)
	srv.addUser(t, "alice", "s3cret-pass", l.Product, "full")
	startBackground(t, filepath.Join(dir, "server.log"), "ip", "netns", "exec", srvNS,
		bin("update-server"), "serve", "--data", srv.data, "--addr", srvIP+":8443", "--tls-cert", cert, "--tls-key", key)
	waitListening(t, srvIP+":8443")

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
	tool := func(args ...string) (string, int) {
		cmd := exec.Command("ip", append([]string{"netns", "exec", cliNS, filepath.Join(h, "bin", toolName()), "--non-interactive", "-c", "full"}, args...)...)
		cmd.Env = append(cleanEnv(), "UPDATE_SERVER=https://"+srvIP+":8443", "UPDATE_USERNAME=alice", "UPDATE_PASSWORD=s3cret-pass",
			"https_proxy=http://proxyuser:proxy-pass@"+hostCli+":8888")
		out, _ := cmd.CombinedOutput()
		return string(out), cmd.ProcessState.ExitCode()
	}

	out, code := tool()
	if code != 1 || !strings.Contains(out, "not trusted") || !strings.Contains(out, "--ca-file") {
		t.Fatalf("without --ca-file: exit %d\n%s", code, out)
	}
	if got := treeString(t, h); got != before {
		t.Fatal("a refused run changed the product")
	}
	out, code = tool("--ca-file", ca)
	if code != 0 || !strings.Contains(out, "updated acme-gateway-4.2.0") {
		log, _ := os.ReadFile(filepath.Join(dir, "proxy.log"))
		t.Fatalf("with --ca-file through the proxy: exit %d\n%s\nproxy log:\n%s", code, out, log)
	}
	if got, want := treeString(t, h), treeString(t, l.Newer); got != want {
		t.Error("after the update through the proxy the product differs from the newest distribution")
	}
	if log, _ := os.ReadFile(filepath.Join(dir, "proxy.log")); !strings.Contains(string(log), "CONNECT") || !strings.Contains(string(log), srvIP) {
		t.Errorf("the proxy's log does not show CONNECT tunnels to the server:\n%s", log)
	}
}
