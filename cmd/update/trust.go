package main

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"inplace/internal/home"
	"inplace/internal/trust"
)

// builtinRoot is the root of trust built into the tool, base64-encoded
// (make build ROOT=root.json sets it); a product's own
// PRODUCT_HOME/updates/root.json takes precedence.
var builtinRoot string

// Where the tool keeps what it trusts.
const (
	rootFile      = "updates/root.json"
	metadataCache = "updates/tuf"
	targetsCache  = "updates/tuf/targets"
)

// trustedSource verifies the service's metadata for this home and returns
// the source the updater reads it from.
func trustedSource(ctx context.Context, h *home.Home, sess *session) (*trust.Source, error) {
	root, err := readRoot(h)
	if err != nil {
		return nil, err
	}
	meta, err := trust.Open(trust.Options{
		MetadataURL: sess.client.MetadataURL(),
		Root:        root,
		CacheDir:    h.Path(metadataCache),
		HTTP:        sess.client.HTTP(),
	})
	if err != nil {
		return nil, err
	}
	return &trust.Source{Meta: meta, Client: sess.client, Channel: sess.channel, CacheDir: h.Path(targetsCache)}, nil
}

// readRoot reads the root of trust the product ships, or the one built
// into the tool.
func readRoot(h *home.Home) ([]byte, error) {
	root, err := os.ReadFile(h.Path(rootFile))
	if errors.Is(err, fs.ErrNotExist) && builtinRoot != "" {
		root, err = base64.StdEncoding.DecodeString(builtinRoot)
	}
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("no root of trust: %s is missing; it comes with the product (the vendor's update-server writes it as root.json in its data folder): put it there and run again", h.Path(rootFile))
	}
	if err != nil {
		return nil, fmt.Errorf("read the root of trust: %w", err)
	}
	return root, nil
}
