package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"inplace/internal/testenv"
	"inplace/tools/loadtest/cluster"
)

// TestReplicaKilledDuringDownloads: installations update at once from two
// replicas behind nginx, sharing a real PostgreSQL and a real S3 store;
// one replica is killed (SIGKILL) while it is sending their downloads.
// The tools retry onto the other replica: every run succeeds, and every
// installation ends with the update's bytes.
func TestReplicaKilledDuringDownloads(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL, an S3 server, two replicas and nginx")
	}
	db, blobs := testenv.Postgres(t), testenv.S3(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	dir := t.TempDir()
	c, err := cluster.Start(ctx, cluster.Options{Server: bin("update-server"), Dir: dir, DB: db, Blobs: blobs,
		Serve: []string{"--log-level", "warn"}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()

	// Jars of random bytes, which no delta or compression shrinks, so
	// that the downloads take a while: files × size × installations.
	const files, size, installs = 16, 1 << 20, 8
	base, upd := filepath.Join(dir, "base"), filepath.Join(dir, "update")
	want := map[string][]byte{}
	for i := range files {
		name := fmt.Sprintf("lib/part%02d.jar", i)
		writeRandom(t, filepath.Join(base, name), size)
		want[name] = writeRandom(t, filepath.Join(upd, "files", name), size)
	}
	writeFile(t, filepath.Join(base, "bin/run.sh"), []byte("#!/bin/sh\n"))
	writeFile(t, filepath.Join(base, "updates/product.txt"), []byte("acme-1.0\n"))
	writeFile(t, filepath.Join(upd, "update.yaml"), []byte("description: new parts\n"))
	mustAdmin := func(stdin string, args ...string) {
		t.Helper()
		if _, err := c.Admin(ctx, stdin, args...); err != nil {
			t.Fatal(err)
		}
	}
	mustAdmin("", "product", "add", "--name", "acme", "--version", "1.0", base)
	mustAdmin("", "update", "publish", "--product", "acme-1.0", "--timestamp", "1000", upd)
	mustAdmin("pw\n", "user", "add", "--username", "alice", "--password-stdin", "--product", "acme-1.0", "--channel", "full")
	root, err := os.ReadFile(filepath.Join(c.Data, "root.json"))
	if err != nil {
		t.Fatal(err)
	}
	tool, err := os.ReadFile(bin("update"))
	if err != nil {
		t.Fatal(err)
	}
	homes := make([]string, installs)
	for i := range homes {
		homes[i] = filepath.Join(dir, fmt.Sprintf("home%d", i))
		if err := testenv.CopyTree(base, homes[i]); err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(homes[i], "updates", "root.json"), root)
		writeFile(t, filepath.Join(homes[i], "bin", toolName()), tool)
		os.Chmod(filepath.Join(homes[i], "bin", toolName()), 0o755)
	}

	// Kill replica 0 once it has sent some of the downloads, while the
	// tools are still at it.
	var finished atomic.Int32
	killed := make(chan int32, 1)
	go func() {
		defer close(killed)
		for ctx.Err() == nil && finished.Load() < installs {
			if blobBytes(c.Replicas[0].URL) >= 2*size {
				c.Replicas[0].Kill()
				killed <- finished.Load()
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
	var wg sync.WaitGroup
	outs := make([]string, installs)
	codes := make([]int, installs)
	for i, home := range homes {
		wg.Go(func() {
			cmd := exec.CommandContext(ctx, filepath.Join(home, "bin", toolName()), "--non-interactive", "-c", "full")
			cmd.Dir = home
			cmd.Env = append(os.Environ(), "UPDATE_SERVER="+c.URL, "UPDATE_USERNAME=alice", "UPDATE_PASSWORD=pw")
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			cmd.Run()
			codes[i], outs[i] = cmd.ProcessState.ExitCode(), out.String()
			finished.Add(1)
		})
	}
	wg.Wait()
	done, ok := <-killed
	if !ok {
		for i := range outs {
			t.Logf("install %d: exit %d\n%s", i, codes[i], outs[i])
		}
		t.Fatal("replica 0 never sent two jars' worth of downloads, so it was not killed")
	}
	if done == installs {
		t.Fatalf("replica 0 was killed after every tool had finished; the test proved nothing")
	}
	t.Logf("replica 0 killed with %d of %d tools finished", done, installs)
	// nginx saw the dead replica fail requests (refused connections, or
	// answers cut short) and the tools' requests went on elsewhere.
	dead := strings.TrimPrefix(c.Replicas[0].URL, "http://")
	if errs := c.ProxyErrors(); !strings.Contains(errs, dead) {
		t.Errorf("nginx's error log does not name the killed replica %s: no request met it dead\n%s", dead, errs)
	} else {
		t.Logf("nginx's error log:\n%s", errs)
	}
	for i, home := range homes {
		if codes[i] != 0 {
			t.Errorf("install %d: exit %d\n%s", i, codes[i], outs[i])
			continue
		}
		for name, b := range want {
			got, err := os.ReadFile(filepath.Join(home, name))
			if err != nil || !bytes.Equal(got, b) {
				t.Errorf("install %d: %s is not the update's (%v)", i, name, err)
			}
		}
	}
	if !ready(c.Replicas[1].URL) {
		t.Error("the surviving replica is not ready")
	}
}

// blobBytes returns how many bytes of blobs and packed blobs the server at
// url has sent, from its /metrics; 0 when it does not answer.
func blobBytes(url string) int64 {
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var n int64
	for _, line := range strings.Split(string(b), "\n") {
		if !strings.HasPrefix(line, `inplace_http_response_bytes_total{route="GET /v1/blobs/`) {
			continue
		}
		f := strings.Fields(line)
		v, _ := strconv.ParseFloat(f[len(f)-1], 64)
		n += int64(v)
	}
	return n
}

func ready(url string) bool {
	resp, err := http.Get(url + "/readyz")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == 200
}

func writeFile(t *testing.T, name string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func writeRandom(t *testing.T, name string, n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	writeFile(t, name, b)
	return b
}
