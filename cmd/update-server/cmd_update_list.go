package main

import (
	"context"
	"errors"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"inplace/internal/store"
)

type updateListOptions struct {
	Product string
}

func newUpdateListCommand(g *globalOptions) *cobra.Command {
	var opts updateListOptions
	cmd := &cobra.Command{
		Use:     "list --product N-V",
		Short:   "List the updates of a product",
		Long:    `List the updates of a product in order: number, timestamp, channel, files changed and description.`,
		Example: `  update-server update list --product wso2am-4.2.0`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runUpdateList(cmd.Context(), g, opts, args)
		},
	}
	cmd.Flags().StringVar(&opts.Product, "product", "", "the product `key`, e.g. wso2am-4.2.0")
	cmd.MarkFlagRequired("product")
	return cmd
}

func runUpdateList(ctx context.Context, g *globalOptions, opts updateListOptions, args []string) error {
	d, err := openData(ctx, g)
	if err != nil {
		return err
	}
	defer d.Close()
	us, err := d.store.Updates(ctx, opts.Product, store.UpdateFilter{})
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("product %s is not known", opts.Product)
	}
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NUMBER\tTIMESTAMP\tCHANNEL\tFILES\tDESCRIPTION")
	for _, u := range us {
		fmt.Fprintf(tw, "%d\t%d\t%s\t%d\t%s\n", u.Number, u.Timestamp, u.Channel(), len(u.Files), oneLine(u.Description))
	}
	return tw.Flush()
}

// oneLine keeps the first line of s.
func oneLine(s string) string {
	for i, r := range s {
		if r == '\n' || r == '\r' || r == '\t' {
			return s[:i] + "…"
		}
	}
	return s
}
