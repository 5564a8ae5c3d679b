package main

import (
	"bytes"
	"testing"
)

// TestHashProgress: hashing a whole product shows progress in lines
// (without a terminal) from hashProgressBytes or hashProgressFiles on, and
// nothing below; downloads keep their words.
func TestHashProgress(t *testing.T) {
	var b bytes.Buffer
	p := newHashProgress(&b, false, 1<<20, 100)
	p.Add(1 << 20)
	p.Done()
	if b.Len() != 0 {
		t.Errorf("a small product shows progress: %q", b.String())
	}
	p = newHashProgress(&b, false, hashProgressBytes, 10)
	for range 4 {
		p.Add(hashProgressBytes / 4)
	}
	p.Done()
	want := "update: hashing 10 file(s), 256 MiB\nupdate: hashed 25%\nupdate: hashed 50%\nupdate: hashed 75%\nupdate: hashed 256 MiB\n"
	if b.String() != want {
		t.Errorf("hash progress:\n%s\nwant:\n%s", b.String(), want)
	}
	b.Reset()
	p = newProgress(&b, false, 4, 1)
	p.Add(4)
	p.Done()
	if want := "update: downloading 1 file(s), 4 B\nupdate: downloaded 25%\nupdate: downloaded 50%\nupdate: downloaded 75%\nupdate: downloaded 4 B\n"; b.String() != want {
		t.Errorf("download progress:\n%s\nwant:\n%s", b.String(), want)
	}
}
