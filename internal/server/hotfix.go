package server

import (
	"context"
	"errors"
	"net/http"
	"slices"

	"inplace/internal/api"
	"inplace/internal/store"
)

// blobVisible reports whether the token may read the blob with hash sum:
// content of its product's base, of the updates of its channel, of a tool
// release, or of a hotfix of its product published for its account.
func (s *Server) blobVisible(ctx context.Context, sum string, t store.Token) (bool, error) {
	ok, err := s.store.BlobVisible(ctx, sum, t.Product, t.Channel)
	if err != nil || ok {
		return ok, err
	}
	return s.store.HotfixBlobVisible(ctx, sum, t.Product, t.Username)
}

// targetVisible reports whether the token may read the target at p: what
// api.TargetVisible allows, and the hotfixes of its product published for
// its account.
func (s *Server) targetVisible(ctx context.Context, p string, t store.Token) (bool, error) {
	if api.TargetVisible(p, t.Product, t.Channel) {
		return true, nil
	}
	product, id, ok := api.ParseHotfixTarget(p)
	if !ok || product != t.Product {
		return false, nil
	}
	hs, err := s.hotfixesFor(ctx, t)
	if err != nil {
		return false, err
	}
	return slices.ContainsFunc(hs, func(h store.Hotfix) bool { return h.ID == id }), nil
}

// hotfixesFor returns the hotfixes of the token's product published for
// its account, in the order published.
func (s *Server) hotfixesFor(ctx context.Context, t store.Token) ([]store.Hotfix, error) {
	all, err := s.store.Hotfixes(ctx, t.Product)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var mine []store.Hotfix
	for _, h := range all {
		if slices.Contains(h.Users, t.Username) {
			mine = append(mine, h)
		}
	}
	return mine, nil
}

// handleHotfixes serves GET /v1/hotfixes: the ids and descriptions of the
// hotfixes of the token's product published for the token's account. The
// descriptors are signed targets (api.HotfixTarget).
func (s *Server) handleHotfixes(w http.ResponseWriter, r *http.Request) {
	t := tokenFrom(r.Context())
	hs, err := s.hotfixesFor(r.Context(), t)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	list := api.HotfixList{Product: t.Product, Hotfixes: []api.HotfixSummary{}}
	for _, h := range hs {
		list.Hotfixes = append(list.Hotfixes, api.HotfixSummary{ID: h.ID, Description: h.Description, Published: h.Published})
	}
	writeJSON(w, http.StatusOK, list)
}
