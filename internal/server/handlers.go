package server

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"golang.org/x/mod/semver"

	"inplace/internal/api"
	"inplace/internal/blob"
	"inplace/internal/store"
)

// productOf checks that the product in the path is the token's. It answers
// and returns false when it is not.
func productOf(w http.ResponseWriter, r *http.Request, t store.Token) (string, bool) {
	p := r.PathValue("product")
	if p != t.Product {
		writeError(w, http.StatusForbidden, fmt.Sprintf("the token is for product %s, not %s; log in for %s", t.Product, p, p))
		return "", false
	}
	return p, true
}

func queryLevel(r *http.Request, name string) (int64, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%s=%q: must be an update level, milliseconds since the epoch", name, v)
	}
	return n, nil
}

// handleUpdates serves GET /v1/products/{product}/updates?after=L&upto=T.
func (s *Server) handleUpdates(w http.ResponseWriter, r *http.Request) {
	t := tokenFrom(r.Context())
	product, ok := productOf(w, r, t)
	if !ok {
		return
	}
	after, err := queryLevel(r, "after")
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	upto, err := queryLevel(r, "upto")
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	updates, err := s.store.Updates(r.Context(), product, store.UpdateFilter{
		After: after, Upto: upto, SecurityOnly: t.Channel != api.ChannelFull,
	})
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusNotFound, fmt.Sprintf("product %s is not known to this server", product))
		return
	}
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, api.UpdateList{Product: product, Channel: t.Channel, Updates: updates})
}

// handlePristine serves POST /v1/products/{product}/pristine.
func (s *Server) handlePristine(w http.ResponseWriter, r *http.Request) {
	t := tokenFrom(r.Context())
	product, ok := productOf(w, r, t)
	if !ok {
		return
	}
	var req api.PristineRequest
	if status, err := readBody(w, r, maxPristineBody, &req); err != nil {
		writeError(w, status, err.Error())
		return
	}
	paths, err := checkPristineRequest(req)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}

	ctx := r.Context()
	// Any update of the product may be named, whatever the token's channel:
	// an installation that took full updates may later follow the security
	// channel, and its pristine state still includes them. The answer holds
	// hashes of the paths asked for, never content.
	updates, err := s.store.Updates(ctx, product, store.UpdateFilter{})
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusNotFound, fmt.Sprintf("product %s is not known to this server", product))
		return
	}
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	known := map[int]bool{}
	for _, u := range updates {
		known[u.Number] = true
	}
	applied := map[int]bool{}
	for _, n := range req.Applied {
		if !known[n] {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("update %d of product %s is not known", n, product))
			return
		}
		applied[n] = true
	}
	var selected []api.Update
	for _, u := range updates { // in timestamp order
		if applied[u.Number] {
			selected = append(selected, u)
		}
	}
	base, err := s.store.Base(ctx, product)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	state := store.Pristine(base, selected)
	resp := api.PristineResponse{Entries: make(map[string]*api.Entry, len(paths))}
	for i, p := range paths {
		if e, ok := state[p]; ok {
			resp.Entries[req.Paths[i]] = &e
		} else {
			resp.Entries[req.Paths[i]] = nil
		}
	}
	writeJSON(w, http.StatusOK, resp)
}

// handleBlob serves GET /v1/blobs/{sha256}: a blob the token may read, with
// Range support. A blob the token may not read is answered as missing.
func (s *Server) handleBlob(w http.ResponseWriter, r *http.Request) {
	t := tokenFrom(r.Context())
	sum := r.PathValue("sha256")
	notFound := func() { writeError(w, http.StatusNotFound, fmt.Sprintf("blob %s not found", sum)) }
	if !blob.ValidHash(sum) {
		notFound()
		return
	}
	ok, err := s.blobVisible(r.Context(), sum, t)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	if !ok {
		s.Audit(r, store.AuditEvent{Action: store.AuditDownload, Username: t.Username, Product: t.Product,
			Detail: sum + ": not visible to the token's product and channel"})
		notFound()
		return
	}
	if s.redirect > 0 {
		s.redirectBlob(w, r, sum)
		return
	}
	s.serveBlob(w, r, sum, sum, "private, max-age=31536000, immutable", notFound)
}

// redirectBlob answers with a redirect to a URL of the blob store that
// serves the blob for s.redirect, and audits the download as redirected.
// The client verifies the bytes against the signed metadata, as it does
// those the server sends.
func (s *Server) redirectBlob(w http.ResponseWriter, r *http.Request, sum string) {
	u, err := s.blobs.(blob.Presigner).Presign(r.Context(), sum, s.redirect)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	t := tokenFrom(r.Context())
	s.Audit(r, store.AuditEvent{Action: store.AuditDownload, OK: true, Username: t.Username, Product: t.Product,
		Detail: sum + ": redirected to the blob store"})
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, u.String(), http.StatusFound)
}

// serveBlob answers with the content named by sum (Range and ETag
// included) and audits the download as detail; a blob missing from the
// blob store is logged and answered with notFound.
func (s *Server) serveBlob(w http.ResponseWriter, r *http.Request, sum, detail, cacheControl string, notFound func()) {
	rc, _, err := s.blobs.Open(r.Context(), sum)
	if errors.Is(err, blob.ErrNotFound) {
		s.log.Error("content named by the metadata is missing from the blob store", "path", r.URL.Path, "sha256", sum)
		notFound()
		return
	}
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	defer rc.Close()
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("ETag", `"`+sum+`"`)
	h.Set("Cache-Control", cacheControl)
	h.Set("X-Content-Type-Options", "nosniff")
	s.serveDownload(w, r, detail, rc)
}

// handleToolLatest serves GET /v1/tools/latest?os=O&arch=A.
func (s *Server) handleToolLatest(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	goos, goarch := q.Get("os"), q.Get("arch")
	if goos == "" || goarch == "" {
		writeError(w, http.StatusBadRequest, "os and arch are required, e.g. ?os=linux&arch=amd64")
		return
	}
	releases, err := s.store.ToolReleases(r.Context(), goos, goarch)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	var best *store.ToolRelease
	for i := range releases {
		if best == nil || compareVersions(releases[i].Version, best.Version) > 0 {
			best = &releases[i]
		}
	}
	if best == nil {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no release of the update tool for %s/%s", goos, goarch))
		return
	}
	writeJSON(w, http.StatusOK, best.ToolRelease)
}

// compareVersions compares two semantic versions, with or without a leading
// "v", by precedence: -1, 0 or +1.
func compareVersions(a, b string) int {
	return semver.Compare("v"+strings.TrimPrefix(a, "v"), "v"+strings.TrimPrefix(b, "v"))
}
