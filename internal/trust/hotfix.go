package trust

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"inplace/internal/api"
	"inplace/internal/client"
)

// Hotfix fetches the descriptor of hotfix id of product, verified against
// the signed metadata, and checks that it is the one its path names. It
// returns api.ErrHotfixNotPublished (wrapped) when the hotfix is not signed,
// or the server answers that this account may not read it.
func (s *Source) Hotfix(ctx context.Context, product, id string) (api.Hotfix, error) {
	var h api.Hotfix
	if !api.ValidHotfixID(id) {
		return h, fmt.Errorf("%q is not a hotfix id: %w", id, api.ErrHotfixNotPublished)
	}
	p := api.HotfixTarget(product, id)
	if s.Meta.Target(p) == nil {
		return h, fmt.Errorf("%s: %w", p, api.ErrHotfixNotPublished)
	}
	b, err := s.target(ctx, p)
	var ce *client.Error
	if errors.As(err, &ce) && ce.Status == http.StatusNotFound {
		return h, fmt.Errorf("%s: %w", p, api.ErrHotfixNotPublished)
	}
	if err != nil {
		return h, err
	}
	if err := json.Unmarshal(b, &h); err != nil {
		return h, fmt.Errorf("hotfix descriptor %s: %v", p, err)
	}
	if h.Product != product || h.ID != id {
		return h, fmt.Errorf("hotfix descriptor %s describes hotfix %s of %s: descriptors were mixed up (a mix-and-match attack); nothing was changed",
			p, h.ID, h.Product)
	}
	return h, nil
}

// PublishedHotfixes lists the hotfixes of the session's product published
// for its account, as the server says (an unsigned list: applying one
// fetches its signed descriptor). An offline bundle lists none.
func (s *Source) PublishedHotfixes(ctx context.Context, product string) ([]api.HotfixSummary, error) {
	lister, ok := s.Client.(interface {
		Hotfixes(context.Context) ([]api.HotfixSummary, error)
	})
	if !ok {
		return nil, nil
	}
	return lister.Hotfixes(ctx)
}
