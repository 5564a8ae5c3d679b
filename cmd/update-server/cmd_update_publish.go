package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"inplace/internal/api"
	"inplace/internal/packed"
	"inplace/internal/publish"
	"inplace/internal/store"
)

type updatePublishOptions struct {
	Product      string
	Security     bool
	Timestamp    int64
	Distribution bool
	Description  string
	Instructions string
	BugFixes     []string
}

func newUpdatePublishCommand(g *globalOptions) *cobra.Command {
	var opts updatePublishOptions
	cmd := &cobra.Command{
		Use:   "publish --product N-V [flags] UPDATE.zip|DIR",
		Short: "Publish an update of a product",
		Long: `Publish an update of a product, from an update folder or zip, or with
--distribution from a whole newer distribution.

An update folder (or a zip of one, possibly wrapped in one top folder) holds
update.yaml and files/, laid out as in PRODUCT_HOME:

  description: "Fixes the login page redirect"
  instructions: "Restart the server after updating."
  security: false
  bug_fixes:
    APIM-1234: "Login redirect loses the query string"
  removed_files:
    - repository/conf/old.xml

Each file under files/ is added or replaced, each removed_files entry removed.
With --distribution the changes are computed against the product's newest
level (its base and every update): added and modified files and links
(a change of the executable bit counts), and removed paths.

Updates are numbered 1, 2, 3… in publish order. Their timestamp (the update
level they bring, milliseconds since the epoch; now by default) must be after
the newest update's. --security, or security: true, puts the update in the
security channel too. Anything wrong is refused and nothing is stored.`,
		Example: `  update-server update publish --product wso2am-4.2.0 ./update-0001
  update-server update publish --product wso2am-4.2.0 --security update-0002.zip
  update-server update publish --product wso2am-4.2.0 --distribution \
      --description "Release 4.2.1 content" --bug-fix APIM-1234="Login redirect loses the query string" \
      wso2am-4.2.1.zip`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runUpdatePublish(cmd.Context(), g, opts, args)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Product, "product", "", "the product `key`, e.g. wso2am-4.2.0")
	f.BoolVar(&opts.Security, "security", false, "flag the update as a security update")
	f.Int64Var(&opts.Timestamp, "timestamp", 0, "the update level, in `ms` since the epoch (default now)")
	f.BoolVar(&opts.Distribution, "distribution", false, "the argument is a whole distribution: compute the changes")
	f.StringVar(&opts.Description, "description", "", "with --distribution: what the update does")
	f.StringVar(&opts.Instructions, "instructions", "", "with --distribution: what to do after updating")
	f.StringArrayVar(&opts.BugFixes, "bug-fix", nil, "with --distribution: a bug fixed, as `ID=SUMMARY` (repeatable)")
	cmd.MarkFlagRequired("product")
	return cmd
}

// parseBugFixes reads ID=SUMMARY flags, keeping their order.
func parseBugFixes(flags []string) ([]api.BugFix, error) {
	var fixes []api.BugFix
	for _, f := range flags {
		id, summary, ok := strings.Cut(f, "=")
		if !ok || strings.TrimSpace(id) == "" {
			return nil, fmt.Errorf("--bug-fix %q: want ID=SUMMARY", f)
		}
		fixes = append(fixes, api.BugFix{ID: strings.TrimSpace(id), Summary: summary})
	}
	return fixes, nil
}

func runUpdatePublish(ctx context.Context, g *globalOptions, opts updatePublishOptions, args []string) error {
	if !opts.Distribution && (opts.Description != "" || opts.Instructions != "" || len(opts.BugFixes) > 0) {
		return fmt.Errorf("--description, --instructions and --bug-fix go with --distribution; an update folder says them in its update.yaml")
	}
	fixes, err := parseBugFixes(opts.BugFixes)
	if err != nil {
		return err
	}
	d, err := openData(ctx, g)
	if err != nil {
		return err
	}
	defer d.Close()
	keys, err := publishKeys(g)
	if err != nil {
		return err
	}
	u, err := d.publisher().PublishUpdate(ctx, publish.UpdateOptions{
		Product:      opts.Product,
		Source:       args[0],
		Distribution: opts.Distribution,
		Security:     opts.Security,
		Timestamp:    opts.Timestamp,
		Description:  opts.Description,
		Instructions: opts.Instructions,
		BugFixes:     fixes,
	})
	if err != nil {
		return err
	}
	if err := d.recordAdmin(ctx, store.AuditUpdatePublish, u.Product, fmt.Sprintf("update %d, timestamp %d, channel %s, %d change(s) from %s",
		u.Number, u.Timestamp, u.Channel(), len(u.Files), args[0])); err != nil {
		return err
	}
	if err := sign(ctx, d, keys); err != nil {
		return err
	}
	added, removed := 0, 0
	for _, c := range u.Files {
		if c.Remove {
			removed++
		} else {
			added++
		}
	}
	fmt.Fprintf(g.stdout, "published update %d of %s: timestamp %d, channel %s, %d files added or changed, %d removed\n",
		u.Number, u.Product, u.Timestamp, u.Channel(), added, removed)
	return warm(ctx, d, u, g.stdout)
}

// warm prepares the downloads of the customers at the level before u
// (deltas from the files they have, compressed files), so that the first
// of them does not wait while the server computes them.
func warm(ctx context.Context, d *data, u api.Update, out io.Writer) error {
	base, err := d.store.Base(ctx, u.Product)
	if err != nil {
		return err
	}
	history, err := d.store.Updates(ctx, u.Product, store.UpdateFilter{})
	if err != nil {
		return err
	}
	var earlier []api.Update
	for _, h := range history {
		if h.Timestamp < u.Timestamp {
			earlier = append(earlier, h)
		}
	}
	start := time.Now()
	p := packed.Packer{Store: d.store, Blobs: d.blobs}
	n := 0
	if err := p.Warm(ctx, u, store.Pristine(base, earlier), func() { n++ }); err != nil {
		return fmt.Errorf("the update is published, but preparing its downloads failed (the server prepares them on first request instead): %w", err)
	}
	fmt.Fprintf(out, "prepared the downloads of %d file(s) (deltas from the previous level, compressed files) in %s\n",
		n, time.Since(start).Round(time.Millisecond))
	return nil
}
