//go:build linux

package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"inplace/internal/api"
	"inplace/internal/fsx"
	"inplace/internal/repo"
)

// mitm stands between the tool and the real server: it passes requests
// through, remembers the metadata it relayed, and lets a test answer some
// requests itself, as a network attacker, a malicious proxy or a mirror
// would.
type mitm struct {
	url string

	mu     sync.Mutex
	seen   map[string][]byte // metadata relayed, by name
	answer func(w http.ResponseWriter, r *http.Request, upstream func() []byte) bool
}

func newMitm(t *testing.T, upstream string) *mitm {
	t.Helper()
	u, err := url.Parse(upstream)
	if err != nil {
		t.Fatal(err)
	}
	m := &mitm{seen: map[string][]byte{}}
	pass := httputil.NewSingleHostReverseProxy(u)
	pass.ModifyResponse = func(resp *http.Response) error {
		name, ok := strings.CutPrefix(resp.Request.URL.Path, "/v1/metadata/")
		if !ok || resp.StatusCode != http.StatusOK {
			return nil
		}
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			return err
		}
		resp.Body = io.NopCloser(bytes.NewReader(b))
		m.mu.Lock()
		m.seen[name] = b
		m.mu.Unlock()
		return nil
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.mu.Lock()
		answer := m.answer
		m.mu.Unlock()
		// The attacker's copy of the real answer: its body, and the headers
		// that say what the body is, relayed as they came.
		fetch := func() []byte {
			b, h := getWithHeader(t, upstream+r.URL.RequestURI(), r.Header.Get("Authorization"))
			for _, k := range []string{api.EncodingHeader, api.FromHeader, "ETag"} {
				if v := h.Get(k); v != "" {
					w.Header().Set(k, v)
				}
			}
			return b
		}
		if answer == nil || !answer(w, r, fetch) {
			pass.ServeHTTP(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	m.url = srv.URL
	return m
}

// attack sets how the attacker answers (nil: it relays faithfully).
func (m *mitm) attack(answer func(w http.ResponseWriter, r *http.Request, upstream func() []byte) bool) {
	m.mu.Lock()
	m.answer = answer
	m.mu.Unlock()
}

func (m *mitm) relayed(name string) []byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.seen[name]
}

func get(t *testing.T, u, auth string) []byte {
	b, _ := getWithHeader(t, u, auth)
	return b
}

func getWithHeader(t *testing.T, u, auth string) ([]byte, http.Header) {
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Error(err)
		return nil, nil
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return b, resp.Header
}

// replace answers the request for path (suffix match) with body.
func replace(suffix string, body []byte) func(http.ResponseWriter, *http.Request, func() []byte) bool {
	return forge(map[string][]byte{suffix: body})
}

// forge answers each request whose path ends in one of files' keys with
// that file, and relays the others.
func forge(files map[string][]byte) func(http.ResponseWriter, *http.Request, func() []byte) bool {
	return func(w http.ResponseWriter, r *http.Request, _ func() []byte) bool {
		for suffix, body := range files {
			if strings.HasSuffix(r.URL.Path, suffix) {
				w.Write(body)
				return true
			}
		}
		return false
	}
}

// key loads one of the server's signing keys: the attacker stole it.
func (s *testServer) key(t *testing.T, role string) *repo.Key {
	t.Helper()
	k, err := repo.LoadKey(filepath.Join(s.data, "keys", role+".key"))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// signed parses metadata, lets change edit it and signs it with keys.
func signed[T metadata.Roles](t *testing.T, b []byte, change func(*metadata.Metadata[T]), keys ...*repo.Key) []byte {
	t.Helper()
	var m metadata.Metadata[T]
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	change(&m)
	m.ClearSignatures()
	for _, k := range keys {
		if err := repo.SignWith(&m, k); err != nil {
			t.Fatal(err)
		}
	}
	out, err := json.Marshal(&m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestAttacks runs the real tool against the real server through an
// attacker, one attack at a time, after the attacks of the TUF
// specification and its reference tests. Every one must end in exit 1, a
// message naming what happened, and the product exactly as it was.
func TestAttacks(t *testing.T) {
	srv := startServer(t, "--timestamp-expiry", "4s")
	l := srv.publishSample(t)
	srv.addUser(t, "alice", "s3cret-pass", l.Product, "full")
	m := newMitm(t, srv.url)

	tool := func(h string, args ...string) (string, int) {
		cmd := exec.Command(filepath.Join(h, "bin", toolName()), append([]string{"--non-interactive", "-c", "full"}, args...)...)
		cmd.Env = append(cleanEnv(), "UPDATE_SERVER="+m.url, "UPDATE_USERNAME=alice", "UPDATE_PASSWORD=s3cret-pass")
		out, _ := cmd.CombinedOutput()
		return string(out), cmd.ProcessState.ExitCode()
	}
	// refused runs the tool under attack on h and checks that it exits 1
	// naming the attack, and that neither the product nor its state changed.
	refused := func(t *testing.T, h string, want string, args ...string) {
		t.Helper()
		before, state := treeString(t, h), readState(t, h)
		out, code := tool(h, args...)
		m.attack(nil)
		if code != 1 || !strings.Contains(out, want) {
			t.Fatalf("exit %d, want 1 with %q:\n%s", code, want, out)
		}
		if treeString(t, h) != before || readState(t, h) != state {
			t.Error("the product or its state changed")
		}
	}
	// fresh is a new installation at the base level; seen is one that is
	// up to date and has verified the service's current metadata.
	fresh := func(t *testing.T) string { return srv.installHome(t, l.Base) }
	seen := func(t *testing.T) string {
		h := fresh(t)
		if out, code := tool(h); code != 0 {
			t.Fatalf("the clean run: exit %d\n%s", code, out)
		}
		return h
	}
	update2 := fmt.Sprintf("/v1/targets/%s/security/1700000200000.json", l.Product)

	t.Run("arbitrary installation: a changed delta", func(t *testing.T) {
		h := fresh(t)
		var mu sync.Mutex
		var forms []string
		m.attack(func(w http.ResponseWriter, r *http.Request, upstream func() []byte) bool {
			if !strings.HasSuffix(r.URL.Path, "/packed") {
				return false
			}
			b := upstream()
			mu.Lock()
			forms = append(forms, w.Header().Get(api.EncodingHeader))
			mu.Unlock()
			if len(b) > 0 {
				b[len(b)/2] ^= 0xff
			}
			w.Write(b)
			return true
		})
		refused(t, h, "does not match its hash")
		if !slices.Contains(forms, api.EncodingDelta) {
			t.Errorf("the attacker changed downloads in the forms %q, never a delta: the test tests nothing", forms)
		}
	})

	t.Run("arbitrary installation: a changed blob", func(t *testing.T) {
		h := fresh(t)
		m.attack(func(w http.ResponseWriter, r *http.Request, upstream func() []byte) bool {
			if !strings.HasPrefix(r.URL.Path, "/v1/blobs/") {
				return false
			}
			b := upstream()
			if len(b) > 0 {
				b[len(b)/2] ^= 0xff
			}
			w.Write(b)
			return true
		})
		refused(t, h, "does not match its hash")
	})

	t.Run("arbitrary installation: a changed descriptor", func(t *testing.T) {
		h := fresh(t)
		m.attack(func(w http.ResponseWriter, r *http.Request, upstream func() []byte) bool {
			if r.URL.Path != update2 {
				return false
			}
			w.Write(bytes.Replace(upstream(), []byte(`"description":"`), []byte(`"description":"X`), 1))
			return true
		})
		refused(t, h, "was tampered with")
	})

	t.Run("mix and match: an older targets under the current name", func(t *testing.T) {
		h := fresh(t)
		old := get(t, srv.url+"/v1/metadata/2.targets.json", "")
		m.attack(func(w http.ResponseWriter, r *http.Request, _ func() []byte) bool {
			if !strings.HasSuffix(r.URL.Path, ".targets.json") {
				return false
			}
			w.Write(old)
			return true
		})
		refused(t, h, "mix-and-match")
	})

	t.Run("mix and match: another update's descriptor", func(t *testing.T) {
		h := fresh(t)
		other := fmt.Sprintf("/v1/targets/%s/full/1700000100000.json", l.Product)
		m.attack(func(w http.ResponseWriter, r *http.Request, _ func() []byte) bool {
			if r.URL.Path != update2 {
				return false
			}
			w.Write(get(t, srv.url+other, r.Header.Get("Authorization")))
			return true
		})
		refused(t, h, "was tampered with")
	})

	t.Run("rollback of the timestamp", func(t *testing.T) {
		h := seen(t)
		old := m.relayed("timestamp.json")
		// The service moves on; the tool sees it.
		srv.admin(t, "", "tool", "publish", "--version", "0.9.0", "--os", "darwin", "--arch", "arm64", bin("update"))
		if _, code := tool(h); code != 0 {
			t.Fatal("the run after the service moved on failed")
		}
		m.attack(replace("/timestamp.json", old))
		refused(t, h, "rollback attack")
	})

	// An attacker who stole online keys signs what those keys may sign.
	current := func(t *testing.T, name string) []byte { return get(t, srv.url+"/v1/metadata/"+name, "") }
	var tsNow, snNow metadata.Metadata[metadata.TimestampType]
	loadNow := func(t *testing.T) {
		json.Unmarshal(current(t, "timestamp.json"), &tsNow)
		json.Unmarshal(current(t, fmt.Sprintf("%d.snapshot.json", tsNow.Signed.Meta["snapshot.json"].Version)), &snNow)
	}
	meta := func(version int64, b []byte) *metadata.MetaFiles {
		f := metadata.MetaFile(version)
		f.Length = int64(len(b))
		sum := sha256sum(b)
		f.Hashes = metadata.Hashes{"sha256": sum}
		return f
	}

	t.Run("rollback of the snapshot, by a thief of the timestamp key", func(t *testing.T) {
		h := seen(t)
		loadNow(t)
		sv := tsNow.Signed.Meta["snapshot.json"].Version
		older := current(t, fmt.Sprintf("%d.snapshot.json", sv-1))
		ts := signed(t, current(t, "timestamp.json"), func(m *metadata.Metadata[metadata.TimestampType]) {
			m.Signed.Version += 100
			m.Signed.Meta["snapshot.json"] = meta(sv-1, older)
		}, srv.key(t, "timestamp"))
		m.attack(replace("/timestamp.json", ts))
		refused(t, h, "rollback attack")
	})

	t.Run("rollback of the targets, by a thief of the online keys", func(t *testing.T) {
		h := seen(t)
		loadNow(t)
		tv := snNow.Signed.Meta["targets.json"].Version
		older := current(t, fmt.Sprintf("%d.targets.json", tv-1))
		snv := tsNow.Signed.Version + 100
		sn := signed(t, current(t, fmt.Sprintf("%d.snapshot.json", tsNow.Signed.Meta["snapshot.json"].Version)), func(m *metadata.Metadata[metadata.SnapshotType]) {
			m.Signed.Version = snv
			m.Signed.Meta["targets.json"] = meta(tv-1, older)
		}, srv.key(t, "snapshot"))
		ts := signed(t, current(t, "timestamp.json"), func(m *metadata.Metadata[metadata.TimestampType]) {
			m.Signed.Version += 100
			m.Signed.Meta["snapshot.json"] = meta(snv, sn)
		}, srv.key(t, "timestamp"))
		m.attack(forge(map[string][]byte{"/timestamp.json": ts, fmt.Sprintf("/%d.snapshot.json", snv): sn}))
		refused(t, h, "rollback attack")
	})

	t.Run("a thief of the online keys cannot install anything", func(t *testing.T) {
		h := fresh(t)
		loadNow(t)
		tv := snNow.Signed.Meta["targets.json"].Version
		evil := []byte(`{"product":"` + l.Product + `","timestamp":1800000000000,"security":true,"files":[]}`)
		tg := signed(t, current(t, fmt.Sprintf("%d.targets.json", tv)), func(m *metadata.Metadata[metadata.TargetsType]) {
			m.Signed.Version = tv + 1
			tf, _ := metadata.TargetFile().FromBytes(l.Product+"/security/1800000000000.json", evil, "sha256")
			m.Signed.Targets[tf.Path] = tf
		}, srv.key(t, "snapshot"), srv.key(t, "timestamp"))
		snv := tsNow.Signed.Version + 200
		sn := signed(t, current(t, fmt.Sprintf("%d.snapshot.json", tsNow.Signed.Meta["snapshot.json"].Version)), func(m *metadata.Metadata[metadata.SnapshotType]) {
			m.Signed.Version = snv
			m.Signed.Meta["targets.json"] = meta(tv+1, tg)
		}, srv.key(t, "snapshot"))
		ts := signed(t, current(t, "timestamp.json"), func(m *metadata.Metadata[metadata.TimestampType]) {
			m.Signed.Version += 200
			m.Signed.Meta["snapshot.json"] = meta(snv, sn)
		}, srv.key(t, "timestamp"))
		m.attack(forge(map[string][]byte{"/timestamp.json": ts, fmt.Sprintf("/%d.snapshot.json", snv): sn,
			fmt.Sprintf("/%d.targets.json", tv+1): tg, "/1800000000000.json": evil}))
		refused(t, h, "not signed by the vendor's keys")
	})

	t.Run("indefinite freeze: an expired timestamp replayed", func(t *testing.T) {
		// A timestamp as serve --timestamp-expiry 4s signs it (publishing
		// signs for a day; serve shortens that within a second or two).
		var stale []byte
		var ts metadata.Metadata[metadata.TimestampType]
		for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(200 * time.Millisecond) {
			stale = current(t, "timestamp.json")
			json.Unmarshal(stale, &ts)
			if time.Until(ts.Signed.Expires) < 10*time.Second {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the timestamp expires in %v; serve --timestamp-expiry 4s should have re-signed it", time.Until(ts.Signed.Expires))
			}
		}
		time.Sleep(time.Until(ts.Signed.Expires) + time.Second)
		m.attack(replace("/timestamp.json", stale))
		refused(t, fresh(t), "freeze attack")
	})

	t.Run("endless data: a timestamp that never ends", func(t *testing.T) {
		m.attack(func(w http.ResponseWriter, r *http.Request, _ func() []byte) bool {
			if !strings.HasSuffix(r.URL.Path, "/timestamp.json") {
				return false
			}
			chunk := bytes.Repeat([]byte(" "), 64<<10)
			for i := 0; i < 1024 && r.Context().Err() == nil; i++ {
				if _, err := w.Write(chunk); err != nil {
					break
				}
			}
			return true
		})
		refused(t, fresh(t), "endless-data attack")
	})

	t.Run("endless data: a blob longer than signed", func(t *testing.T) {
		m.attack(func(w http.ResponseWriter, r *http.Request, upstream func() []byte) bool {
			if !strings.HasPrefix(r.URL.Path, "/v1/blobs/") {
				return false
			}
			w.Write(append(upstream(), bytes.Repeat([]byte("x"), 1<<20)...))
			return true
		})
		refused(t, fresh(t), "sent more than the blob holds")
	})

	t.Run("slow retrieval: a download that stalls", func(t *testing.T) {
		m.attack(func(w http.ResponseWriter, r *http.Request, _ func() []byte) bool {
			if !strings.HasPrefix(r.URL.Path, "/v1/blobs/") {
				return false
			}
			w.WriteHeader(http.StatusOK)
			w.(http.Flusher).Flush()
			<-r.Context().Done()
			return true
		})
		refused(t, fresh(t), "gave up after", "--timeout", "3s")
	})

	t.Run("a malicious mirror with its own keys", func(t *testing.T) {
		mirror := startServer(t)
		mirror.publishSample(t)
		mirror.addUser(t, "alice", "s3cret-pass", l.Product, "full")
		h := fresh(t)
		before := treeString(t, h)
		cmd := exec.Command(filepath.Join(h, "bin", toolName()), "--non-interactive", "-c", "full")
		cmd.Env = append(cleanEnv(), "UPDATE_SERVER="+mirror.url, "UPDATE_USERNAME=alice", "UPDATE_PASSWORD=s3cret-pass")
		out, _ := cmd.CombinedOutput()
		if code := cmd.ProcessState.ExitCode(); code != 1 || !strings.Contains(string(out), "malicious mirror") {
			t.Fatalf("exit %d, want 1 naming a malicious mirror:\n%s", code, out)
		}
		if treeString(t, h) != before {
			t.Error("the product changed")
		}
	})

	t.Run("fast-forward recovery after the timestamp key is rotated", func(t *testing.T) {
		h := seen(t)
		ff := signed(t, current(t, "timestamp.json"), func(m *metadata.Metadata[metadata.TimestampType]) {
			m.Signed.Version += 1_000_000
		}, srv.key(t, "timestamp"))
		m.attack(replace("/timestamp.json", ff))
		if out, code := tool(h); code != 0 {
			t.Fatalf("the fast-forwarded timestamp is validly signed, so the tool takes it: exit %d\n%s", code, out)
		}
		m.attack(nil)
		// The service notices the theft and rotates the timestamp key.
		newKey := filepath.Join(t.TempDir(), "timestamp-2.key")
		srv.admin(t, "", "keys", "generate", newKey)
		srv.admin(t, "", "keys", "rotate", "--role", "timestamp", "--key", newKey, "--root-key", filepath.Join(srv.data, "keys", "root.key"))
		if out, code := tool(h); code != 0 {
			t.Fatalf("after the rotation the tool must recover: exit %d\n%s", code, out)
		}
	})

	t.Run("root rotation with a threshold", func(t *testing.T) {
		h := seen(t)
		dir := t.TempDir()
		var keys []string
		for i := 1; i <= 3; i++ {
			k := filepath.Join(dir, fmt.Sprintf("root-%d.key", i))
			srv.admin(t, "", "keys", "generate", k)
			keys = append(keys, k)
		}
		// Root version N+1: three new keys, two must sign; signed by the
		// old root key and two of the new.
		srv.admin(t, "", "keys", "rotate", "--role", "root", "--threshold", "2",
			"--key", repo.PublicFile(keys[0]), "--key", repo.PublicFile(keys[1]), "--key", repo.PublicFile(keys[2]),
			"--root-key", filepath.Join(srv.data, "keys", "root.key"), "--root-key", keys[0], "--root-key", keys[1])
		if out, code := tool(h); code != 0 {
			t.Fatalf("the tool follows the rotation: exit %d\n%s", code, out)
		}
		// A thief of one new root key signs the next root alone.
		var rootNow metadata.Metadata[metadata.RootType]
		for v := 1; ; v++ {
			var r metadata.Metadata[metadata.RootType]
			if json.Unmarshal(current(t, fmt.Sprintf("%d.root.json", v)), &r) != nil || r.Signed.Version != int64(v) {
				break
			}
			rootNow = r
		}
		thief, err := repo.LoadKey(keys[2])
		if err != nil {
			t.Fatal(err)
		}
		v := rootNow.Signed.Version + 1
		forged := signed(t, current(t, fmt.Sprintf("%d.root.json", v-1)), func(m *metadata.Metadata[metadata.RootType]) {
			m.Signed.Version = v
			m.Signed.Roles["targets"].KeyIDs = []string{thief.ID}
			m.Signed.Keys[thief.ID] = thief.Public
		}, thief)
		m.attack(replace(fmt.Sprintf("/%d.root.json", v), forged))
		refused(t, h, "not signed by the vendor's keys")
	})

	t.Run("the metadata cache is the owner's only", func(t *testing.T) {
		h := seen(t)
		if err := fsx.Private(filepath.Join(h, "updates", "tuf")); err != nil {
			t.Errorf("updates/tuf: %v", err)
		}
	})

	t.Run("a missing next root answers 404, with or without a token", func(t *testing.T) {
		for _, tok := range []string{"", "not-a-token"} {
			if code := status(t, srv.url+"/v1/metadata/999.root.json", tok); code != http.StatusNotFound {
				t.Errorf("next root with token %q: HTTP %d, want 404", tok, code)
			}
		}
	})

	t.Run("a subscriber reads only its product and channel", func(t *testing.T) {
		srv.addUser(t, "bob", "s3cret-pass", l.Product, "security")
		tok := login(t, srv.url, "bob", l.Product, "security")
		full := fmt.Sprintf("/v1/targets/%s/full/1700000100000.json", l.Product)
		if code := status(t, srv.url+full, tok); code != http.StatusNotFound {
			t.Errorf("a security subscriber fetched a full-only descriptor: HTTP %d", code)
		}
		if code := status(t, srv.url+update2, tok); code != http.StatusOK {
			t.Errorf("a security subscriber cannot fetch a security descriptor: HTTP %d", code)
		}
		if code := status(t, srv.url+"/v1/targets/other-1.0/base.json", tok); code != http.StatusNotFound {
			t.Errorf("another product's base: HTTP %d", code)
		}
		// A blob only the full channel brings, guessed by its hash.
		var u api.Update
		json.Unmarshal(get(t, srv.url+full, "Bearer "+login(t, srv.url, "alice", l.Product, "full")), &u)
		only := ""
		for _, c := range u.Files {
			if !c.Remove && c.Kind == api.KindFile {
				only = c.SHA256
				break
			}
		}
		if only == "" {
			t.Fatal("update 1 brings no file")
		}
		if code := status(t, srv.url+"/v1/blobs/"+only, tok); code != http.StatusNotFound {
			t.Errorf("a security subscriber fetched a full-only blob by its hash: HTTP %d", code)
		}
	})

	// Last: from here on every run finds a newer tool.
	t.Run("self-update: a changed tool binary", func(t *testing.T) {
		h := seen(t)
		srv.admin(t, "", "tool", "publish", "--version", "9.0.0", "--os", runtime.GOOS, "--arch", runtime.GOARCH, bin("update-1.1.0"))
		m.attack(func(w http.ResponseWriter, r *http.Request, upstream func() []byte) bool {
			if !strings.HasPrefix(r.URL.Path, "/v1/blobs/") {
				return false
			}
			b := upstream()
			b[len(b)/2] ^= 0xff
			w.Write(b)
			return true
		})
		before, _ := os.ReadFile(filepath.Join(h, "bin", toolName()))
		refused(t, h, "does not match its hash")
		if after, _ := os.ReadFile(filepath.Join(h, "bin", toolName())); !bytes.Equal(before, after) {
			t.Error("the tool was replaced")
		}
	})
}

// login returns a bearer token of user for product and channel.
func login(t *testing.T, server, user, product, channel string) string {
	t.Helper()
	b, _ := json.Marshal(api.TokenRequest{Username: user, Password: "s3cret-pass", Product: product, Channel: channel})
	resp, err := http.Post(server+"/v1/token", "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tr api.TokenResponse
	if err := json.NewDecoder(resp.Body).Decode(&tr); err != nil || tr.Token == "" {
		t.Fatalf("login %s: HTTP %d, %v", user, resp.StatusCode, err)
	}
	return tr.Token
}

func status(t *testing.T, u, token string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func sha256sum(b []byte) []byte {
	s := sha256.Sum256(b)
	return s[:]
}

// readState returns the home's state file, to show it did not change.
func readState(t *testing.T, h string) string {
	b, _ := os.ReadFile(filepath.Join(h, "updates", "state.json"))
	return string(b)
}
