package api

import (
	"fmt"
	"path"
	"strconv"
	"strings"
)

// The service's signed targets (TUF target paths). Every piece of metadata
// the tool acts on is one of them:
//
//	PRODUCT/base.json                 the base distribution (Base)
//	PRODUCT/full/TIMESTAMP.json       an update for the full channel only (Update)
//	PRODUCT/security/TIMESTAMP.json   a security update, in both channels (Update)
//	PRODUCT/hotfixes/ID.json          a hotfix, for the accounts it names only (Hotfix)
//	tools/OS/ARCH/VERSION             a release of the update tool (its binary)

// Base is the descriptor of a product's base distribution.
type Base struct {
	Product string  `json:"product"`
	Files   []Entry `json:"files"` // sorted by path
}

// BaseTarget is the target path of a product's base distribution.
func BaseTarget(product string) string { return product + "/base.json" }

// UpdateTarget is the target path of an update's descriptor.
func UpdateTarget(u Update) string {
	return fmt.Sprintf("%s/%s/%d.json", u.Product, u.Channel(), u.Timestamp)
}

// ToolTarget is the target path of a release of the tool.
func ToolTarget(goos, goarch, version string) string {
	return path.Join("tools", goos, goarch, version)
}

// ParseUpdateTarget returns the product, channel and timestamp an update's
// target path names; ok is false for any other path.
func ParseUpdateTarget(p string) (product, channel string, timestamp int64, ok bool) {
	parts := strings.Split(p, "/")
	if len(parts) != 3 || !ValidChannel(parts[1]) || !strings.HasSuffix(parts[2], ".json") {
		return "", "", 0, false
	}
	ts, err := strconv.ParseInt(strings.TrimSuffix(parts[2], ".json"), 10, 64)
	if err != nil || ts <= 0 || strconv.FormatInt(ts, 10)+".json" != parts[2] {
		return "", "", 0, false
	}
	return parts[0], parts[1], ts, true
}

// TargetVisible reports whether a subscriber of product on channel may
// fetch the target at p: the product's base and the updates of its channel,
// and every release of the tool. Hotfix targets (HotfixTarget) are not:
// only the accounts a hotfix names may read it, which the server asks its
// store.
func TargetVisible(p, product, channel string) bool {
	if strings.HasPrefix(p, "tools/") {
		return true
	}
	if p == BaseTarget(product) {
		return true
	}
	prod, ch, _, ok := ParseUpdateTarget(p)
	return ok && prod == product && (ch == ChannelSecurity || channel == ChannelFull)
}
