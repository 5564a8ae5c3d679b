package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"inplace/internal/fsx"
	"inplace/internal/publish"
	"inplace/internal/repo"
	"inplace/internal/store"
)

// rootFile is the trusted root written into the data folder for vendors to
// ship as PRODUCT_HOME/updates/root.json.
const rootFile = "root.json"

// keyFile is where the data folder keeps a role's key.
func keyFile(folder, role string) string { return filepath.Join(folder, keysFolder, role+".key") }

// initSigningKeys creates the signing keys in DATA/keys/ and version 1 of
// the signed metadata, unless the store has it. Keys already in the folder
// (made with "update-server keys generate") are used.
func initSigningKeys(ctx context.Context, folder string, st store.Store) error {
	r := &repo.Repo{Store: st}
	if _, err := r.Root(ctx); err == nil {
		return nil
	} else if !errors.Is(err, repo.ErrNotInitialised) {
		return err
	}
	if err := os.MkdirAll(filepath.Join(folder, keysFolder), 0o700); err != nil {
		return err
	}
	keys := map[string]*repo.Key{}
	for _, role := range []string{repo.RoleRoot, repo.RoleTargets, repo.RoleSnapshot, repo.RoleTimestamp} {
		f := keyFile(folder, role)
		k, err := repo.LoadKey(f)
		if errors.Is(err, os.ErrNotExist) {
			k, err = repo.GenerateKey(f)
		}
		if err != nil {
			return err
		}
		keys[role] = k
	}
	if err := r.Init(ctx, []*repo.Key{keys[repo.RoleRoot]}, 1, keys[repo.RoleTargets], keys[repo.RoleSnapshot], keys[repo.RoleTimestamp]); err != nil {
		return err
	}
	return writeRoot(ctx, r, filepath.Join(folder, rootFile))
}

func writeRoot(ctx context.Context, r *repo.Repo, name string) error {
	b, err := r.Root(ctx)
	if err != nil {
		return err
	}
	return fsx.WriteFile(name, b, 0o644)
}

// publishKeys loads the keys publishing signs with: the targets key (from
// --targets-key, or DATA/keys/targets.key) and the online snapshot and
// timestamp keys.
func publishKeys(g *globalOptions) (publish.Keys, error) {
	var k publish.Keys
	tf := g.TargetsKey
	if tf == "" {
		tf = keyFile(g.Data, repo.RoleTargets)
	}
	var err error
	if k.Targets, err = repo.LoadKey(tf); err != nil {
		return k, fmt.Errorf("the targets key signs what is published: %w (give --targets-key FILE when it is kept offline)", err)
	}
	if k.Snapshot, k.Timestamp, err = onlineKeys(g.Data); err != nil {
		return k, err
	}
	return k, nil
}

// onlineKeys loads the snapshot and timestamp keys of the data folder.
func onlineKeys(folder string) (snapshot, timestamp *repo.Key, err error) {
	if snapshot, err = repo.LoadKey(keyFile(folder, repo.RoleSnapshot)); err != nil {
		return nil, nil, fmt.Errorf("the snapshot key: %w (run update-server init)", err)
	}
	if timestamp, err = repo.LoadKey(keyFile(folder, repo.RoleTimestamp)); err != nil {
		return nil, nil, fmt.Errorf("the timestamp key: %w (run update-server init)", err)
	}
	return snapshot, timestamp, nil
}

// sign brings the signed targets in line with the store after a
// publication.
func sign(ctx context.Context, d *data, keys publish.Keys) error {
	if _, err := d.publisher().Sign(ctx, keys); err != nil {
		return fmt.Errorf("%w; what was stored is not yet visible to the tool: run update-server keys sign", err)
	}
	return nil
}

func newKeysCommand(g *globalOptions) *cobra.Command {
	cmd := groupCommand("keys", "Generate signing keys, rotate them, re-sign the metadata")
	cmd.Long = `The service signs its metadata with four roles' keys (The Update
Framework): root (trusts the other keys), targets (signs what is published),
snapshot and timestamp (online: serve re-signs them before they expire).
init creates all four in DATA/keys/; keep root.key and targets.key offline
after that (publish commands then take --targets-key). See docs/security.md
for the key ceremony.`
	cmd.AddCommand(newKeysGenerateCommand(g), newKeysRootCommand(g), newKeysSignCommand(g), newKeysRotateCommand(g))
	return cmd
}

func newKeysGenerateCommand(g *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:     "generate FILE...",
		Short:   "Write new Ed25519 key pairs (FILE private, owner-only; FILE's .pub public)",
		Example: `  update-server keys generate /media/offline/root-2.key /media/offline/root-3.key`,
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			for _, f := range args {
				k, err := repo.GenerateKey(f)
				if err != nil {
					return err
				}
				fmt.Fprintf(g.stdout, "%s: key %s (public half in %s)\n", f, k.ID, repo.PublicFile(f))
			}
			return nil
		},
	}
}

func newKeysRootCommand(g *globalOptions) *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "root",
		Short: "Write the newest root metadata: what products ship as updates/root.json",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			d, err := openData(cmd.Context(), g)
			if err != nil {
				return err
			}
			defer d.Close()
			r := &repo.Repo{Store: d.store}
			if out != "" {
				return writeRoot(cmd.Context(), r, out)
			}
			b, err := r.Root(cmd.Context())
			if err != nil {
				return err
			}
			_, err = g.stdout.Write(append(b, '\n'))
			return err
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "write it to this `file` instead of standard output")
	return cmd
}

func newKeysSignCommand(g *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "sign",
		Short: "Sign the targets again so they list exactly what is published",
		Long: `Sign the targets again so they list exactly what the data folder holds. The
publish commands do this themselves; run it after one of them stopped
between storing and signing, or to renew the targets before they expire
(a year after signing).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			keys, err := publishKeys(g)
			if err != nil {
				return err
			}
			d, err := openData(cmd.Context(), g)
			if err != nil {
				return err
			}
			defer d.Close()
			changed, err := d.publisher().Sign(cmd.Context(), keys)
			if err != nil {
				return err
			}
			if changed {
				fmt.Fprintln(g.stdout, "signed the targets: they list what the data folder holds")
			} else {
				fmt.Fprintln(g.stdout, "the signed targets already list what the data folder holds")
			}
			return nil
		},
	}
}

type keysRotateOptions struct {
	Role      string
	Keys      []string
	Threshold int
	RootKeys  []string
}

func newKeysRotateCommand(g *globalOptions) *cobra.Command {
	var opts keysRotateOptions
	cmd := &cobra.Command{
		Use:   "rotate --role ROLE --key FILE... --root-key FILE...",
		Short: "Give a role new keys: a new root version, signed by the root keys",
		Long: `Give a role new keys, in a new version of root. The new root carries the
signatures of --root-key: a threshold of the current root keys and, when the
role is root itself, a threshold of the new ones too. Clients move to it on
their next run.

Rotating snapshot or timestamp (after a compromise, or on schedule) needs the
new private keys: they replace DATA/keys/ROLE.key (the old file is kept as
ROLE.key.revoked), which serve picks up without a restart. Rotating targets needs the new
private targets key to re-sign the targets.`,
		Example: `  update-server keys rotate --role timestamp --key new-timestamp.key --root-key /media/offline/root.key
  update-server keys rotate --role root --threshold 2 --key r1.pub --key r2.pub --key r3.pub \
      --root-key /media/offline/root.key --root-key r1.key --root-key r2.key`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runKeysRotate(cmd.Context(), g, opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Role, "role", "", "the `role` to rotate: root, targets, snapshot or timestamp")
	f.StringArrayVar(&opts.Keys, "key", nil, "a new key `file` of the role (repeat for several)")
	f.IntVar(&opts.Threshold, "threshold", 1, "how many of the role's keys must sign")
	f.StringArrayVar(&opts.RootKeys, "root-key", nil, "a private root key `file` to sign the new root with (repeat)")
	return cmd
}

func runKeysRotate(ctx context.Context, g *globalOptions, o keysRotateOptions) error {
	if len(o.Keys) == 0 || len(o.RootKeys) == 0 {
		return errors.New("give the new keys (--key) and the root keys that sign (--root-key)")
	}
	load := func(files []string) ([]*repo.Key, error) {
		var ks []*repo.Key
		for _, f := range files {
			k, err := repo.LoadKey(f)
			if err != nil {
				return nil, err
			}
			ks = append(ks, k)
		}
		return ks, nil
	}
	keys, err := load(o.Keys)
	if err != nil {
		return err
	}
	signers, err := load(o.RootKeys)
	if err != nil {
		return err
	}
	snapshot, timestamp, err := onlineKeys(g.Data)
	if err != nil {
		return err
	}
	online := o.Role == repo.RoleSnapshot || o.Role == repo.RoleTimestamp
	if online {
		if len(keys) != 1 || !keys[0].CanSign() {
			return fmt.Errorf("the %s role is online: give exactly one new private key, which serve will use", o.Role)
		}
		if o.Role == repo.RoleSnapshot {
			snapshot = keys[0]
		} else {
			timestamp = keys[0]
		}
	}
	d, err := openData(ctx, g)
	if err != nil {
		return err
	}
	defer d.Close()
	r := &repo.Repo{Store: d.store}
	v, err := r.RotateRoot(ctx, o.Role, keys, o.Threshold, signers, snapshot, timestamp)
	if err != nil {
		return err
	}
	if online {
		f := keyFile(g.Data, o.Role)
		if err := os.Rename(f, f+".revoked"); err != nil {
			return err
		}
		b, err := os.ReadFile(o.Keys[0])
		if err != nil {
			return err
		}
		if err := fsx.WritePrivate(f, b); err != nil {
			return err
		}
	}
	if err := writeRoot(ctx, r, filepath.Join(g.Data, rootFile)); err != nil {
		return err
	}
	fmt.Fprintf(g.stdout, "root version %d gives the %s role %d key(s), threshold %d; clients move to it on their next run\n",
		v, o.Role, len(keys), o.Threshold)
	return nil
}

// maintain does the scheduled work of serve every interval until ctx ends:
// it re-signs the snapshot and timestamp before they expire, deletes
// expired tokens and sessions, and, when reportRetention is not 0, prunes
// the installations' reports older than that from their history. Each piece of work runs in store.Exclusive, so replicas
// sharing one database do it once. It reads the online keys of the data
// folder each time, so a rotation (keys rotate) needs no restart.
func maintain(ctx context.Context, st store.Store, r *repo.Repo, folder string, every, reportRetention time.Duration, log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		_, err := st.Exclusive(ctx, "resign", func(ctx context.Context) error {
			snapshot, timestamp, err := onlineKeys(folder)
			if err == nil {
				_, err = r.Refresh(ctx, snapshot, timestamp)
			}
			return err
		})
		if err != nil && ctx.Err() == nil {
			log.Warn("re-sign the metadata", "err", err)
		}
		_, err = st.Exclusive(ctx, "cleanup", func(ctx context.Context) error {
			n, err := st.DeleteExpiredTokens(ctx, time.Now())
			if n > 0 {
				log.Info("deleted expired tokens", "count", n)
			}
			return err
		})
		if err != nil && ctx.Err() == nil {
			log.Warn("delete expired tokens", "err", err)
		}
		if reportRetention > 0 {
			_, err = st.Exclusive(ctx, "prune-reports", func(ctx context.Context) error {
				n, err := st.PruneReports(ctx, time.Now().Add(-reportRetention))
				if n > 0 {
					log.Info("pruned the history of installations' reports", "count", n, "older than", reportRetention)
				}
				return err
			})
			if err != nil && ctx.Err() == nil {
				log.Warn("prune the history of installations' reports", "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
