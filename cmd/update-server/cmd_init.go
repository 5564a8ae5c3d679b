package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"inplace/internal/blob/dir"
	"inplace/internal/store/sqlite"
)

func newInitCommand(g *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "init",
		Short: "Create the data folder: database, blob folder, signing keys",
		Long: `Create the data folder (--data) with its SQLite database (inplace.db), its
folder of file contents (blobs/), the four signing keys in keys/ (root,
targets, snapshot, timestamp; keys already there are used) and version 1 of
the signed metadata. It writes root.json: ship it in every product as
PRODUCT_HOME/updates/root.json, the root of trust of the update tool.
Move keys/root.key and keys/targets.key offline afterwards (see
docs/security.md). Running it on an existing data folder changes nothing but
upgrades the database schema if this program is newer.`,
		Example: `  update-server init
  update-server init --data /srv/updates`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runInit(cmd.Context(), g, args)
		},
	}
}

func runInit(ctx context.Context, g *globalOptions, args []string) error {
	folder := g.Data
	_, err := os.Stat(filepath.Join(folder, dbFileName))
	existed := err == nil
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if err := os.MkdirAll(folder, 0o700); err != nil {
		return fmt.Errorf("create data folder: %w", err)
	}
	st, err := sqlite.Open(ctx, filepath.Join(folder, dbFileName))
	if err != nil {
		return err
	}
	defer st.Close()
	v, err := st.Version(ctx)
	if err != nil {
		return err
	}
	if _, err := dir.New(filepath.Join(folder, blobsFolder)); err != nil {
		return err
	}
	if err := initSigningKeys(ctx, folder, st); err != nil {
		return err
	}

	if existed {
		fmt.Fprintf(g.stdout, "data folder %s is already initialized (schema version %d)\n", folder, v)
		return nil
	}
	fmt.Fprintf(g.stdout, "initialized data folder %s (schema version %d)\n", folder, v)
	return nil
}
