package server

import (
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"sync"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"inplace/internal/repo"
	"inplace/internal/store"
)

// metadataName matches the metadata files clients ask for: the versioned
// root, snapshot and targets (consistent snapshots) and timestamp.json.
var metadataName = regexp.MustCompile(`^([1-9][0-9]{0,18}\.(root|snapshot|targets)|timestamp)\.json$`)

// handleMetadata serves GET /v1/metadata/{name}: the signed metadata,
// to anyone. It holds no secrets (the targets name paths and hashes;
// their content needs a token), and a client looking for the next root
// version must get 404 when there is none, never 401.
func (s *Server) handleMetadata(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if !metadataName.MatchString(name) {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no metadata file %q", name))
		return
	}
	b, err := s.meta.get(r.Context(), s.store, name)
	if errors.Is(err, store.ErrNotFound) {
		// "No such version yet" holds until the next rotation or
		// publish: shared caches may keep it as long as this server
		// keeps it in memory.
		w.Header().Set("Cache-Control", s.meta.cacheControl())
		writeError(w, http.StatusNotFound, fmt.Sprintf("no metadata file %q", name))
		return
	}
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	if name == store.TimestampFile {
		h.Set("Cache-Control", s.meta.cacheControl())
	} else {
		h.Set("Cache-Control", "public, max-age=31536000, immutable") // versioned: never changes
	}
	w.Write(b)
}

// targetCache keeps the targets of the newest metadata, parsed once per
// timestamp.
type targetCache struct {
	mu      sync.Mutex
	stamp   string
	targets map[string]*metadata.TargetFiles
}

func (s *Server) currentTargets(r *http.Request) (map[string]*metadata.TargetFiles, error) {
	ts, err := s.meta.get(r.Context(), s.store, store.TimestampFile)
	if err != nil {
		return nil, err
	}
	c := &s.targets
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stamp != string(ts) {
		t, err := (&repo.Repo{Store: s.store}).Targets(r.Context())
		if err != nil {
			return nil, err
		}
		c.stamp, c.targets = string(ts), t
	}
	return c.targets, nil
}

// handleTarget serves GET /v1/targets/{path...}: the content of a signed
// target the token's subscription may read (api.TargetVisible, or a hotfix
// published for the token's account). Anything else, present or not, is
// 404.
func (s *Server) handleTarget(w http.ResponseWriter, r *http.Request) {
	t := tokenFrom(r.Context())
	p := r.PathValue("path")
	notFound := func() { writeError(w, http.StatusNotFound, fmt.Sprintf("no target %s for your subscription", p)) }
	visible, err := s.targetVisible(r.Context(), p, t)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	if !visible {
		notFound()
		return
	}
	targets, err := s.currentTargets(r)
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, repo.ErrNotInitialised) {
		notFound()
		return
	}
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	tf, ok := targets[p]
	if !ok {
		notFound()
		return
	}
	sum := hex.EncodeToString(tf.Hashes["sha256"])
	s.serveBlob(w, r, sum, sum, "private, no-cache", notFound)
}
