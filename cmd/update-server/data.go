package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"inplace/internal/blob"
	"inplace/internal/blob/dir"
	"inplace/internal/publish"
	"inplace/internal/store"
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

// openData opens an initialized data folder.
func openData(ctx context.Context, folder string) (*data, error) {
	db := filepath.Join(folder, dbFileName)
	if _, err := os.Stat(db); errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("data folder %s is not initialized: run update-server init --data %s", folder, folder)
	} else if err != nil {
		return nil, err
	}
	st, err := sqlite.Open(ctx, db)
	if err != nil {
		return nil, err
	}
	bs, err := dir.New(filepath.Join(folder, blobsFolder))
	if err != nil {
		st.Close()
		return nil, err
	}
	return &data{store: st, blobs: bs}, nil
}
