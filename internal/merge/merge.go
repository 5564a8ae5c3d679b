package merge

import (
	"bytes"
	"path"
	"strings"
	"unicode/utf8"
)

// Reasons a file is not merged, as reported in Result.Reason.
const (
	ReasonArchive = "archive"     // the path names an archive (.jar, .zip, .tar.gz, ...)
	ReasonBinary  = "binary file" // the path names a binary format, or the bytes are not UTF-8 text
)

// Result is the outcome of merging one file.
type Result struct {
	// Merged holds the merged bytes when Clean. Otherwise it holds the
	// merge with conflict markers as git merge-file writes them, using
	// the labels "ours" and "theirs", or nil when the file was not merged
	// at all (Reason is set).
	Merged []byte

	// Clean reports whether the merge succeeded without conflicts.
	Clean bool

	// Conflicts is the number of conflicting hunks; 0 when Clean.
	Conflicts int

	// Reason says why the file was not merged, such as "binary file" or
	// "archive". It is empty for clean merges and for text conflicts.
	Reason string

	// Report tells, setting by setting, what a structure-aware merge took
	// from each side; nil for a plain line merge.
	Report *Report
}

// File merges one file of a product: base is the vendor's pristine bytes
// at the current level, ours the customer's local bytes, theirs the
// vendor's bytes at the target level.
//
// Binary files and archives are never merged: for them File returns
// Clean=false and a Reason, whatever the bytes, so that deciding the
// trivial cases (ours or theirs equal to base) stays with the caller.
// Text files of a format the package knows (TOML, XML, Java properties,
// YAML, JSON) are merged setting by setting; other text files, and those
// the structured merge cannot be sure of, by Lines.
func File(path string, base, ours, theirs []byte) Result {
	if reason := unmergeable(path, base, ours, theirs); reason != "" {
		return Result{Reason: reason}
	}
	switch {
	case bytes.Equal(ours, base), bytes.Equal(ours, theirs):
		return Result{Merged: bytes.Clone(theirs), Clean: true}
	case bytes.Equal(theirs, base):
		return Result{Merged: bytes.Clone(ours), Clean: true}
	}
	if r, ok := structuredFile(path, base, ours, theirs); ok {
		return r
	}
	return Lines(base, ours, theirs)
}

// Lines is the plain line-based three-way merge (diff3 / git merge-file
// semantics). It gives the same clean-or-conflict decision, the same
// number of conflicts and the same bytes as
//
//	git merge-file -p -L ours -L base -L theirs ours base theirs
//
// with git's default settings. A line is a run of bytes ending in a
// newline, or the final bytes of the input if they do not end in one;
// lines compare equal only if their bytes are equal, line ending included.
//
// When ours equals base the result is theirs, and when theirs equals base
// it is ours. Changes of ours and theirs merge cleanly when they are
// identical or separated by at least one line both left untouched;
// overlapping or abutting changes conflict.
//
// The returned Merged never shares memory with the inputs.
func Lines(base, ours, theirs []byte) Result {
	switch {
	case bytes.Equal(ours, base):
		return Result{Merged: bytes.Clone(theirs), Clean: true}
	case bytes.Equal(theirs, base):
		return Result{Merged: bytes.Clone(ours), Clean: true}
	}
	b, o, t := splitLines(base), splitLines(ours), splitLines(theirs)
	merged, conflicts := merge3(b, o, t, diffLines(b, o), diffLines(b, t))
	return Result{Merged: merged, Clean: conflicts == 0, Conflicts: conflicts}
}

// Mergeable reports whether a path with these bytes may be merged as text:
// false for archives and binary formats by extension (.jar .war .car .zip
// .ear .aar .gz .tgz .tar .bz2 .xz .7z .rar .class .so .dll .exe .png .jpg
// .jpeg .gif .ico .keystore .jks .p12 .pfx, in any letter case), for data
// containing a NUL byte, or data that is not valid UTF-8.
func Mergeable(path string, data ...[]byte) bool {
	return unmergeable(path, data...) == ""
}

// unmergeable returns why path with data may not be merged, or "".
func unmergeable(name string, data ...[]byte) string {
	if reason := unmergeableExt[strings.ToLower(path.Ext(name))]; reason != "" {
		return reason
	}
	for _, d := range data {
		if bytes.IndexByte(d, 0) >= 0 || !utf8.Valid(d) {
			return ReasonBinary
		}
	}
	return ""
}

// unmergeableExt maps the extensions of files that are never merged to
// the reason given.
var unmergeableExt = map[string]string{
	".jar": ReasonArchive,
	".war": ReasonArchive,
	".car": ReasonArchive,
	".zip": ReasonArchive,
	".ear": ReasonArchive,
	".aar": ReasonArchive,
	".gz":  ReasonArchive,
	".tgz": ReasonArchive,
	".tar": ReasonArchive,
	".bz2": ReasonArchive,
	".xz":  ReasonArchive,
	".7z":  ReasonArchive,
	".rar": ReasonArchive,

	".class":    ReasonBinary,
	".so":       ReasonBinary,
	".dll":      ReasonBinary,
	".exe":      ReasonBinary,
	".png":      ReasonBinary,
	".jpg":      ReasonBinary,
	".jpeg":     ReasonBinary,
	".gif":      ReasonBinary,
	".ico":      ReasonBinary,
	".keystore": ReasonBinary,
	".jks":      ReasonBinary,
	".p12":      ReasonBinary,
	".pfx":      ReasonBinary,
}
