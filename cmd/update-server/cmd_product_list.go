package main

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
)

func newProductListCommand(g *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the products",
		Long: `List the products with the number of files of their base distribution, the
number of updates published and their newest update level (the timestamp of
the newest update, 0 when none).`,
		Example: `  update-server product list`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runProductList(cmd.Context(), g, args)
		},
	}
}

func runProductList(ctx context.Context, g *globalOptions, args []string) error {
	d, err := openData(ctx, g)
	if err != nil {
		return err
	}
	defer d.Close()
	ps, err := d.store.Products(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PRODUCT\tFILES\tUPDATES\tLEVEL\tADDED")
	for _, p := range ps {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\n", p.Key, p.Files, p.Updates, p.Level, p.Created.Format(time.RFC3339))
	}
	return tw.Flush()
}
