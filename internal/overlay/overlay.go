// Package overlay is the format of a customisation overlay: what
// `update --status --export DIR` writes and `update --apply-overlay DIR`
// reads. An overlay is a folder:
//
//	DIR/overlay.json         the manifest (Manifest): format version, product, level,
//	                         and per path its kind and its pristine and local versions
//	DIR/files/<path>         the customer's version of each modified or added path
//	                         (a file with its mode, or a symbolic link)
//	DIR/pristine/<path>      the vendor's version of each modified path at the
//	                         overlay's level, the base of a three-way merge later
//
// An overlay comes from outside the product and may have been edited or
// forged, so Parse checks the manifest strictly; checking that the files
// match it is the reader's part (it does I/O, this package does none).
package overlay

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"inplace/internal/api"
	"inplace/internal/drift"
	"inplace/internal/plan"
)

// Names inside an overlay folder.
const (
	ManifestFile = "overlay.json"
	FilesDir     = "files"
	PristineDir  = "pristine"
)

// Format is the version of the manifest this package writes and reads.
const Format = 1

// Limits on what Parse accepts.
const (
	MaxManifest = 64 << 20 // bytes of overlay.json
	MaxFiles    = api.MaxPaths
	MaxFileSize = 4 << 30 // bytes of one file
)

// Manifest is DIR/overlay.json.
type Manifest struct {
	Format  int    `json:"format"`  // Format
	Product string `json:"product"` // the product key, as updates/product.txt names it
	Level   int64  `json:"level"`   // the update level the pristine versions are at
	Files   []File `json:"files"`   // sorted by path
}

// File is one customised path. Pristine is nil for an added path (the
// vendor did not ship it), Local for a removed one.
type File struct {
	Path     string         `json:"path"`
	Kind     drift.Kind     `json:"kind"`
	Pristine *drift.Version `json:"pristine,omitempty"`
	Local    *drift.Version `json:"local,omitempty"`
}

// Marshal encodes m as the manifest's JSON, indented.
func (m *Manifest) Marshal() ([]byte, error) {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// Parse decodes and checks a manifest: one JSON object with no unknown
// fields, of this Format, naming a product, a level, and files whose paths
// are clean, stay inside the home, are not the tool's own (api.ToolPath),
// appear once, and whose versions fit their kind (a modified path's two
// versions differ). Links must stay inside the home, and no path may lie
// inside a link the overlay brings or inside a file it brings.
func Parse(b []byte) (*Manifest, error) {
	if len(b) > MaxManifest {
		return nil, fmt.Errorf("%s: %w: %d bytes, at most %d", ManifestFile, ErrInvalid, len(b), MaxManifest)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var m Manifest
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%s: %w: %v", ManifestFile, ErrInvalid, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("%s: %w: data after its object", ManifestFile, ErrInvalid)
	}
	if err := m.check(); err != nil {
		return nil, fmt.Errorf("%s: %w", ManifestFile, err)
	}
	return &m, nil
}

// ErrInvalid is wrapped by every error of Parse.
var ErrInvalid = errors.New("invalid overlay")

func (m *Manifest) check() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
	}
	if m.Format != Format {
		return bad("format %d, this tool reads format %d", m.Format, Format)
	}
	if m.Product == "" || strings.ContainsAny(m.Product, " \t\r\n/\\") || !validText(m.Product) {
		return bad("product %q is not a product key", m.Product)
	}
	if m.Level < 0 {
		return bad("level %d is negative", m.Level)
	}
	if len(m.Files) > MaxFiles {
		return bad("%d files, at most %d", len(m.Files), MaxFiles)
	}
	seen := make(map[string]*File, len(m.Files))
	var changes []api.Change // what the overlay brings, for api.CheckUpdateSet
	for i, f := range m.Files {
		c, err := api.CleanPath(f.Path)
		if err != nil {
			return bad("file %d: %v", i, err)
		}
		if c != f.Path {
			return bad("path %q is not clean (%q)", f.Path, c)
		}
		if api.ToolPath(f.Path) {
			return bad("%s belongs to the update tool, not to the product", f.Path)
		}
		if seen[f.Path] != nil {
			return bad("%s is listed twice", f.Path)
		}
		seen[f.Path] = &m.Files[i]
		switch f.Kind {
		case drift.Modified:
			if f.Pristine == nil || f.Local == nil {
				return bad("%s: a modified path needs its pristine and local versions", f.Path)
			}
		case drift.Added:
			if f.Pristine != nil || f.Local == nil {
				return bad("%s: an added path has a local version and no pristine one", f.Path)
			}
		case drift.Removed:
			if f.Pristine == nil || f.Local != nil {
				return bad("%s: a removed path has a pristine version and no local one", f.Path)
			}
		default:
			return bad("%s: kind %q, want modified, added or removed", f.Path, f.Kind)
		}
		for _, v := range []*drift.Version{f.Pristine, f.Local} {
			if err := checkVersion(f.Path, v); err != nil {
				return bad("%v", err)
			}
		}
		if f.Kind == drift.Modified && plan.Equal(f.Pristine.Entry(f.Path), f.Local.Entry(f.Path)) {
			return bad("%s is listed as modified but its two versions are the same", f.Path)
		}
		if f.Local == nil {
			changes = append(changes, api.Change{Entry: api.Entry{Path: f.Path}, Remove: true})
		} else {
			changes = append(changes, api.Change{Entry: *f.Local.Entry(f.Path)})
		}
	}
	// A path inside another that the overlay brings (or that was pristine)
	// as a file or link cannot be: one of them would be a folder.
	for _, f := range m.Files {
		for d := path.Dir(f.Path); d != "."; d = path.Dir(d) {
			if g := seen[d]; g != nil && ((g.Local != nil && f.Local != nil) || (g.Pristine != nil && f.Pristine != nil)) {
				return bad("%s is inside %s, which is a file or link too", f.Path, d)
			}
		}
	}
	if err := api.CheckUpdateSet([]api.Update{{Number: 0, Files: changes}}, false); err != nil {
		return bad("%v", err)
	}
	return nil
}

// checkVersion checks one side of a path; nil is fine.
func checkVersion(p string, v *drift.Version) error {
	if v == nil {
		return nil
	}
	switch v.Type {
	case api.KindFile:
		if !isSHA256(v.SHA256) {
			return fmt.Errorf("%s: sha256 %q is not a SHA-256 in lower-case hex", p, v.SHA256)
		}
		if v.Size < 0 || v.Size > MaxFileSize {
			return fmt.Errorf("%s: size %d out of range", p, v.Size)
		}
		if v.Mode&^0o777 != 0 {
			return fmt.Errorf("%s: mode %#o has more than permission bits", p, v.Mode)
		}
		if v.Target != "" {
			return fmt.Errorf("%s: a file has no link target", p)
		}
	case api.KindSymlink:
		if v.SHA256 != "" || v.Size != 0 || v.Mode != 0 {
			return fmt.Errorf("%s: a symbolic link has no sha256, size or mode", p)
		}
		if err := api.CheckLinkTarget(p, v.Target); err != nil {
			return err
		}
	default:
		return fmt.Errorf("%s: type %q, want file or symlink", p, v.Type)
	}
	return nil
}

func isSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// validText refuses control characters in names shown to people.
func validText(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}
