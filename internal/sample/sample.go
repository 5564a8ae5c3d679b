package sample

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// Options controls what Generate writes.
type Options struct {
	Name    string // product name, default "acme-gateway"
	Version string // default "4.2.0"; the product key is Name-Version
}

// Layout names what Generate wrote, all absolute paths under its folder.
type Layout struct {
	Product string   // the product key, e.g. "acme-gateway-4.2.0"
	Base    string   // dir/base: the base distribution, what a customer installs into PRODUCT_HOME
	Updates []string // dir/update-1, dir/update-2: update folders in publish order
	Newer   string   // dir/dist-2: the whole distribution at the level of the last update
}

// paths returns every folder of the layout.
func (l Layout) paths() []string {
	return slices.Concat([]string{l.Base}, l.Updates, []string{l.Newer})
}

// validName is what a product name and a version may look like: they become
// the product key, a single line of product.txt and part of paths.
var validName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$`)

// Generate writes into dir (created if missing) the base distribution of a
// sample product, two update folders and the distribution at the level of
// the last update, and returns where it wrote them. It refuses to overwrite:
// it fails when any of those folders exists. It writes into a temporary
// folder in dir first and leaves nothing behind on failure.
//
// update-1 is a bug-fix update, update-2 a security update; see Customise
// for how they meet a customer's changes. The output depends only on opt.
func Generate(dir string, opt Options) (Layout, error) {
	if opt.Name == "" {
		opt.Name = "acme-gateway"
	}
	if opt.Version == "" {
		opt.Version = "4.2.0"
	}
	for _, s := range []string{opt.Name, opt.Version} {
		if !validName.MatchString(s) {
			return Layout{}, fmt.Errorf("sample: invalid product name or version %q: want letters, digits, '.', '_', '+' or '-'", s)
		}
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return Layout{}, fmt.Errorf("sample: %w", err)
	}
	lay := Layout{
		Product: opt.Name + "-" + opt.Version,
		Base:    filepath.Join(abs, "base"),
		Updates: []string{filepath.Join(abs, "update-1"), filepath.Join(abs, "update-2")},
		Newer:   filepath.Join(abs, "dist-2"),
	}
	for _, p := range lay.paths() {
		if _, err := os.Lstat(p); err == nil {
			return Layout{}, fmt.Errorf("sample: %s: %w", p, fs.ErrExist)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return Layout{}, fmt.Errorf("sample: %w", err)
		}
	}

	base, err := baseTree(lay.Product)
	if err != nil {
		return Layout{}, err
	}
	u1, err := update1(base)
	if err != nil {
		return Layout{}, err
	}
	level1 := u1.apply(base)
	u2, err := update2(level1)
	if err != nil {
		return Layout{}, err
	}
	level2 := u2.apply(level1)

	if err := os.MkdirAll(abs, 0o755); err != nil {
		return Layout{}, fmt.Errorf("sample: %w", err)
	}
	tmp, err := os.MkdirTemp(abs, ".sample-")
	if err != nil {
		return Layout{}, fmt.Errorf("sample: %w", err)
	}
	defer os.RemoveAll(tmp)
	w := writer{replacer: strings.NewReplacer(
		"@NAME@", opt.Name,
		"@VERSION@", opt.Version,
		"@KEY@", lay.Product,
		"@TITLE@", title(opt.Name),
	)}
	staged := map[string]func(string) error{
		lay.Base:       func(d string) error { return w.tree(d, base) },
		lay.Updates[0]: func(d string) error { return w.update(d, u1) },
		lay.Updates[1]: func(d string) error { return w.update(d, u2) },
		lay.Newer:      func(d string) error { return w.tree(d, level2) },
	}
	for _, p := range lay.paths() {
		if err := staged[p](filepath.Join(tmp, filepath.Base(p))); err != nil {
			return Layout{}, err
		}
	}
	for _, p := range lay.paths() {
		if err := os.Rename(filepath.Join(tmp, filepath.Base(p)), p); err != nil {
			for _, q := range lay.paths() {
				if q == p {
					break
				}
				os.RemoveAll(q)
			}
			return Layout{}, fmt.Errorf("sample: %w", err)
		}
	}
	return lay, nil
}

// title turns a product name into words: "acme-gateway" → "Acme Gateway".
func title(name string) string {
	words := strings.FieldsFunc(name, func(r rune) bool { return r == '-' || r == '_' })
	for i, w := range words {
		words[i] = strings.ToUpper(w[:1]) + w[1:]
	}
	return strings.Join(words, " ")
}

// writer writes trees and updates to disk.
type writer struct {
	replacer *strings.Replacer // fills in the placeholders of templates
}

// tree writes t into the new folder root. Modes are set explicitly, so
// that the umask does not change them.
func (w writer) tree(root string, t tree) error {
	for _, p := range slices.Sorted(maps.Keys(t)) {
		f := t[p]
		dst := filepath.Join(root, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return fmt.Errorf("sample: %w", err)
		}
		if f.link != "" {
			if err := os.Symlink(f.link, dst); err != nil {
				return fmt.Errorf("sample: %w (on Windows, symbolic links need Developer Mode or an administrator)", err)
			}
			continue
		}
		data := f.data
		if f.tmpl {
			data = []byte(w.replacer.Replace(string(data)))
		}
		if err := os.WriteFile(dst, data, f.mode); err != nil {
			return fmt.Errorf("sample: %w", err)
		}
		if err := os.Chmod(dst, f.mode); err != nil {
			return fmt.Errorf("sample: %w", err)
		}
	}
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		return os.Chmod(p, 0o755)
	})
}

// update writes u into the new folder root: update.yaml and files/.
func (w writer) update(root string, u *update) error {
	if err := os.Mkdir(root, 0o755); err != nil {
		return fmt.Errorf("sample: %w", err)
	}
	if err := os.Chmod(root, 0o755); err != nil {
		return fmt.Errorf("sample: %w", err)
	}
	if err := w.tree(filepath.Join(root, "files"), u.files); err != nil {
		return err
	}
	p := filepath.Join(root, "update.yaml")
	if err := os.WriteFile(p, u.descriptor(), 0o644); err != nil {
		return fmt.Errorf("sample: %w", err)
	}
	return os.Chmod(p, 0o644)
}
