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
	// Hotfixes names the hotfixes of the product whose fixes this update
	// carries: an installation that applied one of them drops it from its
	// applied hotfixes when it takes this update.
	Hotfixes []string `json:"hotfixes,omitempty"`
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

// TokenRequest is the body of POST /v1/token, one of two grants:
//
//   - a login: Username, Password, Product and Channel;
//   - a refresh: RefreshToken alone, from an earlier TokenResponse. The
//     answer keeps the product and channel of the login, and the refresh
//     token sent is used up: each refresh token works once, and presenting
//     one that was used already revokes every token of its login (a copy
//     of it is in someone else's hands). A refresh is therefore never
//     retried blindly.
type TokenRequest struct {
	Username     string `json:"username"`
	Password     string `json:"password"`
	Product      string `json:"product"` // the product the tool wants to update
	Channel      string `json:"channel"` // the channel asked for
	RefreshToken string `json:"refresh_token,omitempty"`
}

// TokenResponse answers a successful POST /v1/token. The token (a
// short-lived access token) is sent back as "Authorization: Bearer <token>"
// and is bound to the product and channel; the refresh token buys the next
// TokenResponse once, without the password, until RefreshExpiresAt.
type TokenResponse struct {
	Token            string    `json:"token"`
	ExpiresAt        time.Time `json:"expires_at"`
	Username         string    `json:"username"`
	Product          string    `json:"product"`
	Channel          string    `json:"channel"`
	RefreshToken     string    `json:"refresh_token,omitempty"`
	RefreshExpiresAt time.Time `json:"refresh_expires_at"`
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

// HotfixList answers GET /v1/hotfixes: the hotfixes of the token's
// product published for the token's account, oldest first. The
// descriptors themselves are signed targets (HotfixTarget).
type HotfixList struct {
	Product  string          `json:"product"`
	Hotfixes []HotfixSummary `json:"hotfixes"`
}

// HotfixSummary is one entry of a HotfixList.
type HotfixSummary struct {
	ID          string    `json:"id"`
	Description string    `json:"description"`
	Published   time.Time `json:"published"`
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
// inside its root and names the same file on every system the tool runs
// on, and returns it cleaned. It refuses empty and absolute paths (UNC
// paths //server/share too), "..", backslashes, colons (drive letters,
// alternate data streams), NUL, control and invisible characters, the
// characters Windows forbids (<>"|?*), and elements Windows would take for
// another file or a device: a name ending in a dot or a space, CON, PRN,
// AUX, NUL, COM0-9, LPT0-9 (with or without an extension) and short names
// such as PROGRA~1.
func CleanPath(p string) (string, error) {
	if p == "" {
		return "", fmt.Errorf("%w: empty", ErrBadPath)
	}
	if strings.HasPrefix(p, "/") {
		return "", fmt.Errorf("%w %q: absolute", ErrBadPath, p)
	}
	if err := checkChars(p); err != nil {
		return "", fmt.Errorf("%w %q: %v", ErrBadPath, p, err)
	}
	for _, part := range strings.Split(p, "/") {
		switch part {
		case "", ".":
		case "..":
			return "", fmt.Errorf("%w %q: contains ..", ErrBadPath, p)
		default:
			if err := checkName(part); err != nil {
				return "", fmt.Errorf("%w %q: %v", ErrBadPath, p, err)
			}
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
// paths are never part of a level. Case does not count: on Windows and
// macOS "Updates/state.json" is the tool's state.
func ToolPath(p string) bool {
	first, _, _ := strings.Cut(p, "/")
	if strings.EqualFold(first, "updates") {
		return true
	}
	for _, t := range toolBinaries {
		if strings.EqualFold(p, t) {
			return true
		}
	}
	return false
}

// toolBinaries are the paths of the tool's binaries in PRODUCT_HOME.
var toolBinaries = []string{"bin/update_linux", "bin/update_darwin", "bin/update_windows.exe",
	"bin/update_linux_arm64", "bin/update_darwin_arm64", "bin/update_windows_arm64.exe"}

// CheckLinkTarget checks that a symbolic link at path p (clean, relative)
// with this target stays inside the root: relative, portable (as
// CleanPath's elements), and not climbing above the root once resolved from
// the link's folder. A ".." may only lead the target ("../../lib/x"): after
// a folder name, which may itself be a link, the system resolves ".." from
// wherever that link points, so "up/../.." with up -> .. climbs out although
// it looks like it stays in. The check assumes that the folders holding p
// are real folders: publish refuses a path inside a link.
func CheckLinkTarget(p, target string) error {
	if target == "" {
		return fmt.Errorf("symbolic link %s has an empty target", p)
	}
	if err := checkChars(target); err != nil {
		return fmt.Errorf("symbolic link %s -> %q: not a portable target: %v", p, target, err)
	}
	if strings.HasPrefix(target, "/") {
		return fmt.Errorf("symbolic link %s -> %s: absolute target: make it relative to the link's folder", p, target)
	}
	depth := 0
	if d := path.Dir(p); d != "." {
		depth = strings.Count(d, "/") + 1
	}
	up, down := 0, false
	for _, part := range strings.Split(target, "/") {
		switch part {
		case "", ".":
		case "..":
			if down {
				return fmt.Errorf("symbolic link %s -> %s: .. after a folder name cannot be checked to stay inside the product (the folder may be a link): write the target with its .. first", p, target)
			}
			up++
		default:
			if err := checkName(part); err != nil {
				return fmt.Errorf("symbolic link %s -> %s: not a portable target: %v", p, target, err)
			}
			down = true
		}
	}
	if up > depth {
		return fmt.Errorf("symbolic link %s -> %s points outside the product", p, target)
	}
	return nil
}
