package benchgen

import (
	"archive/zip"
	"bufio"
	"bytes"
	"io"
	"os"
	"path"
	"strconv"
	"strings"
)

// rewriteArchive writes to w the next build of the archive old, as a
// release rebuilds a jar: 1 to 5% of its classes changed, a few removed and
// a few added, a jar or two inside a war rebuilt the same way, the manifest
// rebuilt (with version to instead of from, when from is not empty); every
// other entry is copied byte for byte, compressed data and all.
func rewriteArchive(w io.Writer, old *zip.Reader, from, to string, seed uint64) error {
	r := newRand(seed)
	a := newArchiveWriter(w, release2Time)
	var classes, libs []int
	names := make(map[string]bool)
	for i, f := range old.File {
		names[f.Name] = true
		switch {
		case strings.HasSuffix(f.Name, "/"):
			a.dirs[strings.TrimSuffix(f.Name, "/")] = true
		case strings.HasSuffix(f.Name, ".class"):
			classes = append(classes, i)
		case strings.HasPrefix(f.Name, "WEB-INF/lib/") && strings.HasSuffix(f.Name, ".jar") && f.Method == zip.Store:
			libs = append(libs, i)
		}
	}
	const (
		changed = iota + 1
		removed
		addAfter
		rebuilt
	)
	what := make(map[int]int)
	perm := r.Perm(len(classes))
	nChange := max(1, int((0.01+0.04*r.Float64())*float64(len(classes))))
	nRemove := min(r.IntN(3), len(classes)/20)
	nAdd := r.IntN(4)
	for k, p := range perm {
		switch {
		case k < nChange:
			what[classes[p]] = changed
		case k < nChange+nRemove:
			what[classes[p]] = removed
		case k < nChange+nRemove+nAdd:
			what[classes[p]] = addAfter
		}
	}
	if len(libs) > 0 {
		for _, p := range r.Perm(len(libs))[:1+r.IntN(min(2, len(libs)))] {
			what[libs[p]] = rebuilt
		}
	}
	var v *vocab
	if len(classes) > 0 {
		pkg := strings.TrimPrefix(path.Dir(old.File[classes[0]].Name), "WEB-INF/classes/")
		v = newVocab(pkg, seed)
	}

	for i, f := range old.File {
		var err error
		switch {
		case what[i] == removed:
			continue
		case what[i] == changed:
			size := int(float64(f.UncompressedSize64) * (0.9 + 0.25*r.Float64()))
			err = a.class(f.Name, v, r.Uint64(), max(size, 300))
		case what[i] == rebuilt:
			err = rebuildNested(a, f, r.Uint64())
		case f.Name == "META-INF/MANIFEST.MF" || strings.HasSuffix(f.Name, "/pom.properties"):
			err = rebuildText(a, f, from, to, r.Int64N(1e10))
		default:
			a.entries++
			err = a.zw.Copy(f)
		}
		if err != nil {
			return err
		}
		if what[i] == addAfter {
			dir := path.Dir(f.Name)
			name := dir + "/" + camel(r, 2) + classSuffixes[r.IntN(len(classSuffixes))] + ".class"
			for names[name] {
				name = dir + "/" + camel(r, 2) + classSuffixes[r.IntN(len(classSuffixes))] + ".class"
			}
			names[name] = true
			if err := a.class(name, v, r.Uint64(), classSize(r)); err != nil {
				return err
			}
		}
	}
	return a.close()
}

// rebuildText writes a manifest or pom.properties again, with the new
// version and the new build time.
func rebuildText(a *archiveWriter, f *zip.File, from, to string, stamp int64) error {
	data, err := readEntry(f)
	if err != nil {
		return err
	}
	s := string(data)
	if from != "" {
		s = strings.ReplaceAll(s, from, to)
	}
	const key = "Bnd-LastModified: "
	if i := strings.Index(s, key); i >= 0 {
		j := i + len(key)
		k := j
		for k < len(s) && s[k] >= '0' && s[k] <= '9' {
			k++
		}
		s = s[:j] + strconv.FormatInt(1690000000000+stamp, 10) + s[k:]
	}
	return a.text(f.Name, []byte(s))
}

// rebuildNested writes a jar stored in a war again, rebuilt.
func rebuildNested(a *archiveWriter, f *zip.File, seed uint64) error {
	data, err := readEntry(f)
	if err != nil {
		return err
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := rewriteArchive(&buf, zr, "", "", seed); err != nil {
		return err
	}
	return a.stored(f.Name, buf.Bytes())
}

func readEntry(f *zip.File) ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

// rewriteArchiveFile writes the next build of the archive src to dst.
func rewriteArchiveFile(src, dst, from, to string, seed uint64) (err error) {
	zr, err := zip.OpenReader(src)
	if err != nil {
		return err
	}
	defer zr.Close()
	fi, err := os.Stat(src)
	if err != nil {
		return err
	}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, fi.Mode().Perm())
	if err != nil {
		return err
	}
	defer func() {
		if cerr := out.Close(); err == nil {
			err = cerr
		}
	}()
	w := bufio.NewWriterSize(out, 256<<10)
	if err := rewriteArchive(w, &zr.Reader, from, to, seed); err != nil {
		return err
	}
	return w.Flush()
}
