package publish

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"inplace/internal/api"
	"inplace/internal/fsx"
	"inplace/internal/repo"
	"inplace/internal/store"
)

// Keys sign the service's metadata when something is published.
type Keys struct {
	Targets, Snapshot, Timestamp *repo.Key
}

// Sign makes the signed targets list exactly what the store holds: every
// product's base distribution, every update's descriptor and every release
// of the tool. Descriptors are stored as blobs, so the server serves them
// like any content. It is idempotent: run after each publication, and again
// after one that stopped between storing and signing.
func (p *Publisher) Sign(ctx context.Context, keys Keys) (changed bool, err error) {
	want, err := p.targets(ctx)
	if err != nil {
		return false, err
	}
	r := &repo.Repo{Store: p.Store, Now: p.Now}
	changed, err = r.Sync(ctx, want, keys.Targets, keys.Snapshot, keys.Timestamp)
	if err != nil {
		return false, fmt.Errorf("sign the published metadata: %w", err)
	}
	return changed, nil
}

// targets returns what the service publishes, as TUF targets.
func (p *Publisher) targets(ctx context.Context) (map[string]repo.Target, error) {
	want := map[string]repo.Target{}
	products, err := p.Store.Products(ctx)
	if err != nil {
		return nil, err
	}
	for _, pr := range products {
		files, err := p.Store.Base(ctx, pr.Key)
		if err != nil {
			return nil, err
		}
		if err := p.putTarget(ctx, want, api.BaseTarget(pr.Key), api.Base{Product: pr.Key, Files: files}); err != nil {
			return nil, err
		}
		updates, err := p.Store.Updates(ctx, pr.Key, store.UpdateFilter{})
		if err != nil {
			return nil, err
		}
		for _, u := range updates {
			if err := p.putTarget(ctx, want, api.UpdateTarget(u), u); err != nil {
				return nil, err
			}
		}
		hotfixes, err := p.Store.Hotfixes(ctx, pr.Key)
		if err != nil {
			return nil, err
		}
		for _, h := range hotfixes {
			// The descriptor alone: the accounts it is for are the
			// server's business, and none of them learns the others.
			if err := p.putTarget(ctx, want, api.HotfixTarget(h.Product, h.ID), h.Hotfix); err != nil {
				return nil, err
			}
		}
	}
	for _, goos := range ToolOSes {
		for _, goarch := range ToolArches {
			rels, err := p.Store.ToolReleases(ctx, goos, goarch)
			if err != nil {
				return nil, err
			}
			for _, r := range rels {
				custom, _ := json.Marshal(map[string]string{"version": r.Version})
				want[api.ToolTarget(goos, goarch, r.Version)] = repo.Target{SHA256: r.SHA256, Length: r.Size, Custom: custom}
			}
		}
	}
	return want, nil
}

// putTarget stores doc as JSON in the blobs and adds it to want at path.
func (p *Publisher) putTarget(ctx context.Context, want map[string]repo.Target, path string, doc any) error {
	b, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	sum := fsx.HashBytes(b)
	// Every publication signs all targets again; only new content is written.
	has, err := p.Blobs.Has(ctx, sum)
	if err != nil {
		return err
	}
	if !has {
		if _, _, err := p.Blobs.Put(ctx, bytes.NewReader(b), sum); err != nil {
			return fmt.Errorf("store %s: %w", path, err)
		}
	}
	want[path] = repo.Target{SHA256: sum, Length: int64(len(b))}
	return nil
}
