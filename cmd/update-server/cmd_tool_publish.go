package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"inplace/internal/publish"
	"inplace/internal/store"
)

type toolPublishOptions struct {
	Version string
	OS      string
	Arch    string
}

func newToolPublishCommand(g *globalOptions) *cobra.Command {
	var opts toolPublishOptions
	cmd := &cobra.Command{
		Use:   "publish --version SEMVER --os OS --arch ARCH BINARY",
		Short: "Publish a binary of the update tool",
		Long: `Publish a binary of the update tool for one OS and architecture. The tool
asks for the latest release for its OS and arch and updates itself. Versions
are semantic versions (1.4.0, 1.4.0-rc.1; a leading v is dropped).`,
		Example: `  update-server tool publish --version 1.4.0 --os linux --arch amd64 dist/update_linux
  update-server tool publish --version 1.4.0 --os windows --arch arm64 dist/update_windows_arm64.exe`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runToolPublish(cmd.Context(), g, opts, args)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Version, "version", "", "the release `version`, e.g. 1.4.0")
	f.StringVar(&opts.OS, "os", "", "the `os`: "+strings.Join(publish.ToolOSes, ", "))
	f.StringVar(&opts.Arch, "arch", "", "the `arch`: "+strings.Join(publish.ToolArches, ", "))
	cmd.MarkFlagRequired("version")
	cmd.MarkFlagRequired("os")
	cmd.MarkFlagRequired("arch")
	return cmd
}

func runToolPublish(ctx context.Context, g *globalOptions, opts toolPublishOptions, args []string) error {
	d, err := openData(ctx, g)
	if err != nil {
		return err
	}
	defer d.Close()
	keys, err := publishKeys(g)
	if err != nil {
		return err
	}
	rel, err := d.publisher().PublishTool(ctx, opts.Version, opts.OS, opts.Arch, args[0])
	if err != nil {
		return err
	}
	if err := d.recordAdmin(ctx, store.AuditToolPublish, "",
		fmt.Sprintf("version %s for %s/%s, sha256 %s", rel.Version, rel.OS, rel.Arch, rel.SHA256)); err != nil {
		return err
	}
	if err := sign(ctx, d, keys); err != nil {
		return err
	}
	fmt.Fprintf(g.stdout, "published update tool %s for %s/%s: sha256 %s, %d bytes\n", rel.Version, rel.OS, rel.Arch, rel.SHA256, rel.Size)
	return nil
}
