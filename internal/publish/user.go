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
	return p.addUser(ctx, store.User{Username: username,
		Subscriptions: []store.Subscription{{Product: product, Channel: channel}}}, password)
}

// AddAdmin stores a vendor's admin account (store.User.Admin), which sees
// every product and the installations' reports in the web catalog. It
// needs no subscription; subs, if any, let it also log in with the update
// tool. Only the bcrypt hash of the password is stored.
func (p *Publisher) AddAdmin(ctx context.Context, username, password string, subs ...store.Subscription) error {
	return p.addUser(ctx, store.User{Username: username, Admin: true, Subscriptions: subs}, password)
}

// addUser checks u (Username, Admin, Subscriptions) and password, and
// stores u with the password's hash.
func (p *Publisher) addUser(ctx context.Context, u store.User, password string) error {
	if err := checkUsername(u.Username); err != nil {
		return err
	}
	if password == "" {
		return errors.New("the password is empty")
	}
	if len(password) > 72 {
		return errors.New("the password is longer than 72 bytes, the most bcrypt can use")
	}
	for _, sub := range u.Subscriptions {
		if !api.ValidChannel(sub.Channel) {
			return fmt.Errorf("channel %q: must be %s or %s", sub.Channel, api.ChannelFull, api.ChannelSecurity)
		}
		if _, err := p.Store.Product(ctx, sub.Product); errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("product %s is not known: add it first with update-server product add", sub.Product)
		} else if err != nil {
			return err
		}
	}
	if _, err := p.Store.User(ctx, u.Username); err == nil {
		return fmt.Errorf("user %s already exists", u.Username)
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
	u.PasswordHash = string(hash)
	u.Created = p.now().UTC()
	if err := p.Store.AddUser(ctx, u); err != nil {
		if errors.Is(err, store.ErrExists) {
			return fmt.Errorf("user %s already exists", u.Username)
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
