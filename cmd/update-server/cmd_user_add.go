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
}

func newUserAddCommand(g *globalOptions) *cobra.Command {
	var opts userAddOptions
	cmd := &cobra.Command{
		Use:   "add --username U --password-stdin --product N-V --channel full|security",
		Short: "Add a user subscribed to a product",
		Long: `Add a user subscribed to one product on one channel: full (every update) or
security (only security updates). A full subscriber may also ask for the
security channel. The password is read from the first line of standard
input and only its bcrypt hash is stored.`,
		Example: `  echo "$PASSWORD" | update-server user add --username alice --password-stdin \
      --product wso2am-4.2.0 --channel full`,
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
	cmd.MarkFlagRequired("username")
	cmd.MarkFlagRequired("product")
	cmd.MarkFlagRequired("channel")
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
	password, err := readPassword(g.stdin)
	if err != nil {
		return err
	}
	d, err := openData(ctx, g)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.publisher().AddUser(ctx, opts.Username, password, opts.Product, opts.Channel); err != nil {
		return err
	}
	if err := d.recordAdmin(ctx, store.AuditUserAdd, opts.Product,
		fmt.Sprintf("user %s, channel %s", opts.Username, opts.Channel)); err != nil {
		return err
	}
	fmt.Fprintf(g.stdout, "added user %s: product %s, channel %s\n", opts.Username, opts.Product, opts.Channel)
	return nil
}
