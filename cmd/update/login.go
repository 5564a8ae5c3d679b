package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/term"

	"inplace/internal/api"
	"inplace/internal/client"
	"inplace/internal/home"
)

var clientErrUnauthorized = client.ErrUnauthorized

// session is a connection to the update server with a valid token.
type session struct {
	client  *client.Client
	channel string
}

// connect returns a logged-in client: the saved session when it still fits,
// otherwise a new login with credentials from flags, the environment or
// prompts. Only the token is kept, readable by its owner alone.
func connect(ctx context.Context, h *home.Home, product string, st *home.State, o *options, stdin *os.File, stderr io.Writer) (*session, error) {
	saved := h.LoadSession()
	server := firstOf(o.server, os.Getenv("UPDATE_SERVER"))
	if server == "" && saved != nil {
		server = saved.Server
	}
	if server == "" {
		if b, err := os.ReadFile(h.Path("updates/server.txt")); err == nil {
			server = strings.TrimSpace(string(b))
		}
	}
	if server == "" {
		return nil, errors.New("no update server is known: pass --server URL (or set UPDATE_SERVER); it is remembered")
	}
	c, err := client.New(server)
	if err != nil {
		return nil, err
	}
	channel := firstOf(o.channel, os.Getenv("UPDATE_CHANNEL"))
	if channel != "" && !api.ValidChannel(channel) {
		return nil, fmt.Errorf("unknown channel %q: use full or security", channel)
	}
	username := firstOf(o.username, os.Getenv("UPDATE_USERNAME"))
	if saved != nil && !o.passwordStdin && saved.Server == c.URL() && saved.Product == product &&
		(channel == "" || channel == saved.Channel) && (username == "" || username == saved.Username) &&
		time.Now().Add(time.Minute).Before(time.Unix(saved.ExpiresAt, 0)) {
		c.Token = saved.Token
		return &session{client: c, channel: saved.Channel}, nil
	}

	interactive := !o.nonInteractive && term.IsTerminal(int(stdin.Fd()))
	in := bufio.NewReader(stdin)
	password := os.Getenv("UPDATE_PASSWORD")
	if o.passwordStdin {
		line, err := in.ReadString('\n')
		if err != nil && line == "" {
			return nil, errors.New("--password-stdin: nothing to read on standard input")
		}
		password = strings.TrimRight(line, "\r\n")
		interactive = false // stdin is the password, not a person
	}
	if username == "" && interactive {
		if username, err = prompt(in, stderr, "Username: "); err != nil {
			return nil, err
		}
	}
	if password == "" && interactive {
		fmt.Fprint(stderr, "Password: ")
		b, err := term.ReadPassword(int(stdin.Fd()))
		fmt.Fprintln(stderr)
		if err != nil {
			return nil, fmt.Errorf("read the password: %w", err)
		}
		password = string(b)
	}
	if channel == "" && interactive {
		def := firstOf(st.Channel, api.ChannelFull)
		if saved != nil && saved.Product == product {
			def = firstOf(saved.Channel, def)
		}
		ans, err := prompt(in, stderr, fmt.Sprintf("Channel (full or security) [%s]: ", def))
		if err != nil {
			return nil, err
		}
		channel = firstOf(strings.TrimSpace(ans), def)
		if !api.ValidChannel(channel) {
			return nil, fmt.Errorf("unknown channel %q: use full or security", channel)
		}
	}
	if channel == "" && saved != nil && saved.Product == product {
		channel = saved.Channel
	}
	channel = firstOf(channel, st.Channel)
	var missing []string
	if username == "" {
		missing = append(missing, "username (-u or UPDATE_USERNAME)")
	}
	if password == "" {
		missing = append(missing, "password (--password-stdin or UPDATE_PASSWORD)")
	}
	if channel == "" {
		missing = append(missing, "channel (-c or UPDATE_CHANNEL)")
	}
	if len(missing) > 0 {
		why := "not logged in"
		if saved != nil && saved.Server == c.URL() && saved.Product == product {
			why = "the saved session expired at " + time.Unix(saved.ExpiresAt, 0).UTC().Format(time.RFC3339)
		}
		return nil, fmt.Errorf("%s and no terminal to ask on: give the %s", why, strings.Join(missing, ", "))
	}
	tok, err := c.Login(ctx, api.TokenRequest{Username: username, Password: password, Product: product, Channel: channel})
	if err != nil {
		return nil, err
	}
	c.Token = tok.Token
	if err := h.SaveSession(&home.Session{Server: c.URL(), Username: tok.Username, Product: product,
		Channel: tok.Channel, Token: tok.Token, ExpiresAt: tok.ExpiresAt.Unix()}); err != nil {
		return nil, fmt.Errorf("save the session: %w", err)
	}
	return &session{client: c, channel: tok.Channel}, nil
}

// prompt asks a question on the terminal and reads one line.
func prompt(in *bufio.Reader, w io.Writer, q string) (string, error) {
	fmt.Fprint(w, q)
	line, err := in.ReadString('\n')
	if err != nil && line == "" {
		return "", fmt.Errorf("no answer to %q", strings.TrimSpace(q))
	}
	return strings.TrimSpace(line), nil
}

func firstOf(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
