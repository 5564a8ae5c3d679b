package main

import "github.com/spf13/cobra"

func newProductCommand(g *globalOptions) *cobra.Command {
	cmd := groupCommand("product", "Register products and their base distributions")
	cmd.AddCommand(newProductAddCommand(g), newProductListCommand(g))
	return cmd
}
