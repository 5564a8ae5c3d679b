package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"inplace/internal/repo"
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
upgrades the database schema if this program is newer.

With --db postgres://… and --blobs s3://…, the metadata and the contents go
there, and the data folder keeps only the keys and root.json: copy the
snapshot and timestamp keys to every serve replica.`,
		Example: `  update-server init
  update-server init --data /srv/updates
  update-server init --data /srv/keys --db postgres://inplace@db.internal/inplace --blobs s3://KEY:SECRET@s3.internal/updates`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runInit(cmd.Context(), g, args)
		},
	}
}

func runInit(ctx context.Context, g *globalOptions, args []string) error {
	folder := g.Data
	if err := os.MkdirAll(folder, 0o700); err != nil {
		return fmt.Errorf("create data folder: %w", err)
	}
	d, err := openStores(ctx, g)
	if err != nil {
		return err
	}
	defer d.Close()
	v, err := d.store.(interface {
		Version(context.Context) (int, error)
	}).Version(ctx)
	if err != nil {
		return err
	}
	_, err = (&repo.Repo{Store: d.store}).Root(ctx)
	existed := err == nil
	if err != nil && !errors.Is(err, repo.ErrNotInitialised) {
		return err
	}
	if err := initSigningKeys(ctx, folder, d.store); err != nil {
		return err
	}
	where := "data folder " + folder
	if g.DB != "" {
		where = fmt.Sprintf("database %s (keys in %s)", redactURL(g.DB), folder)
	}
	if existed {
		fmt.Fprintf(g.stdout, "%s is already initialized (schema version %d)\n", where, v)
		return nil
	}
	fmt.Fprintf(g.stdout, "initialized %s (schema version %d)\n", where, v)
	return nil
}
