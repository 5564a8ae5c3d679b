package publish

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"inplace/internal/api"
	"inplace/internal/store"
)

// HotfixOptions says what to publish as a hotfix.
type HotfixOptions struct {
	Product string   // the product key, e.g. "wso2am-4.2.0"
	ID      string   // the hotfix's id, unique within the product
	Users   []string // the accounts it is published for; at least one
	Source  string   // a folder or zip laid out as an update's: update.yaml and files/
}

// PublishHotfix publishes a hotfix of a product for the named accounts and
// returns it as stored. Its folder is an update's (update.yaml and files/),
// read against the product's newest level; its update.yaml may not say
// security or hotfixes. Each account must exist and be subscribed to the
// product; an id published already is refused.
func (p *Publisher) PublishHotfix(ctx context.Context, o HotfixOptions) (store.Hotfix, error) {
	if !api.ValidHotfixID(o.ID) {
		return store.Hotfix{}, fmt.Errorf("hotfix id %q: use letters, digits, '.', '_' and '-', starting with a letter or digit, at most 64", o.ID)
	}
	if len(o.Users) == 0 {
		return store.Hotfix{}, errors.New("a hotfix is published for named accounts: give at least one --user")
	}
	prod, err := p.Store.Product(ctx, o.Product)
	if errors.Is(err, store.ErrNotFound) {
		return store.Hotfix{}, fmt.Errorf("product %s is not known: add it first with update-server product add", o.Product)
	}
	if err != nil {
		return store.Hotfix{}, err
	}
	users := slices.Clone(o.Users)
	slices.Sort(users)
	users = slices.Compact(users)
	for _, name := range users {
		u, err := p.Store.User(ctx, name)
		if errors.Is(err, store.ErrNotFound) {
			return store.Hotfix{}, fmt.Errorf("user %s does not exist: add it first with update-server user add", name)
		}
		if err != nil {
			return store.Hotfix{}, err
		}
		if !slices.ContainsFunc(u.Subscriptions, func(s store.Subscription) bool { return s.Product == prod.Key }) {
			return store.Hotfix{}, fmt.Errorf("user %s has no subscription to %s: it could never fetch the hotfix", name, prod.Key)
		}
	}
	existing, err := p.Store.Hotfixes(ctx, prod.Key)
	if err != nil {
		return store.Hotfix{}, err
	}
	for _, h := range existing {
		if h.ID == o.ID {
			return store.Hotfix{}, fmt.Errorf("hotfix %s of %s is published already (%s): hotfixes never change; publish a new id", o.ID, prod.Key, h.Published.Format("2006-01-02 15:04 UTC"))
		}
	}

	base, err := p.Store.Base(ctx, prod.Key)
	if err != nil {
		return store.Hotfix{}, err
	}
	history, err := p.Store.Updates(ctx, prod.Key, store.UpdateFilter{})
	if err != nil {
		return store.Hotfix{}, err
	}
	level := store.Pristine(base, history)
	t, err := readTree(o.Source)
	if err != nil {
		return store.Hotfix{}, fmt.Errorf("read hotfix: %w", err)
	}
	defer t.Close()
	d, files, nodes, err := readUpdate(ctx, t, level, o.Source)
	if err != nil {
		return store.Hotfix{}, err
	}
	if d.Security {
		return store.Hotfix{}, fmt.Errorf("%s: a hotfix is in no channel: remove security from its %s", o.Source, DescriptorFile)
	}
	if len(d.Hotfixes) > 0 {
		return store.Hotfix{}, fmt.Errorf("%s: hotfixes in %s is for updates that include hotfixes, not for a hotfix", o.Source, DescriptorFile)
	}
	if err := checkCaseChanges(level, files); err != nil {
		return store.Hotfix{}, err
	}
	if len(files) == 0 {
		return store.Hotfix{}, fmt.Errorf("hotfix %s changes no file (files/ and removed_files are empty): %w", o.Source, errEmpty)
	}
	var changed []api.Entry
	for _, c := range files {
		if !c.Remove {
			changed = append(changed, c.Entry)
		}
	}
	if err := p.putBlobsFrom(ctx, nodes, changed); err != nil {
		return store.Hotfix{}, err
	}
	h := store.Hotfix{Hotfix: api.Hotfix{Product: prod.Key, ID: o.ID, Description: d.Description,
		Instructions: d.Instructions, BugFixes: d.BugFixes, Files: files, Published: p.now().UTC()}, Users: users}
	if err := p.Store.AddHotfix(ctx, h); err != nil {
		if errors.Is(err, store.ErrExists) {
			return store.Hotfix{}, fmt.Errorf("hotfix %s of %s is published already: hotfixes never change; publish a new id", o.ID, prod.Key)
		}
		return store.Hotfix{}, err
	}
	h.Published = h.Published.Truncate(1e6)
	return h, nil
}

// checkIncluded refuses an update that says it includes a hotfix the
// product does not have.
func (p *Publisher) checkIncluded(ctx context.Context, product string, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	hs, err := p.Store.Hotfixes(ctx, product)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if !slices.ContainsFunc(hs, func(h store.Hotfix) bool { return h.ID == id }) {
			return fmt.Errorf("%s names hotfix %s, which %s does not have (see update-server hotfix list): nothing was published", DescriptorFile, id, product)
		}
	}
	return nil
}
