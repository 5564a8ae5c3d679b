// Package home knows the layout of a PRODUCT_HOME as the update tool sees it:
// the product it holds, the tool's own state under updates/ (level, applied
// updates, pending conflicts, revertable runs), the saved session, the run
// lock and the product server's pid file. It reads and writes only the
// tool's files; it never touches the product's files.
package home

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"inplace/internal/api"
	"inplace/internal/fsx"
	"inplace/internal/merge"
	"inplace/internal/rules"
)

// Home is one PRODUCT_HOME.
type Home struct {
	Dir string // absolute path of PRODUCT_HOME
}

// Names of the tool's files under PRODUCT_HOME.
const (
	ToolDir     = "updates"
	ProductFile = "updates/product.txt"
	StateFile   = "updates/state.json"
	SessionFile = "updates/session.json"
	JournalFile = "updates/journal.json"
	LockFile    = "updates/.lock"
	BackupDir   = "updates/backup"
	RulesFile   = "updates/merge-rules"
	PidFile     = "wso2carbon.pid"
	// ConfigFile holds the customer's settings of the tool (see Config).
	ConfigFile = "updates/config"
	// InstallationFile holds the installation's random id, which its
	// reports to the update server carry.
	InstallationFile = "updates/installation-id"
)

// Open checks that dir looks like a PRODUCT_HOME (it has updates/product.txt)
// and returns it.
func Open(dir string) (*Home, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	h := &Home{Dir: abs}
	if _, err := h.Product(); err != nil {
		return nil, err
	}
	return h, nil
}

// Path returns the absolute path of a slash-separated path relative to the home.
func (h *Home) Path(rel string) string {
	return filepath.Join(h.Dir, filepath.FromSlash(rel))
}

// Product returns the product key named by updates/product.txt.
func (h *Home) Product() (string, error) {
	b, err := os.ReadFile(h.Path(ProductFile))
	if errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("%s is not a product home: %s is missing (use --home to point at the product's folder)", h.Dir, ProductFile)
	}
	if err != nil {
		return "", err
	}
	p := strings.TrimSpace(string(b))
	if p == "" || strings.ContainsAny(p, " \t\r\n/\\") {
		return "", fmt.Errorf("%s does not name a product (it holds %q)", h.Path(ProductFile), p)
	}
	return p, nil
}

// Applied is an update the home has received, as recorded locally.
type Applied = api.Update

// Conflict is one path left for the customer to resolve.
type Conflict struct {
	Path   string        `json:"path"`
	Reason string        `json:"reason"`
	Old    bool          `json:"old"`             // F.old was written
	Update bool          `json:"updated"`         // F.updated was written
	Merge  *merge.Report `json:"merge,omitempty"` // the conflicting settings, when known
}

// MergeRecord keeps what the merge of one file did, with the level it
// brought, so that --details can show it later.
type MergeRecord struct {
	Run    string        `json:"run"`
	Level  int64         `json:"level"`
	Path   string        `json:"path"`
	Report *merge.Report `json:"report"`
}

// Pending is an update run stopped on conflicts: its level is not reached
// until --continue puts every F.final in place.
type Pending struct {
	Run       string     `json:"run"`
	Level     int64      `json:"level"`   // the level the run brings
	Applied   []Applied  `json:"applied"` // the updates it brings
	Conflicts []Conflict `json:"conflicts"`
	// Hotfixes, when set, are the state's Hotfixes and FoldedHotfixes once
	// the run is finished: a run that applies, reverts or folds in a
	// hotfix changes them.
	Hotfixes *HotfixSet `json:"hotfixes,omitempty"`
}

// AppliedHotfix is a hotfix the home received, as recorded locally.
type AppliedHotfix struct {
	api.Hotfix
	// Level is the update level the hotfix was applied at: in the vendor's
	// view of the home it comes after the updates up to that level and
	// before later ones.
	Level      int64     `json:"level"`
	Run        string    `json:"run"`                   // the run that applied it
	AppliedAt  time.Time `json:"applied_at"`            // when
	IncludedIn int       `json:"included_in,omitempty"` // the update that folded it in
}

// HotfixSet is the hotfixes a home holds.
type HotfixSet struct {
	Applied []AppliedHotfix `json:"applied"`
	Folded  []AppliedHotfix `json:"folded,omitempty"`
}

// State is the tool's record of the home, in updates/state.json. It is the
// commit point of every transaction: a transaction has happened exactly when
// State.Txn names it.
type State struct {
	Product string        `json:"product"`
	Level   int64         `json:"level"`               // 0: the base distribution
	Channel string        `json:"channel"`             // channel of the last update, "" before any
	Applied []Applied     `json:"applied"`             // in order
	Runs    []string      `json:"runs"`                // runs that --revert can undo, oldest first
	Keep    int           `json:"keep_runs,omitempty"` // how many runs to keep for --revert; 0: all
	Pending *Pending      `json:"pending,omitempty"`
	Merges  []MergeRecord `json:"merges,omitempty"` // setting-by-setting merges of the applied runs
	Txn     string        `json:"txn,omitempty"`    // the last committed transaction
	// Hotfixes are the hotfixes applied and not folded into an update, in
	// the order applied; FoldedHotfixes those an applied update included.
	Hotfixes       []AppliedHotfix `json:"hotfixes,omitempty"`
	FoldedHotfixes []AppliedHotfix `json:"folded_hotfixes,omitempty"`
}

// LoadState reads updates/state.json; a home never updated is at level 0.
func (h *Home) LoadState() (*State, error) {
	product, err := h.Product()
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(h.Path(StateFile))
	if errors.Is(err, fs.ErrNotExist) {
		return &State{Product: product}, nil
	}
	if err != nil {
		return nil, err
	}
	var s State
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("%s is damaged (%v): restore it from a backup of the product home or reinstall", h.Path(StateFile), err)
	}
	if s.Product != product {
		return nil, fmt.Errorf("%s is for product %q but %s names %q", h.Path(StateFile), s.Product, ProductFile, product)
	}
	return &s, nil
}

// SaveState writes the state atomically and durably.
func (h *Home) SaveState(s *State) error {
	return writeJSON(h.Path(StateFile), s, writePublic)
}

// Rules reads updates/merge-rules; a home without the file has no rules.
func (h *Home) Rules() (rules.Rules, error) {
	f, err := os.Open(h.Path(RulesFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return rules.Parse(f, h.Path(RulesFile))
}

// Session is a login kept between runs: tokens, never the password. The
// access token (Token) is short-lived; the refresh token buys a new pair
// of tokens once, without the password.
type Session struct {
	Server           string `json:"server"`
	Username         string `json:"username"`
	Product          string `json:"product"`
	Channel          string `json:"channel"`
	Token            string `json:"token"`
	ExpiresAt        int64  `json:"expires_at"` // unix seconds
	RefreshToken     string `json:"refresh_token,omitempty"`
	RefreshExpiresAt int64  `json:"refresh_expires_at,omitempty"` // unix seconds
}

// LoadSession returns the saved session, or nil when there is none or it
// cannot be read.
func (h *Home) LoadSession() *Session {
	b, err := os.ReadFile(h.Path(SessionFile))
	if err != nil {
		return nil
	}
	var s Session
	if json.Unmarshal(b, &s) != nil || s.Token == "" {
		return nil
	}
	return &s
}

// SaveSession writes the session readable only by its owner.
func (h *Home) SaveSession(s *Session) error {
	return writeJSON(h.Path(SessionFile), s, fsx.WritePrivate)
}

// ForgetSession removes the saved session.
func (h *Home) ForgetSession() error {
	return fsx.RemoveIfExists(h.Path(SessionFile))
}

func writePublic(name string, b []byte) error { return fsx.WriteFile(name, b, 0o644) }

// writeJSON writes v as indented JSON with write, creating the folder.
func writeJSON(name string, v any, write func(string, []byte) error) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return err
	}
	return write(name, append(b, '\n'))
}

// ReadJSON decodes the JSON file name into v.
func ReadJSON(name string, v any) error {
	b, err := os.ReadFile(name)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s is damaged: %v", name, err)
	}
	return nil
}

// WriteJSON encodes v into the file name atomically.
func WriteJSON(name string, v any) error { return writeJSON(name, v, writePublic) }
