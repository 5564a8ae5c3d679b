package packed

import (
	"bytes"
	"context"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"inplace/internal/api"
	"inplace/internal/blob/dir"
	"inplace/internal/delta"
	"inplace/internal/store"
	"inplace/internal/store/sqlite"
)

func newPacker(t *testing.T) *Packer {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	bs, err := dir.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return &Packer{Store: st, Blobs: bs}
}

func (p *Packer) put(t *testing.T, b []byte) api.Entry {
	t.Helper()
	sum, n, err := p.Blobs.Put(context.Background(), bytes.NewReader(b), "")
	if err != nil {
		t.Fatal(err)
	}
	return api.Entry{Kind: api.KindFile, SHA256: sum, Size: n}
}

// payload returns the bytes of a packed form.
func (p *Packer) payload(t *testing.T, f store.Packed) []byte {
	t.Helper()
	rc, _, err := p.Blobs.Open(context.Background(), f.Payload)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	var b bytes.Buffer
	b.ReadFrom(rc)
	return b.Bytes()
}

func TestGet(t *testing.T) {
	ctx := context.Background()
	p := newPacker(t)
	text := []byte(strings.Repeat("server.port = 9443\nserver.host = localhost\n", 2000))
	edited := bytes.Replace(text, []byte("9443"), []byte("9444"), 1)
	noise := make([]byte, 10000)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range noise {
		noise[i] = byte(r.Uint32())
	}
	oldE, newE, noiseE := p.put(t, text), p.put(t, edited), p.put(t, noise)

	// A delta when it is the smallest form; it rebuilds the file.
	f, err := p.Get(ctx, newE.SHA256, newE.Size, oldE.SHA256)
	if err != nil || f.Encoding != api.EncodingDelta || f.From != oldE.SHA256 {
		t.Fatalf("Get from the old version = %+v, %v; want a delta", f, err)
	}
	if got, err := delta.Decode(text, p.payload(t, f), newE.Size); err != nil || !bytes.Equal(got, edited) {
		t.Fatalf("the delta does not rebuild the file: %v", err)
	}
	// The compressed form, kept on the way.
	if f, err := p.Store.Packed(ctx, newE.SHA256, ""); err != nil || f.Encoding != api.EncodingZstd || f.Size >= newE.Size {
		t.Errorf("plain form = %+v, %v; want zstd, smaller than the file", f, err)
	}
	// Noise does not compress, nor does a delta from unrelated text help:
	// the file itself, recorded under the origin asked for.
	f, err = p.Get(ctx, noiseE.SHA256, noiseE.Size, oldE.SHA256)
	if err != nil || f.Encoding != api.EncodingIdentity || f.Payload != noiseE.SHA256 || f.From != oldE.SHA256 {
		t.Errorf("Get of noise = %+v, %v; want identity", f, err)
	}
	if kept, err := p.Store.Packed(ctx, noiseE.SHA256, oldE.SHA256); err != nil || kept != f {
		t.Errorf("kept %+v, %v; want %+v", kept, err, f)
	}
}

func TestWarm(t *testing.T) {
	ctx := context.Background()
	p := newPacker(t)
	conf := []byte(strings.Repeat("a = 1\n", 5000))
	jar := []byte(strings.Repeat("class bytes ", 5000))
	conf2, jar2 := append(bytes.Clone(conf), "b = 2\n"...), append(bytes.Clone(jar), "more"...)
	c1, j1, c2, j2 := p.put(t, conf), p.put(t, jar), p.put(t, conf2), p.put(t, jar2)
	before := map[string]api.Entry{"conf/a.toml": c1, "lib/foo-1.2.jar": j1}
	c2.Path, j2.Path = "conf/a.toml", "lib/foo-1.3.jar"
	u := api.Update{Files: []api.Change{{Entry: c2}, {Entry: j2}, {Entry: api.Entry{Path: "lib/foo-1.2.jar"}, Remove: true}}}
	n := 0
	if err := p.Warm(ctx, u, before, func() { n++ }); err != nil || n != 2 {
		t.Fatalf("Warm: %v, %d files", err, n)
	}
	for _, want := range []struct{ sum, from string }{{c2.SHA256, c1.SHA256}, {j2.SHA256, j1.SHA256}} {
		if f, err := p.Store.Packed(ctx, want.sum, want.from); err != nil || f.Encoding != api.EncodingDelta {
			t.Errorf("after Warm, Packed(%.8s, %.8s) = %+v, %v; want a delta", want.sum, want.from, f, err)
		}
	}
}
