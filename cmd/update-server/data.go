package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"inplace/internal/blob"
	"inplace/internal/blob/dir"
	"inplace/internal/blob/s3"
	"inplace/internal/publish"
	"inplace/internal/store"
	"inplace/internal/store/postgres"
	"inplace/internal/store/sqlite"
)

// The layout of the data folder.
const (
	dbFileName  = "inplace.db"
	blobsFolder = "blobs"
	// keysFolder holds the signing keys: root and targets until the
	// operator moves them offline, snapshot and timestamp for serve.
	keysFolder = "keys"
)

// bcryptCost is the cost of new password hashes; 0 means the default.
// Tests set it low.
var bcryptCost = 0

// data is an open data folder.
type data struct {
	store store.Store
	blobs blob.Store
}

func (d *data) Close() error { return d.store.Close() }

func (d *data) publisher() *publish.Publisher {
	return &publish.Publisher{Store: d.store, Blobs: d.blobs, PasswordCost: bcryptCost}
}

// openData opens the stores of an initialized data folder: the metadata
// database and the blob store, each in the folder or at the URL given by
// --db and --blobs.
func openData(ctx context.Context, g *globalOptions) (*data, error) {
	if g.DB == "" {
		db := filepath.Join(g.Data, dbFileName)
		if _, err := os.Stat(db); errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("data folder %s is not initialized: run update-server init --data %s", g.Data, g.Data)
		} else if err != nil {
			return nil, err
		}
	}
	return openStores(ctx, g)
}

// openStores opens (creating, when they are in the data folder) the
// metadata database and the blob store.
func openStores(ctx context.Context, g *globalOptions) (*data, error) {
	st, err := openStore(ctx, g)
	if err != nil {
		return nil, err
	}
	bs, err := openBlobs(ctx, g)
	if err != nil {
		st.Close()
		return nil, err
	}
	return &data{store: st, blobs: bs}, nil
}

func openStore(ctx context.Context, g *globalOptions) (store.Store, error) {
	switch {
	case g.DB == "":
		return sqlite.Open(ctx, filepath.Join(g.Data, dbFileName))
	case strings.HasPrefix(g.DB, "postgres://"), strings.HasPrefix(g.DB, "postgresql://"):
		return postgres.Open(ctx, g.DB)
	}
	return nil, fmt.Errorf("--db %s: want postgres://user:password@host[:port]/database, or leave it out for the SQLite database in the data folder", redactURL(g.DB))
}

func openBlobs(ctx context.Context, g *globalOptions) (blob.Store, error) {
	switch {
	case g.Blobs == "":
		return dir.New(filepath.Join(g.Data, blobsFolder))
	case strings.HasPrefix(g.Blobs, "s3://"):
		return s3.Open(ctx, g.Blobs)
	case strings.Contains(g.Blobs, "://"):
		return nil, fmt.Errorf("--blobs %s: want s3://key:secret@host[:port]/bucket[/prefix] or a folder, or leave it out for the blob folder in the data folder", redactURL(g.Blobs))
	}
	return dir.New(g.Blobs)
}

// redactURL returns u without the password, for messages.
func redactURL(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "(an unreadable URL)"
	}
	return p.Redacted()
}
