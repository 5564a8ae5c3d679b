package benchgen

import (
	"archive/zip"
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"time"
)

// Pack is the baseline of the full pack: the vendor ships the whole second
// release as a zip, and the installation is brought to it by unpacking it
// beside the installation and mirroring it over with rsync.
type Pack struct {
	work string
	zip  string // work/release2.zip
}

// storedExts are not compressed in the pack, as `zip -n` leaves them: they
// are compressed already.
var storedExts = map[string]bool{".jar": true, ".war": true, ".png": true, ".gif": true, ".jpg": true, ".woff2": true, ".gz": true, ".jks": true}

// NewPack writes work/release2.zip (work is created), the distribution of
// the second release in dir2 as the vendor ships it. Every entry carries
// the time of the pack, as a vendor's build stamps every file it makes;
// texts are deflated, archives and images stored.
func NewPack(work, dir2 string) (*Pack, error) {
	if err := makeRoot(work); err != nil {
		return nil, err
	}
	p := &Pack{work: work, zip: filepath.Join(work, "release2.zip")}
	files, err := scan(dir2)
	if err != nil {
		return nil, err
	}
	out, err := os.Create(p.zip)
	if err != nil {
		return nil, err
	}
	defer out.Close()
	w := bufio.NewWriterSize(out, 1<<20)
	zw := zip.NewWriter(w)
	built := time.Now().Truncate(time.Second)
	dirs := make(map[string]bool)
	var addDir func(d string) error
	addDir = func(d string) error {
		if d == "." || dirs[d] {
			return nil
		}
		if err := addDir(path.Dir(d)); err != nil {
			return err
		}
		dirs[d] = true
		fh := &zip.FileHeader{Name: d + "/", Modified: built}
		fh.SetMode(os.ModeDir | 0o755)
		_, err := zw.CreateHeader(fh)
		return err
	}
	for _, f := range files {
		if err := addDir(path.Dir(f.path)); err != nil {
			return nil, err
		}
		fh := &zip.FileHeader{Name: f.path, Method: zip.Deflate, Modified: built}
		if storedExts[path.Ext(f.path)] {
			fh.Method = zip.Store
		}
		fh.SetMode(f.mode)
		ew, err := zw.CreateHeader(fh)
		if err != nil {
			return nil, err
		}
		in, err := os.Open(filepath.Join(dir2, filepath.FromSlash(f.path)))
		if err != nil {
			return nil, err
		}
		_, err = io.Copy(ew, in)
		in.Close()
		if err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	if err := w.Flush(); err != nil {
		return nil, err
	}
	return p, out.Close()
}

// Run brings install to the second release the full pack's way and returns
// how long that took:
//
//	unzip -q release2.zip -d TMP
//	rsync -a --delete TMP/ install/
//	rm -rf TMP          (not timed)
//	sync                (syncfs of install's file system)
//
// rsync -a skips a file whose size and modification time are the same on
// both sides. The pack's times are those of the vendor's build and the
// installation's those of the first release, so rsync rewrites every file
// (locally it copies whole files, into a temporary beside each and renamed
// over it): that is what mirroring a full distribution costs. The
// temporary folder is removed before the sync, so its pages are dropped
// rather than written: the sync writes what the installation needs.
//
// Before starting the clock Run writes out what the file system holds
// unwritten, so that the copy of the installation just made is not charged
// to it.
func (p *Pack) Run(install string) (time.Duration, error) {
	for _, tool := range []string{"unzip", "rsync"} {
		if _, err := exec.LookPath(tool); err != nil {
			return 0, fmt.Errorf("benchgen: the full-pack baseline needs %s (apt-get install %s)", tool, tool)
		}
	}
	tmp := filepath.Join(p.work, "unpacked")
	if err := os.RemoveAll(tmp); err != nil {
		return 0, err
	}
	if err := syncFS(install); err != nil {
		return 0, err
	}
	start := time.Now()
	if err := run("unzip", "-q", p.zip, "-d", tmp); err != nil {
		return 0, err
	}
	// --checksum: unzip gives files the archive's 2-second times, so a
	// changed file of the same size can look unchanged to rsync's quick
	// check by size and time, and be left behind.
	if err := run("rsync", "-a", "--checksum", "--delete", tmp+"/", install+"/"); err != nil {
		return 0, err
	}
	unpacked := time.Since(start)
	if err := os.RemoveAll(tmp); err != nil {
		return 0, err
	}
	start = time.Now()
	if err := syncFS(install); err != nil {
		return 0, err
	}
	return unpacked + time.Since(start), nil
}

func run(name string, args ...string) error {
	cmd := exec.Command(name, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return fmt.Errorf("%s: %v: %s", name, err, bytes.TrimSpace(out.Bytes()))
		}
		return err
	}
	return nil
}
