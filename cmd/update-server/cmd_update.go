package main

import "github.com/spf13/cobra"

func newUpdateCommand(g *globalOptions) *cobra.Command {
	cmd := groupCommand("update", "Publish and list the updates of a product")
	cmd.AddCommand(newUpdatePublishCommand(g), newUpdateListCommand(g))
	return cmd
}
