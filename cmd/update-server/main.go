// Command update-server is the update service of inplace and its admin
// commands: it holds products, their base distributions and updates, users
// and their subscriptions, and releases of the update tool, and serves them
// over the /v1 HTTP API.
//
// Each command lives in its own file (cmd_serve.go, …) and calls a plain
// runX(ctx, opts, args) function; the work is done in internal/publish,
// internal/server and the stores. Only this file turns errors into exit
// codes.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	buildversion "inplace/internal/version"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3"; build
// info is the fallback.
var version = ""

func buildVersion() string { return buildversion.Of(version) }

// globalOptions are shared by every command.
type globalOptions struct {
	Data       string // the data folder
	TargetsKey string // the targets key file; "" means DATA/keys/targets.key
	DB         string // the metadata database URL; "" means DATA/inplace.db
	Blobs      string // the blob store URL; "" means DATA/blobs
	stdin      io.Reader
	stdout     io.Writer
	stderr     io.Writer
}

func newRootCommand(g *globalOptions) *cobra.Command {
	root := &cobra.Command{
		Use:   "update-server",
		Short: "The inplace update service and its admin commands",
		Long: `update-server holds products, their base distributions and the stream of
updates, the users entitled to them and releases of the update tool, and
serves them to the update tool over HTTP (the /v1 API).

Everything is kept in a data folder (--data): an SQLite database (inplace.db)
and a content-addressed folder of file contents (blobs/). Create it with
"update-server init", fill it with the product, update, user and tool commands,
and serve it with "update-server serve".

Past one machine, keep the metadata in PostgreSQL (--db postgres://…) and the
contents in an S3-compatible store (--blobs s3://…), and run as many "serve"
replicas as needed: they share nothing else. The data folder then holds only
the signing keys. Every command takes --db and --blobs (or the environment
variables UPDATE_SERVER_DB and UPDATE_SERVER_BLOBS).

Exit status: 0 on success, 1 on any error (the message is on stderr).`,
		Example: `  update-server init --data /srv/updates
  update-server product add --data /srv/updates --name wso2am --version 4.2.0 wso2am-4.2.0.zip
  update-server update publish --data /srv/updates --product wso2am-4.2.0 ./update-0001
  echo "$PASSWORD" | update-server user add --data /srv/updates --username alice --password-stdin --product wso2am-4.2.0 --channel full
  echo "$PASSWORD" | update-server user add --data /srv/updates --admin --username ops --password-stdin
  update-server installations list --data /srv/updates --product wso2am-4.2.0
  update-server serve --data /srv/updates --addr :8080`,
		Version:       buildVersion(),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.CompletionOptions.DisableDefaultCmd = true
	root.PersistentFlags().StringVar(&g.Data, "data", "./update-data", "the data `folder` (database and blobs)")
	root.PersistentFlags().StringVar(&g.DB, "db", os.Getenv("UPDATE_SERVER_DB"),
		"the metadata database `URL`: postgres://user:password@host/db (default: DATA/inplace.db, SQLite; env UPDATE_SERVER_DB)")
	root.PersistentFlags().StringVar(&g.Blobs, "blobs", os.Getenv("UPDATE_SERVER_BLOBS"),
		"the blob store `URL`: s3://key:secret@host/bucket[/prefix][?tls=false] or a folder (default: DATA/blobs; env UPDATE_SERVER_BLOBS)")
	root.PersistentFlags().StringVar(&g.TargetsKey, "targets-key", "", "the targets key `file` publishing signs with (default DATA/keys/targets.key)")
	root.SetIn(g.stdin)
	root.SetOut(g.stdout)
	root.SetErr(g.stderr)
	root.AddCommand(
		newInitCommand(g),
		newServeCommand(g),
		newProductCommand(g),
		newUpdateCommand(g),
		newHotfixCommand(g),
		newUserCommand(g),
		newToolCommand(g),
		newAuditCommand(g),
		newInstallationsCommand(g),
		newKeysCommand(g),
	)
	return root
}

// run runs the command line args and returns the exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	g := &globalOptions{stdin: stdin, stdout: stdout, stderr: stderr}
	root := newRootCommand(g)
	root.SetArgs(args)
	if err := root.ExecuteContext(ctx); err != nil {
		fmt.Fprintf(stderr, "update-server: %s\n", err)
		return 1
	}
	return 0
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop() // a second signal kills at once
	}()
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// groupCommand returns a command that only holds subcommands: alone it
// prints its help; with an unknown subcommand it fails.
func groupCommand(use, short string) *cobra.Command {
	return &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return cmd.Help()
		},
	}
}
