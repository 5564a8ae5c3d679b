package publish

import (
	"context"
	"errors"
	"fmt"
	"unicode"

	"golang.org/x/crypto/bcrypt"

	"inplace/internal/api"
	"inplace/internal/store"
)

// maxUsername bounds the length of a username.
const maxUsername = 256

// AddUser stores a user subscribed to one product on one channel. Only the
// bcrypt hash of the password is stored.
func (p *Publisher) AddUser(ctx context.Context, username, password, product, channel string) error {
	if err := checkUsername(username); err != nil {
		return err
	}
	if password == "" {
		return errors.New("the password is empty")
	}
	if len(password) > 72 {
		return errors.New("the password is longer than 72 bytes, the most bcrypt can use")
	}
	if !api.ValidChannel(channel) {
		return fmt.Errorf("channel %q: must be %s or %s", channel, api.ChannelFull, api.ChannelSecurity)
	}
	if _, err := p.Store.Product(ctx, product); errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("product %s is not known: add it first with update-server product add", product)
	} else if err != nil {
		return err
	}
	if _, err := p.Store.User(ctx, username); err == nil {
		return fmt.Errorf("user %s already exists", username)
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}

	cost := p.PasswordCost
	if cost == 0 {
		cost = bcrypt.DefaultCost
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), cost)
	if err != nil {
		return fmt.Errorf("hash password: %w", err)
	}
	u := store.User{
		Username:      username,
		PasswordHash:  string(hash),
		Created:       p.now().UTC(),
		Subscriptions: []store.Subscription{{Product: product, Channel: channel}},
	}
	if err := p.Store.AddUser(ctx, u); err != nil {
		if errors.Is(err, store.ErrExists) {
			return fmt.Errorf("user %s already exists", username)
		}
		return err
	}
	return nil
}

// checkUsername refuses empty or overlong usernames and those holding
// spaces or control characters.
func checkUsername(u string) error {
	if u == "" {
		return errors.New("the username is empty")
	}
	if len(u) > maxUsername {
		return fmt.Errorf("the username is longer than %d bytes", maxUsername)
	}
	for _, r := range u {
		if unicode.IsSpace(r) || unicode.IsControl(r) || r == unicode.ReplacementChar {
			return fmt.Errorf("username %q: no spaces or control characters", u)
		}
	}
	return nil
}
