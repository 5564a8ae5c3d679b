package publish

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"hash/crc32"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"inplace/internal/api"
)

// rawEntry is one entry of a zip whose header says what the test wants,
// true or not.
type rawEntry struct {
	name     string
	content  []byte // deflated into the entry
	declared uint64 // the uncompressed size the headers claim
}

// lyingZip builds a zip of raw entries in memory: each entry's data is its
// content deflated, its CRC-32 that of the content, and its declared size
// whatever the test says.
func lyingZip(t testing.TB, entries ...rawEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		var deflated bytes.Buffer
		fw, _ := flate.NewWriter(&deflated, flate.BestCompression)
		fw.Write(e.content)
		fw.Close()
		h := &zip.FileHeader{Name: e.name, Method: zip.Deflate, CRC32: crc32.ChecksumIEEE(e.content),
			CompressedSize64: uint64(deflated.Len()), UncompressedSize64: e.declared}
		h.SetMode(0o644)
		w, err := zw.CreateRaw(h)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(deflated.Bytes())
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// writeBytes writes b to a new file and returns its name.
func writeBytes(t *testing.T, name string, b []byte) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(file, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

// TestReadZipBounds: a zip is refused, before any content is read, when
// its directory declares too many entries, a too large one or too much in
// all; and an entry whose data expands beyond what it declares is refused
// when it is read, with a message saying so.
func TestReadZipBounds(t *testing.T) {
	desc := rawEntry{"update.yaml", []byte("description: x\n"), 15}
	tests := []struct {
		name    string
		zip     []byte
		entries int // maxZipEntries for the case; 0 leaves it
		msg     string
	}{
		{"entry larger than the cap", lyingZip(t, desc, rawEntry{"files/big.bin", []byte("small"), uint64(maxZipEntrySize) + 1}), 0,
			"zip entry \"files/big.bin\" declares 17179869185 bytes, more than the 16 GiB one file may hold"},
		{"absurd size", lyingZip(t, rawEntry{"x", nil, 1 << 63}), 0, "more than the 16 GiB one file may hold"},
		{"total larger than the cap", lyingZip(t, desc,
			rawEntry{"files/a", nil, uint64(maxZipEntrySize)}, rawEntry{"files/b", nil, uint64(maxZipEntrySize)},
			rawEntry{"files/c", nil, uint64(maxZipEntrySize)}, rawEntry{"files/d", nil, uint64(maxZipEntrySize)},
			rawEntry{"files/e", nil, 1}), 0, "more than 64 GiB in all"},
		{"too many entries", zipBytes(t, "", map[string]string{"a": "a", "b": "b", "c": "c", "d": "d"}), 3,
			"the zip holds 4 entries, more than the 3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.entries > 0 {
				defer func(n int) { maxZipEntries = n }(maxZipEntries)
				maxZipEntries = tt.entries
			}
			nodes, err := readZip(bytes.NewReader(tt.zip), int64(len(tt.zip)))
			if err == nil || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("readZip = %d nodes, %v; want an error saying %q", len(nodes), err, tt.msg)
			}
		})
	}

	// A header that declares 10 bytes for a megabyte of zeros.
	z := lyingZip(t, rawEntry{"lib/bomb.jar", make([]byte, 1<<20), 10})
	nodes, err := readZip(bytes.NewReader(z), int64(len(z)))
	if err != nil || len(nodes) != 1 {
		t.Fatalf("readZip: %v", err)
	}
	_, err = hashNode(nodes[0])
	if err == nil || !strings.Contains(err.Error(), "zip entry lib/bomb.jar expands beyond the 10 bytes its header declares") {
		t.Fatalf("hashNode of a lying entry: %v", err)
	}
	// The same entry, declared truthfully, reads.
	z = lyingZip(t, rawEntry{"lib/zeros.jar", make([]byte, 1<<20), 1 << 20})
	nodes, err = readZip(bytes.NewReader(z), int64(len(z)))
	if err != nil {
		t.Fatal(err)
	}
	if e, err := hashNode(nodes[0]); err != nil || e.Size != 1<<20 {
		t.Fatalf("hashNode of a true entry: %+v, %v", e, err)
	}
}

// TestCheckCaseChanges: an update may not bring a path that differs only
// by case from one at the level, nor touch two such paths itself; pairs
// the level held already stay publishable around.
func TestCheckCaseChanges(t *testing.T) {
	level := map[string]api.Entry{"lib/a.jar": {}, "conf/x.xml": {}, "old/B": {}, "old/b": {}}
	add := func(p string) api.Change { return api.Change{Entry: api.Entry{Path: p, Kind: api.KindFile}} }
	remove := func(p string) api.Change { return api.Change{Entry: api.Entry{Path: p}, Remove: true} }
	for _, ok := range [][]api.Change{
		{add("lib/a.jar"), add("lib/b.jar")},
		{remove("lib/a.jar")},
		{add("new/x")},
	} {
		if err := checkCaseChanges(level, ok); err != nil {
			t.Errorf("%v: %v", ok, err)
		}
	}
	for _, tt := range []struct {
		changes []api.Change
		msg     string
	}{
		{[]api.Change{add("lib/A.jar")}, "lib/A.jar differs only by case from lib/a.jar at the newest level"},
		{[]api.Change{add("LIB/z.jar")}, "LIB differs only by case from lib at the newest level"},
		{[]api.Change{remove("lib/a.jar"), add("lib/A.jar")}, "the update touches both lib/A.jar and lib/a.jar"},
		{[]api.Change{add("old/b")}, "old/B"},
	} {
		err := checkCaseChanges(level, tt.changes)
		if err == nil || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("%v: %v; want an error saying %q", tt.changes, err, tt.msg)
		}
	}
}
