package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"inplace/internal/store"
)

type userAddOptions struct {
	Username      string
	PasswordStdin bool
	Product       string
	Channel       string
	Admin         bool
}

func newUserAddCommand(g *globalOptions) *cobra.Command {
	var opts userAddOptions
	cmd := &cobra.Command{
		Use:   "add --username U --password-stdin (--product N-V --channel full|security | --admin)",
		Short: "Add a user subscribed to a product, or a vendor's admin account",
		Long: `Add a user subscribed to one product on one channel: full (every update) or
security (only security updates). A full subscriber may also ask for the
security channel.

With --admin, add a vendor's admin account instead: it sees every product
and the installations' reports in the web catalog, and needs no
subscription (--product and --channel may be left out; given, the account
can also log in with the update tool).

The password is read from the first line of standard input and only its
bcrypt hash is stored.`,
		Example: `  echo "$PASSWORD" | update-server user add --username alice --password-stdin \
      --product wso2am-4.2.0 --channel full
  echo "$PASSWORD" | update-server user add --admin --username ops --password-stdin`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runUserAdd(cmd.Context(), g, opts, args)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Username, "username", "", "the `name` the user logs in with")
	f.BoolVar(&opts.PasswordStdin, "password-stdin", false, "read the password from standard input")
	f.StringVar(&opts.Product, "product", "", "the product `key` subscribed to, e.g. wso2am-4.2.0")
	f.StringVar(&opts.Channel, "channel", "", "the `channel` subscribed to: full or security")
	f.BoolVar(&opts.Admin, "admin", false, "add a vendor's admin account, which sees every product and the installations' reports; no subscription needed")
	cmd.MarkFlagRequired("username")
	return cmd
}

// readPassword reads the first line of r, without its line ending.
func readPassword(r io.Reader) (string, error) {
	line, err := bufio.NewReader(io.LimitReader(r, 4096)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read the password from standard input: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}

func runUserAdd(ctx context.Context, g *globalOptions, opts userAddOptions, args []string) error {
	if !opts.PasswordStdin {
		return errors.New("--password-stdin is required: the password is read from standard input, never from the command line")
	}
	var sub []store.Subscription
	switch {
	case opts.Product != "" && opts.Channel != "":
		sub = []store.Subscription{{Product: opts.Product, Channel: opts.Channel}}
	case opts.Product != "" || opts.Channel != "" || !opts.Admin:
		return errors.New("--product and --channel are required together (or --admin, for a vendor's account with no subscription)")
	}
	password, err := readPassword(g.stdin)
	if err != nil {
		return err
	}
	d, err := openData(ctx, g)
	if err != nil {
		return err
	}
	defer d.Close()
	pub := d.publisher()
	if !opts.Admin {
		err = pub.AddUser(ctx, opts.Username, password, opts.Product, opts.Channel)
	} else {
		err = pub.AddAdmin(ctx, opts.Username, password, sub...)
	}
	if err != nil {
		return err
	}
	what, detail := "user "+opts.Username, "user "+opts.Username
	if opts.Admin {
		what, detail = "admin user "+opts.Username, "admin user "+opts.Username
	}
	if len(sub) > 0 {
		detail += ", channel " + opts.Channel
		what += fmt.Sprintf(": product %s, channel %s", opts.Product, opts.Channel)
	} else {
		what += ", with no subscription"
	}
	if err := d.recordAdmin(ctx, store.AuditUserAdd, opts.Product, detail); err != nil {
		return err
	}
	fmt.Fprintf(g.stdout, "added %s\n", what)
	return nil
}
