package api

import (
	"errors"
	"regexp"
	"strings"
	"time"
)

// Hotfix is the descriptor of a hotfix: a small change published for named
// accounts of a product, outside the stream of updates. Its files are
// changes as an update's; applying it does not change the update level.
// The accounts it is published for are not in the descriptor: each of them
// reads it, and must not learn the others.
type Hotfix struct {
	Product      string    `json:"product"`
	ID           string    `json:"id"`
	Description  string    `json:"description"`
	Instructions string    `json:"instructions,omitempty"`
	BugFixes     []BugFix  `json:"bug_fixes,omitempty"`
	Files        []Change  `json:"files"` // sorted by path
	Published    time.Time `json:"published"`
}

// ErrHotfixNotPublished: the signed metadata has no such hotfix, or the
// server does not let the account read it.
var ErrHotfixNotPublished = errors.New("hotfix not published for this account")

// hotfixID is what a hotfix id may hold: it becomes part of a target path
// and of file names.
var hotfixID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// ValidHotfixID reports whether id may name a hotfix.
func ValidHotfixID(id string) bool { return hotfixID.MatchString(id) }

// HotfixTarget is the target path of a hotfix's descriptor.
func HotfixTarget(product, id string) string { return product + "/hotfixes/" + id + ".json" }

// ParseHotfixTarget returns the product and hotfix id a hotfix's target
// path names; ok is false for any other path.
func ParseHotfixTarget(p string) (product, id string, ok bool) {
	parts := strings.Split(p, "/")
	if len(parts) != 3 || parts[1] != "hotfixes" || !strings.HasSuffix(parts[2], ".json") {
		return "", "", false
	}
	id = strings.TrimSuffix(parts[2], ".json")
	if parts[0] == "" || !ValidHotfixID(id) {
		return "", "", false
	}
	return parts[0], id, true
}

// AsUpdate returns the hotfix's changes as an update's, for the code that
// folds changes into a state (number 0, level unchanged).
func (h Hotfix) AsUpdate() Update {
	return Update{Product: h.Product, Description: h.Description, Instructions: h.Instructions,
		BugFixes: h.BugFixes, Files: h.Files, Published: h.Published}
}
