package publish

import (
	"context"
	"errors"
	"fmt"
	"path"
	"regexp"
	"sort"
	"strings"
	"time"

	"inplace/internal/api"
	"inplace/internal/blob"
	"inplace/internal/store"
)

// Publisher publishes into a metadata store and a blob store.
type Publisher struct {
	Store store.Store
	Blobs blob.Store

	// Now returns the current time; nil means time.Now.
	Now func() time.Time

	// PasswordCost is the bcrypt cost of new password hashes; 0 means
	// bcrypt.DefaultCost.
	PasswordCost int
}

func (p *Publisher) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

// namePart is what a product name or version may hold: it becomes part of
// the product key, of URLs and of PRODUCT_HOME/updates/product.txt.
var namePart = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$`)

// ProductKey returns the key of the product with this name and version,
// e.g. "wso2am-4.2.0".
func ProductKey(name, version string) string { return name + "-" + version }

// AddProduct registers product name-version with the base distribution read
// from src, a zip file or a folder. Paths of the update tool (api.ToolPath)
// are left out of the base.
func (p *Publisher) AddProduct(ctx context.Context, name, version, src string) (store.Product, error) {
	if !namePart.MatchString(name) {
		return store.Product{}, fmt.Errorf("product name %q: use letters, digits, '.', '_' and '-', starting with a letter or digit", name)
	}
	if !namePart.MatchString(version) {
		return store.Product{}, fmt.Errorf("product version %q: use letters, digits, '.', '_' and '-', starting with a letter or digit", version)
	}
	key := ProductKey(name, version)
	if _, err := p.Store.Product(ctx, key); err == nil {
		return store.Product{}, fmt.Errorf("product %s already exists", key)
	} else if !errors.Is(err, store.ErrNotFound) {
		return store.Product{}, err
	}

	t, err := readTree(src)
	if err != nil {
		return store.Product{}, fmt.Errorf("read distribution: %w", err)
	}
	defer t.Close()
	entries, err := hashDistribution(ctx, t)
	if err != nil {
		return store.Product{}, fmt.Errorf("read distribution %s: %w", src, err)
	}
	if len(entries) == 0 {
		return store.Product{}, fmt.Errorf("distribution %s holds no files: %w", src, errEmpty)
	}

	if err := p.putBlobs(ctx, t, entries); err != nil {
		return store.Product{}, err
	}
	prod := store.Product{Key: key, Name: name, Version: version, Created: p.now().UTC()}
	if err := p.Store.AddProduct(ctx, prod, entries); err != nil {
		if errors.Is(err, store.ErrExists) {
			return store.Product{}, fmt.Errorf("product %s already exists", key)
		}
		return store.Product{}, err
	}
	return p.Store.Product(ctx, key)
}

// hashDistribution hashes every node of a distribution except the tool's
// own paths.
func hashDistribution(ctx context.Context, t *tree) ([]api.Entry, error) {
	var entries []api.Entry
	for _, n := range t.nodes {
		if api.ToolPath(n.path) {
			continue
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		e, err := hashNode(n)
		if err != nil {
			return nil, err
		}
		entries = append(entries, e)
	}
	return entries, nil
}

// putBlobs stores the content of every file entry the blob store lacks,
// reading it again from the tree and verifying its hash.
func (p *Publisher) putBlobs(ctx context.Context, t *tree, entries []api.Entry) error {
	byPath := make(map[string]node, len(t.nodes))
	for _, n := range t.nodes {
		byPath[n.path] = n
	}
	return p.putBlobsFrom(ctx, byPath, entries)
}

func (p *Publisher) putBlobsFrom(ctx context.Context, nodes map[string]node, entries []api.Entry) error {
	done := map[string]bool{}
	for _, e := range entries {
		if e.Kind != api.KindFile || done[e.SHA256] {
			continue
		}
		done[e.SHA256] = true
		ok, err := p.Blobs.Has(ctx, e.SHA256)
		if err != nil {
			return fmt.Errorf("store %s: %w", e.Path, err)
		}
		if ok {
			continue
		}
		n, found := nodes[e.Path]
		if !found {
			return fmt.Errorf("store %s: no content", e.Path)
		}
		if err := putOne(ctx, p.Blobs, n, e.SHA256); err != nil {
			return fmt.Errorf("store %s: %w", e.Path, err)
		}
	}
	return nil
}

func putOne(ctx context.Context, b blob.Store, n node, sum string) error {
	rc, err := n.open()
	if err != nil {
		return err
	}
	defer rc.Close()
	_, _, err = b.Put(ctx, rc, sum)
	if errors.Is(err, blob.ErrHashMismatch) {
		return fmt.Errorf("the file changed while it was published: %w", err)
	}
	return err
}

// UpdateOptions says what to publish as an update.
type UpdateOptions struct {
	Product string // the product key, e.g. "wso2am-4.2.0"
	Source  string // an update folder or zip; with Distribution, a whole distribution
	// Distribution: Source is a whole newer distribution; the changes are
	// computed against the product's newest level.
	Distribution bool
	Security     bool  // flag the update security (also when update.yaml says so)
	Timestamp    int64 // ms since the epoch; 0 means now

	// Descriptor of a distribution update (an update folder has update.yaml).
	Description  string
	Instructions string
	BugFixes     []api.BugFix
}

// PublishUpdate publishes an update of a product and returns it as stored,
// with its number.
func (p *Publisher) PublishUpdate(ctx context.Context, o UpdateOptions) (api.Update, error) {
	prod, err := p.Store.Product(ctx, o.Product)
	if errors.Is(err, store.ErrNotFound) {
		return api.Update{}, fmt.Errorf("product %s is not known: add it first with update-server product add", o.Product)
	}
	if err != nil {
		return api.Update{}, err
	}
	now := p.now()
	ts := o.Timestamp
	if ts == 0 {
		ts = now.UnixMilli()
	}
	if ts < 0 {
		return api.Update{}, fmt.Errorf("timestamp %d: must be milliseconds since the epoch", ts)
	}
	if !o.Distribution && (o.Description != "" || o.Instructions != "" || len(o.BugFixes) > 0) {
		return api.Update{}, errors.New("description, instructions and bug fixes of an update folder belong in its update.yaml")
	}

	base, err := p.Store.Base(ctx, prod.Key)
	if err != nil {
		return api.Update{}, err
	}
	history, err := p.Store.Updates(ctx, prod.Key, store.UpdateFilter{})
	if err != nil {
		return api.Update{}, err
	}
	if len(history) > 0 {
		newest := history[len(history)-1]
		if ts <= newest.Timestamp {
			return api.Update{}, fmt.Errorf("timestamp %d is not after the newest update of %s (update %d, timestamp %d): timestamps must increase",
				ts, prod.Key, newest.Number, newest.Timestamp)
		}
	}
	level := store.Pristine(base, history)

	t, err := readTree(o.Source)
	if err != nil {
		return api.Update{}, fmt.Errorf("read update: %w", err)
	}
	defer t.Close()

	u := api.Update{Product: prod.Key, Timestamp: ts, Security: o.Security, Published: now.UTC()}
	var nodes map[string]node
	if o.Distribution {
		u.Description, u.Instructions, u.BugFixes = o.Description, o.Instructions, o.BugFixes
		if err := checkBugFixes(u.BugFixes); err != nil {
			return api.Update{}, fmt.Errorf("bug fixes: %w", err)
		}
		u.Files, nodes, err = diffDistribution(ctx, t, level, o.Source)
	} else {
		var d Descriptor
		d, u.Files, nodes, err = readUpdate(ctx, t, level, o.Source)
		u.Description, u.Instructions, u.BugFixes = d.Description, d.Instructions, d.BugFixes
		u.Security = u.Security || d.Security
		u.Hotfixes = d.Hotfixes
	}
	if err != nil {
		return api.Update{}, err
	}
	if err := p.checkIncluded(ctx, prod.Key, u.Hotfixes); err != nil {
		return api.Update{}, err
	}
	if err := checkCaseChanges(level, u.Files); err != nil {
		return api.Update{}, err
	}
	if len(u.Files) == 0 {
		if o.Distribution {
			return api.Update{}, fmt.Errorf("distribution %s is identical to the newest level of %s: %w", o.Source, prod.Key, errEmpty)
		}
		return api.Update{}, fmt.Errorf("update %s changes no file (files/ and removed_files are empty): %w", o.Source, errEmpty)
	}

	var changed []api.Entry
	for _, c := range u.Files {
		if !c.Remove {
			changed = append(changed, c.Entry)
		}
	}
	if err := p.putBlobsFrom(ctx, nodes, changed); err != nil {
		return api.Update{}, err
	}
	u.Number, err = p.Store.AddUpdate(ctx, u)
	if errors.Is(err, store.ErrOutOfOrder) {
		return api.Update{}, fmt.Errorf("timestamp %d is not after the newest update of %s: %w", ts, prod.Key, err)
	}
	if err != nil {
		return api.Update{}, err
	}
	return u, nil
}

// readUpdate reads an update folder or zip: update.yaml and files/. It
// returns the descriptor, the changes sorted by path, and the nodes holding
// the content of each changed path.
func readUpdate(ctx context.Context, t *tree, level map[string]api.Entry, src string) (Descriptor, []api.Change, map[string]node, error) {
	var desc *node
	for _, n := range t.nodes {
		if n.path == DescriptorFile {
			desc = &n
		}
	}
	if desc == nil {
		return Descriptor{}, nil, nil, fmt.Errorf("%s has no %s: an update holds %s and %s/ (use --distribution to publish a whole distribution)", src, DescriptorFile, DescriptorFile, FilesFolder)
	}
	files := map[string]node{}
	for _, n := range t.nodes {
		if n.path == DescriptorFile {
			continue
		}
		rel, ok := strings.CutPrefix(n.path, FilesFolder+"/")
		if !ok {
			return Descriptor{}, nil, nil, fmt.Errorf("%s: unexpected %s: an update holds only %s and %s/", src, n.path, DescriptorFile, FilesFolder)
		}
		if api.ToolPath(rel) {
			return Descriptor{}, nil, nil, fmt.Errorf("%s: %s belongs to the update tool, not to the product", src, n.path)
		}
		n.path = rel
		files[rel] = n
	}
	// Links are checked again now that files/ is the root.
	for _, n := range files {
		if n.kind == api.KindSymlink {
			if err := api.CheckLinkTarget(n.path, n.target); err != nil {
				return Descriptor{}, nil, nil, err
			}
		}
	}
	b, err := readSmallFile(*desc, maxDescriptor)
	if err != nil {
		return Descriptor{}, nil, nil, err
	}
	d, err := ParseDescriptor(b)
	if err != nil {
		return Descriptor{}, nil, nil, err
	}

	var changes []api.Change
	for _, p := range d.RemovedFiles {
		if _, ok := files[p]; ok {
			return Descriptor{}, nil, nil, fmt.Errorf("%s is both in %s/ and in removed_files", p, FilesFolder)
		}
		if _, ok := level[p]; !ok {
			return Descriptor{}, nil, nil, fmt.Errorf("removed_files: %s does not exist at the newest level", p)
		}
		changes = append(changes, api.Change{Entry: api.Entry{Path: p}, Remove: true})
	}
	for _, n := range files {
		if err := ctx.Err(); err != nil {
			return Descriptor{}, nil, nil, err
		}
		e, err := hashNode(n)
		if err != nil {
			return Descriptor{}, nil, nil, err
		}
		changes = append(changes, api.Change{Entry: e})
	}
	sort.Slice(changes, func(i, j int) bool { return changes[i].Path < changes[j].Path })
	if err := checkApplied(level, changes); err != nil {
		return Descriptor{}, nil, nil, err
	}
	return d, changes, files, nil
}

// checkApplied refuses an update that would leave a path both a file and a
// folder at the level it brings.
func checkApplied(level map[string]api.Entry, changes []api.Change) error {
	after := make(map[string]bool, len(level)+len(changes))
	for p := range level {
		after[p] = true
	}
	for _, c := range changes {
		after[c.Path] = !c.Remove
	}
	folders := map[string]string{} // folder -> a path inside it
	for p, present := range after {
		if !present {
			continue
		}
		for dir := path.Dir(p); dir != "."; dir = path.Dir(dir) {
			folders[dir] = p
		}
	}
	for _, c := range changes {
		if c.Remove {
			continue
		}
		if inside, ok := folders[c.Path]; ok {
			return fmt.Errorf("%s is a folder at the level this update brings (it holds %s)", c.Path, inside)
		}
		for dir := path.Dir(c.Path); dir != "."; dir = path.Dir(dir) {
			if after[dir] {
				return fmt.Errorf("%s: its folder %s is a file or symbolic link at the newest level (remove it in removed_files)", c.Path, dir)
			}
		}
	}
	return nil
}

// diffDistribution reads a whole distribution and returns the changes that
// bring level to it: added and modified files and links, removed paths.
func diffDistribution(ctx context.Context, t *tree, level map[string]api.Entry, src string) ([]api.Change, map[string]node, error) {
	for _, n := range t.nodes {
		if n.path == DescriptorFile {
			return nil, nil, fmt.Errorf("%s looks like an update folder (it has %s): publish it without --distribution", src, DescriptorFile)
		}
	}
	entries, err := hashDistribution(ctx, t)
	if err != nil {
		return nil, nil, fmt.Errorf("read distribution %s: %w", src, err)
	}
	nodes := map[string]node{}
	for _, n := range t.nodes {
		nodes[n.path] = n
	}
	var changes []api.Change
	seen := map[string]bool{}
	for _, e := range entries {
		seen[e.Path] = true
		if old, ok := level[e.Path]; !ok || old != e {
			changes = append(changes, api.Change{Entry: e})
		}
	}
	for p := range level {
		if !seen[p] {
			changes = append(changes, api.Change{Entry: api.Entry{Path: p}, Remove: true})
		}
	}
	sort.Slice(changes, func(i, j int) bool { return changes[i].Path < changes[j].Path })
	return changes, nodes, nil
}
