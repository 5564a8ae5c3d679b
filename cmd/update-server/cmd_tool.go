package main

import "github.com/spf13/cobra"

func newToolCommand(g *globalOptions) *cobra.Command {
	cmd := groupCommand("tool", "Publish releases of the update tool")
	cmd.AddCommand(newToolPublishCommand(g))
	return cmd
}
