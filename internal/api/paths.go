package api

import (
	"fmt"
	"path"
	"runtime"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The rules below make a path name the same file on every system the tool
// runs on. A name that Linux takes literally but Windows or macOS read as
// something else (a device, a drive, a stream, another file) could make the
// tool write where neither side meant to, so both sides refuse it.

// checkChars refuses invalid UTF-8 and the characters a portable name must
// not hold: backslashes, colons, NUL and other control characters, those
// Windows forbids, and invisible ones (macOS's HFS+ ignores some of them,
// so "up\u200cdates" is "updates" there).
func checkChars(s string) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("not valid UTF-8")
	}
	for _, r := range s {
		switch {
		case r == '\\':
			return fmt.Errorf("backslash: folders are separated by /")
		case r == ':':
			return fmt.Errorf("colon: Windows reads it as a drive letter or an alternate data stream")
		case r == 0:
			return fmt.Errorf("NUL character")
		case strings.ContainsRune(`<>"|?*`, r):
			return fmt.Errorf("character %q is not allowed in Windows file names", r)
		case unicode.IsControl(r):
			return fmt.Errorf("control character %U", r)
		case unicode.Is(unicode.Cf, r):
			return fmt.Errorf("invisible character %U (macOS ignores some in file names)", r)
		}
	}
	return nil
}

// checkName refuses one path element that Windows would take for another
// file or for a device: a name ending in a dot or a space (Windows drops
// them), a reserved device name with or without an extension (CON, PRN,
// AUX, NUL, COM0-9, LPT0-9, CONIN$, CONOUT$), and the shape of a short 8.3
// name (PROGRA~1), which can stand for another file's long name.
func checkName(name string) error {
	if strings.HasSuffix(name, ".") || strings.HasSuffix(name, " ") {
		return fmt.Errorf("%q ends in a dot or a space, which Windows drops (it would be the file %q there)", name, strings.TrimRight(name, ". "))
	}
	base, ext, hasExt := strings.Cut(name, ".")
	if reservedName(strings.TrimRight(base, " ")) {
		return fmt.Errorf("%q is a device name on Windows (CON, PRN, AUX, NUL, COM0-9, LPT0-9, with or without an extension)", name)
	}
	if shortName(base, ext, hasExt) {
		return fmt.Errorf("%q has the shape of a Windows short name (like PROGRA~1), which can stand for another file", name)
	}
	return nil
}

// reservedName reports whether base (a name without its extension) names
// a device on Windows.
func reservedName(base string) bool {
	u := strings.ToUpper(base)
	switch u {
	case "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$":
		return true
	}
	if len(u) < 4 || (u[:3] != "COM" && u[:3] != "LPT") {
		return false
	}
	switch rest := u[3:]; rest {
	case "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "\u00b9", "\u00b2", "\u00b3":
		return true
	}
	return false
}

// shortName reports whether a name split at its first dot has the shape
// of an 8.3 short name: at most 8 characters ending in ~ and digits, and
// an extension of at most 3.
func shortName(base, ext string, hasExt bool) bool {
	i := strings.LastIndexByte(base, '~')
	if i < 1 || i == len(base)-1 || len(base) > 8 || (hasExt && (len(ext) > 3 || strings.Contains(ext, "."))) {
		return false
	}
	for _, c := range base[i+1:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// CaseInsensitive reports whether the usual file systems of an operating
// system (a GOOS) take names that differ only by case for one file:
// Windows (NTFS) and macOS (APFS, HFS+).
func CaseInsensitive(goos string) bool {
	return goos == "windows" || goos == "darwin" || goos == "ios"
}

// CaseCollisions returns the pairs of names that differ only by case among
// paths and the folders holding them: "lib/A.jar" and "lib/a.jar", or the
// folders "LIB" and "lib" of "LIB/x" and "lib/y". On a case-insensitive
// system each pair names one file or folder. Each pair is in sorted order,
// and so is the list. Case is folded as Unicode simple folding does, which
// covers what Windows and macOS fold and a little more.
func CaseCollisions(paths []string) [][2]string {
	first := make(map[string]string, len(paths)) // folded -> first spelling
	seen := make(map[string]bool, len(paths))
	var pairs [][2]string
	add := func(p string) {
		if seen[p] {
			return
		}
		seen[p] = true
		k := foldCase(p)
		q, ok := first[k]
		if !ok {
			first[k] = p
			return
		}
		if q > p {
			q, p = p, q
		}
		pairs = append(pairs, [2]string{q, p})
	}
	for _, p := range paths {
		for d := path.Dir(p); d != "." && d != "/"; d = path.Dir(d) {
			add(d)
		}
		add(p)
	}
	sort.Slice(pairs, func(i, j int) bool {
		if pairs[i][0] != pairs[j][0] {
			return pairs[i][0] < pairs[j][0]
		}
		return pairs[i][1] < pairs[j][1]
	})
	return pairs
}

// foldCase maps each rune of s to the smallest rune of its case-folding
// orbit (k, K and the Kelvin sign all become K), so that two names that
// differ only by case map to one string.
func foldCase(s string) string {
	return strings.Map(func(r rune) rune {
		m := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			m = min(m, f)
		}
		return m
	}, s)
}

// CheckUpdateSet checks what a list of updates, applied in order in one
// run, does as a whole, beyond what each change is (CleanPath,
// CheckLinkTarget):
//
//   - no change lands inside a symbolic link the list brings: the system
//     would carry the write to wherever the link points, and
//     CheckLinkTarget counts a link's ".." on the assumption that its
//     folders are real;
//   - when caseInsensitive (see CaseInsensitive), no two paths it touches
//     differ only by case: there they are one file, and one change would
//     overwrite or remove the other.
func CheckUpdateSet(us []Update, caseInsensitive bool) error {
	links := map[string]int{} // a link the list brings so far -> its update's number
	for _, u := range us {
		for _, c := range u.Files {
			for d := path.Dir(c.Path); d != "." && !c.Remove; d = path.Dir(d) {
				if n, ok := links[d]; ok {
					return fmt.Errorf("update %d puts %s inside %s, a symbolic link that update %d brings: the tool never writes through a link; ask the vendor to publish it again",
						u.Number, c.Path, d, n)
				}
			}
			if !c.Remove && c.Kind == KindSymlink {
				links[c.Path] = u.Number
			} else {
				delete(links, c.Path)
			}
		}
	}
	if caseInsensitive {
		return checkCase(us)
	}
	return nil
}

// checkCase refuses updates that, taken together, touch two paths that
// differ only by case (added, changed or removed, in one update or in
// two).
func checkCase(us []Update) error {
	where := map[string]int{} // path -> index in us of the first update touching it
	var paths []string
	for i, u := range us {
		for _, c := range u.Files {
			if _, ok := where[c.Path]; !ok {
				where[c.Path] = i
				paths = append(paths, c.Path)
			}
		}
	}
	pairs := CaseCollisions(paths)
	if len(pairs) == 0 {
		return nil
	}
	a, b := pairs[0][0], pairs[0][1]
	ia, ib := firstUnder(where, us, a), firstUnder(where, us, b)
	if ia == ib {
		return fmt.Errorf("update %d touches both %s and %s, which differ only by case: on %s they are the same file, so it cannot be applied safely; ask the vendor to publish it again without one of them",
			us[ia].Number, a, b, runtime.GOOS)
	}
	if ia > ib {
		ia, ib = ib, ia
		a, b = b, a
	}
	return fmt.Errorf("update %d touches %s and update %d touches %s, which differ only by case: on %s they are the same file, so they cannot be applied in one run; update up to level %d first (-t %d), then run again",
		us[ia].Number, a, us[ib].Number, b, runtime.GOOS, us[ia].Timestamp, us[ia].Timestamp)
}

// firstUnder returns the index of the first update touching p or a path
// inside the folder p (there is one: p comes from the paths of where).
func firstUnder(where map[string]int, us []Update, p string) int {
	best := len(us) - 1
	for q, i := range where {
		if (q == p || strings.HasPrefix(q, p+"/")) && i < best {
			best = i
		}
	}
	return best
}
