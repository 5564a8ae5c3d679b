package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"inplace/internal/store"
)

type productAddOptions struct {
	Name    string
	Version string
}

func newProductAddCommand(g *globalOptions) *cobra.Command {
	var opts productAddOptions
	cmd := &cobra.Command{
		Use:   "add --name N --version V DIST.zip|DIR",
		Short: "Register a product with its base distribution",
		Long: `Register the product N-V (e.g. wso2am-4.2.0) with its base distribution: the
files as released, from a zip or a folder. Every regular file (its bytes and
whether it is executable) and every symbolic link is recorded; a zip whose
entries all sit under one top-level folder has that folder stripped. The update
tool's own paths (updates/, bin/update_linux, …) are not part of the base.
Links that are absolute or point outside the product, and special files, are
refused; so is a product that exists already.`,
		Example: `  update-server product add --name wso2am --version 4.2.0 wso2am-4.2.0.zip
  update-server product add --name wso2am --version 4.2.0 /opt/dist/wso2am-4.2.0`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runProductAdd(cmd.Context(), g, opts, args)
		},
	}
	cmd.Flags().StringVar(&opts.Name, "name", "", "the product `name`, e.g. wso2am")
	cmd.Flags().StringVar(&opts.Version, "version", "", "the product `version`, e.g. 4.2.0")
	cmd.MarkFlagRequired("name")
	cmd.MarkFlagRequired("version")
	return cmd
}

func runProductAdd(ctx context.Context, g *globalOptions, opts productAddOptions, args []string) error {
	d, err := openData(ctx, g)
	if err != nil {
		return err
	}
	defer d.Close()
	keys, err := publishKeys(g)
	if err != nil {
		return err
	}
	p, err := d.publisher().AddProduct(ctx, opts.Name, opts.Version, args[0])
	if err != nil {
		return err
	}
	if err := d.recordAdmin(ctx, store.AuditProductAdd, p.Key, fmt.Sprintf("%d file(s) from %s", p.Files, args[0])); err != nil {
		return err
	}
	if err := sign(ctx, d, keys); err != nil {
		return err
	}
	fmt.Fprintf(g.stdout, "added product %s with %d files\n", p.Key, p.Files)
	return nil
}
