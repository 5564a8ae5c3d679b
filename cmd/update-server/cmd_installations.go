package main

import (
	"context"
	"errors"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"inplace/internal/store"
)

func newInstallationsCommand(g *globalOptions) *cobra.Command {
	cmd := groupCommand("installations", "Read what installations reported after their runs of the update tool")
	cmd.AddCommand(newInstallationsListCommand(g))
	return cmd
}

type installationsListOptions struct {
	Product string
}

func newInstallationsListCommand(g *globalOptions) *cobra.Command {
	var opts installationsListOptions
	cmd := &cobra.Command{
		Use:   "list --product N-V",
		Short: "List the installations of a product and their last report",
		Long: `List the installations of a product that reported to this server, one a line,
sorted by installation id: the id, the account and channel of the session
that sent the newest report, the level it reported (0: the base
distribution), the result of that run (updated, current, conflicts,
reverted, failed) and when it came.`,
		Example: `  update-server installations list --product wso2am-4.2.0`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runInstallationsList(cmd.Context(), g, opts, args)
		},
	}
	cmd.Flags().StringVar(&opts.Product, "product", "", "the product `key`, e.g. wso2am-4.2.0")
	cmd.MarkFlagRequired("product")
	return cmd
}

func runInstallationsList(ctx context.Context, g *globalOptions, opts installationsListOptions, args []string) error {
	d, err := openData(ctx, g)
	if err != nil {
		return err
	}
	defer d.Close()
	if _, err := d.store.Product(ctx, opts.Product); errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("product %s is not known", opts.Product)
	} else if err != nil {
		return err
	}
	rs, err := d.store.Installations(ctx, opts.Product)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "INSTALLATION\tACCOUNT\tCHANNEL\tLEVEL\tRESULT\tTIME")
	for _, r := range rs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\n", r.Installation, r.Username, r.Channel, r.Level, r.Result,
			r.Time.UTC().Format(time.RFC3339))
	}
	return tw.Flush()
}
