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

// connect returns a logged-in client: the saved session when it still fits
// (renewed with its refresh token when its access token has expired),
// otherwise a new login with credentials from flags, the environment or
// prompts. Only tokens are kept, readable by their owner alone.
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
	c, err := client.NewWith(server, o.clientOptions())
	if err != nil {
		return nil, err
	}
	channel := firstOf(o.channel, os.Getenv("UPDATE_CHANNEL"))
	if channel != "" && !api.ValidChannel(channel) {
		return nil, fmt.Errorf("unknown channel %q: use full or security", channel)
	}
	username := firstOf(o.username, os.Getenv("UPDATE_USERNAME"))
	var why string // why the saved session is of no use, when there is one
	if saved != nil && !o.passwordStdin && saved.Server == c.URL() && saved.Product == product &&
		(channel == "" || channel == saved.Channel) && (username == "" || username == saved.Username) {
		sess, reason, err := resume(ctx, h, c, *saved)
		if sess != nil || err != nil {
			return sess, err
		}
		why = reason
	}

	interactive := !o.nonInteractive && term.IsTerminal(int(stdin.Fd()))
	if interactive && why != "" {
		fmt.Fprintf(stderr, "update: %s; log in again\n", why)
	}
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
		if why == "" {
			why = "not logged in"
			if saved != nil && saved.Server == c.URL() && saved.Product == product {
				why = "the saved session expired at " + time.Unix(saved.ExpiresAt, 0).UTC().Format(time.RFC3339)
			}
		}
		return nil, fmt.Errorf("%s and no terminal to ask on: give the %s", why, strings.Join(missing, ", "))
	}
	tok, err := c.Login(ctx, api.TokenRequest{Username: username, Password: password, Product: product, Channel: channel})
	if err != nil {
		return nil, err
	}
	return saveSession(h, c, product, tok)
}

// resume returns a session from the saved one: its access token while it
// is good for another minute, otherwise new tokens bought with its refresh
// token. When the saved session is of no more use it returns nil and why,
// for a new login; it fails only when it cannot tell, such as when the
// server cannot be reached.
func resume(ctx context.Context, h *home.Home, c *client.Client, saved home.Session) (*session, string, error) {
	now := time.Now()
	if now.Add(time.Minute).Before(time.Unix(saved.ExpiresAt, 0)) {
		c.Token = saved.Token
		keepRenewed(h, c, saved)
		return &session{client: c, channel: saved.Channel}, "", nil
	}
	if saved.RefreshToken == "" || !now.Before(time.Unix(saved.RefreshExpiresAt, 0)) {
		expired := max(saved.ExpiresAt, saved.RefreshExpiresAt)
		return nil, "the saved session expired at " + time.Unix(expired, 0).UTC().Format(time.RFC3339), nil
	}
	tok, err := c.Refresh(ctx, saved.RefreshToken)
	var refused *client.Error
	if errors.Is(err, client.ErrUnauthorized) && errors.As(err, &refused) {
		// Keep the server, username and channel for the next login.
		saved.RefreshToken, saved.RefreshExpiresAt = "", 0
		_ = h.SaveSession(&saved)
		return nil, "the saved session could not be renewed (" + refused.Message + ")", nil
	}
	if err != nil {
		return nil, "", fmt.Errorf("renew the saved session: %w", err)
	}
	sess, err := saveSession(h, c, saved.Product, tok)
	return sess, "", err
}

// saveSession keeps the tokens of a login or refresh and returns the
// session.
func saveSession(h *home.Home, c *client.Client, product string, tok *api.TokenResponse) (*session, error) {
	s := home.Session{Server: c.URL(), Username: tok.Username, Product: product,
		Channel: tok.Channel, Token: tok.Token, ExpiresAt: tok.ExpiresAt.Unix()}
	if tok.RefreshToken != "" {
		s.RefreshToken, s.RefreshExpiresAt = tok.RefreshToken, tok.RefreshExpiresAt.Unix()
	}
	if err := h.SaveSession(&s); err != nil {
		return nil, fmt.Errorf("save the session: %w", err)
	}
	c.Token = tok.Token
	keepRenewed(h, c, s)
	return &session{client: c, channel: tok.Channel}, nil
}

// keepRenewed lets the client renew an access token the server refuses
// during the run (it expired meanwhile, or the clocks disagree) with the
// session's refresh token, saving each new pair.
func keepRenewed(h *home.Home, c *client.Client, s home.Session) {
	if s.RefreshToken == "" {
		return
	}
	c.Renew = func(ctx context.Context) (string, error) {
		tok, err := c.Refresh(ctx, s.RefreshToken)
		if err != nil {
			return "", err
		}
		s.Token, s.ExpiresAt = tok.Token, tok.ExpiresAt.Unix()
		s.RefreshToken, s.RefreshExpiresAt = tok.RefreshToken, tok.RefreshExpiresAt.Unix()
		if err := h.SaveSession(&s); err != nil {
			return "", fmt.Errorf("save the renewed session: %w", err)
		}
		return tok.Token, nil
	}
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
