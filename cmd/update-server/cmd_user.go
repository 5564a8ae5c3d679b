package main

import "github.com/spf13/cobra"

func newUserCommand(g *globalOptions) *cobra.Command {
	cmd := groupCommand("user", "Manage the users entitled to updates")
	cmd.AddCommand(newUserAddCommand(g))
	return cmd
}
