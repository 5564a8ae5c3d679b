package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"inplace/internal/publish"
	"inplace/internal/store"
)

func newHotfixCommand(g *globalOptions) *cobra.Command {
	cmd := groupCommand("hotfix", "Publish and list hotfixes: small fixes for named customers, outside the channels")
	cmd.AddCommand(newHotfixPublishCommand(g), newHotfixListCommand(g))
	return cmd
}

type hotfixPublishOptions struct {
	Product string
	ID      string
	Users   []string
}

func newHotfixPublishCommand(g *globalOptions) *cobra.Command {
	var opts hotfixPublishOptions
	cmd := &cobra.Command{
		Use:   "publish --product N-V --id ID --user U [--user U2 ...] HOTFIX.zip|DIR",
		Short: "Publish a hotfix of a product for named accounts",
		Long: `Publish a hotfix: a small change of a product for the named accounts only,
outside the stream of updates. Its folder (or zip) is laid out as an update's:
update.yaml (description, instructions, bug_fixes, removed_files; no security,
no hotfixes) and files/. It is read against the product's newest level.

The named accounts (each subscribed to the product) apply it with
update --hotfix ID; nobody else can read its descriptor or its files. The
id and the descriptor's hash appear in the signed metadata, which is public.
An id is published once and never changes. A later update that carries the
fix says so in its update.yaml (hotfixes: [ID]); installations that applied
the hotfix then drop it.`,
		Example: `  update-server hotfix publish --product wso2am-4.2.0 --id ACME-HF-1 --user acme-ops ./acme-hf-1
  update-server hotfix publish --product wso2am-4.2.0 --id HF-77 --user alice --user bob hf-77.zip`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runHotfixPublish(cmd.Context(), g, opts, args)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Product, "product", "", "the product `key`, e.g. wso2am-4.2.0")
	f.StringVar(&opts.ID, "id", "", "the hotfix's `id`: letters, digits, '.', '_' and '-', unique within the product")
	f.StringArrayVar(&opts.Users, "user", nil, "an account the hotfix is for (repeatable)")
	cmd.MarkFlagRequired("product")
	cmd.MarkFlagRequired("id")
	cmd.MarkFlagRequired("user")
	return cmd
}

func runHotfixPublish(ctx context.Context, g *globalOptions, opts hotfixPublishOptions, args []string) error {
	d, err := openData(ctx, g)
	if err != nil {
		return err
	}
	defer d.Close()
	keys, err := publishKeys(g)
	if err != nil {
		return err
	}
	h, err := d.publisher().PublishHotfix(ctx, publish.HotfixOptions{
		Product: opts.Product, ID: opts.ID, Users: opts.Users, Source: args[0],
	})
	if err != nil {
		return err
	}
	if err := d.recordAdmin(ctx, store.AuditHotfixPublish, h.Product, fmt.Sprintf("hotfix %s for %s, %d change(s) from %s",
		h.ID, strings.Join(h.Users, ", "), len(h.Files), args[0])); err != nil {
		return err
	}
	if err := sign(ctx, d, keys); err != nil {
		return err
	}
	fmt.Fprintf(g.stdout, "published hotfix %s of %s for %s: %d file(s) changed or removed\n",
		h.ID, h.Product, strings.Join(h.Users, ", "), len(h.Files))
	return nil
}

type hotfixListOptions struct {
	Product string
}

func newHotfixListCommand(g *globalOptions) *cobra.Command {
	var opts hotfixListOptions
	cmd := &cobra.Command{
		Use:     "list --product N-V",
		Short:   "List the hotfixes of a product",
		Long:    `List the hotfixes of a product in the order published: id, published, accounts, files, description.`,
		Example: `  update-server hotfix list --product wso2am-4.2.0`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runHotfixList(cmd.Context(), g, opts)
		},
	}
	cmd.Flags().StringVar(&opts.Product, "product", "", "the product `key`, e.g. wso2am-4.2.0")
	cmd.MarkFlagRequired("product")
	return cmd
}

func runHotfixList(ctx context.Context, g *globalOptions, opts hotfixListOptions) error {
	d, err := openData(ctx, g)
	if err != nil {
		return err
	}
	defer d.Close()
	hs, err := d.store.Hotfixes(ctx, opts.Product)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("product %s is not known", opts.Product)
	}
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tPUBLISHED\tUSERS\tFILES\tDESCRIPTION")
	for _, h := range hs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\n", h.ID, h.Published.Format("2006-01-02 15:04 UTC"),
			strings.Join(h.Users, ","), len(h.Files), oneLine(h.Description))
	}
	return tw.Flush()
}
