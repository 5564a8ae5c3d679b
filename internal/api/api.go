// Package api defines the JSON documents exchanged between the update tool and
// update-server under /v1, and the few rules both sides must agree on (paths,
// channels, hashes). It holds types and pure validation only: no I/O.
package api

import (
	"errors"
	"fmt"
	"path"
	"strings"
	"time"
)

// Channels a subscription can receive.
const (
	ChannelFull     = "full"     // every update
	ChannelSecurity = "security" // only updates flagged security
)

// Kinds of entries in a distribution.
const (
	KindFile    = "file"
	KindSymlink = "symlink"
)

// Entry is one path of a distribution at some level: a regular file with its
// content hash, or a symbolic link with its target.
type Entry struct {
	Path   string `json:"path"`             // slash-separated, relative to PRODUCT_HOME, cleaned
	Kind   string `json:"kind"`             // KindFile or KindSymlink
	Mode   uint32 `json:"mode,omitempty"`   // permission bits of a file (0644, 0755)
	SHA256 string `json:"sha256,omitempty"` // hex SHA-256 of a file's bytes
	Size   int64  `json:"size,omitempty"`   // length of a file's bytes
	Target string `json:"target,omitempty"` // target of a symlink, as written in the link
}

// Change is what one update does to one path: Remove, or set it to Entry.
type Change struct {
	Entry
	Remove bool `json:"remove,omitempty"`
}

// BugFix is one bug an update fixes.
type BugFix struct {
	ID      string `json:"id"`
	Summary string `json:"summary"`
}

// Update is the descriptor of one published update.
type Update struct {
	Product      string    `json:"product"`   // e.g. "wso2am-4.2.0"
	Number       int       `json:"number"`    // 1, 2, 3… in order of timestamp within a product
	Timestamp    int64     `json:"timestamp"` // the update level it brings, ms since the epoch
	Security     bool      `json:"security"`
	Description  string    `json:"description"`
	Instructions string    `json:"instructions,omitempty"`
	BugFixes     []BugFix  `json:"bug_fixes,omitempty"`
	Files        []Change  `json:"files"`
	Published    time.Time `json:"published"`
}

// Channel is the channel an update belongs to: security updates are in both.
func (u Update) Channel() string {
	if u.Security {
		return ChannelSecurity
	}
	return ChannelFull
}

// InChannel reports whether a subscriber of channel c receives u.
func (u Update) InChannel(c string) bool {
	return c == ChannelFull || u.Security
}

// TokenRequest is the body of POST /v1/token.
type TokenRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
	Product  string `json:"product"` // the product the tool wants to update
	Channel  string `json:"channel"` // the channel asked for
}

// TokenResponse answers a successful POST /v1/token. The token is sent back
// as "Authorization: Bearer <token>" and is bound to the product and channel.
type TokenResponse struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
	Username  string    `json:"username"`
	Product   string    `json:"product"`
	Channel   string    `json:"channel"`
}

// UpdateList answers GET /v1/products/{product}/updates?after=L&upto=T: the
// updates of the token's channel with L < timestamp <= T (T = 0: no cap), in
// timestamp order.
type UpdateList struct {
	Product string   `json:"product"`
	Channel string   `json:"channel"`
	Updates []Update `json:"updates"`
}

// PristineRequest is the body of POST /v1/products/{product}/pristine: which
// paths to describe, after the base distribution and the listed updates.
type PristineRequest struct {
	Applied []int    `json:"applied"` // update numbers applied, any order
	Paths   []string `json:"paths"`
}

// PristineResponse maps each asked path to its entry, or to null when the
// path does not exist at that level.
type PristineResponse struct {
	Entries map[string]*Entry `json:"entries"`
}

// ToolRelease answers GET /v1/tools/latest?os=O&arch=A. The binary is the
// blob named by SHA256.
type ToolRelease struct {
	Version string `json:"version"`
	OS      string `json:"os"`
	Arch    string `json:"arch"`
	SHA256  string `json:"sha256"`
	Size    int64  `json:"size"`
}

// Error is the body of every non-2xx answer.
type Error struct {
	Error string `json:"error"`
}

// MaxPaths bounds the paths of one PristineRequest.
const MaxPaths = 100000

// ValidChannel reports whether c names a channel.
func ValidChannel(c string) bool { return c == ChannelFull || c == ChannelSecurity }

// ErrBadPath is wrapped by CleanPath's errors.
var ErrBadPath = errors.New("bad path")

// CleanPath checks that p is a relative, slash-separated path that stays
// inside its root, and returns it cleaned. It refuses absolute paths, "..",
// backslashes, drive letters, NUL and empty paths.
func CleanPath(p string) (string, error) {
	if p == "" {
		return "", fmt.Errorf("%w: empty", ErrBadPath)
	}
	if strings.ContainsAny(p, "\\\x00") || strings.Contains(p, ":") {
		return "", fmt.Errorf("%w %q: backslash, colon or NUL", ErrBadPath, p)
	}
	if strings.HasPrefix(p, "/") {
		return "", fmt.Errorf("%w %q: absolute", ErrBadPath, p)
	}
	for _, part := range strings.Split(p, "/") {
		if part == ".." {
			return "", fmt.Errorf("%w %q: contains ..", ErrBadPath, p)
		}
	}
	c := path.Clean(p)
	if c == "." {
		return "", fmt.Errorf("%w %q: names the root", ErrBadPath, p)
	}
	return c, nil
}

// ToolPath reports whether a path belongs to the tool rather than to the
// product: the updates/ folder and the tool's own binaries in bin/. Such
// paths are never part of a level.
func ToolPath(p string) bool {
	if p == "updates" || strings.HasPrefix(p, "updates/") {
		return true
	}
	switch p {
	case "bin/update_linux", "bin/update_darwin", "bin/update_windows.exe",
		"bin/update_linux_arm64", "bin/update_darwin_arm64", "bin/update_windows_arm64.exe":
		return true
	}
	return false
}

// CheckLinkTarget checks that a symbolic link at path p (clean, relative)
// with this target stays inside the root: relative, portable, and not
// climbing above the root once resolved from the link's folder.
func CheckLinkTarget(p, target string) error {
	switch {
	case target == "":
		return fmt.Errorf("symbolic link %s has an empty target", p)
	case strings.HasPrefix(target, "/") || strings.ContainsAny(target, "\\:\x00"):
		return fmt.Errorf("symbolic link %s -> %s: absolute or not a portable target", p, target)
	}
	resolved := path.Join(path.Dir(p), target)
	if resolved == ".." || strings.HasPrefix(resolved, "../") {
		return fmt.Errorf("symbolic link %s -> %s points outside the product", p, target)
	}
	return nil
}
