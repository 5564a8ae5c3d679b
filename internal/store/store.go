// Package store defines the metadata store of update-server: products and
// their base distributions, the updates of each product with their changes,
// users and their subscriptions, login tokens and releases of the update
// tool. File contents are not here: they live in a blob.Store, named by the
// hashes this store records.
//
// The store keeps what it is given and enforces the few invariants that need
// a transaction (unique keys, update numbers and timestamps in order). It
// never sees a password or a token in clear, only their hashes, and never
// decides who may read what: it answers questions such as BlobVisible and the
// server decides.
//
// Implementations: package sqlite (embedded, the default). The conformance
// suite every implementation must pass is package storetest.
package store

import (
	"context"
	"errors"
	"time"

	"inplace/internal/api"
)

// Errors returned (possibly wrapped) by every Store. Test them with
// errors.Is.
var (
	// ErrNotFound: the product, user, token or update asked for does not
	// exist.
	ErrNotFound = errors.New("not found")
	// ErrExists: something with the same key is already stored.
	ErrExists = errors.New("already exists")
	// ErrOutOfOrder: an update's timestamp is not after the newest update of
	// its product.
	ErrOutOfOrder = errors.New("timestamp not after the newest update")
	// ErrChanged: the metadata changed since the caller read it; read it
	// again and redo the change.
	ErrChanged = errors.New("metadata changed meanwhile")
)

// TimestampFile is the one metadata file that is replaced in place; every
// change of the metadata replaces it, so it versions the whole set.
const TimestampFile = "timestamp.json"

// Product is a product with a summary of what is stored for it.
type Product struct {
	Key     string // Name + "-" + Version, e.g. "wso2am-4.2.0"
	Name    string
	Version string
	Created time.Time

	// Filled in by Product and Products; ignored by AddProduct.
	Files   int   // entries of the base distribution
	Updates int   // updates published
	Level   int64 // timestamp of the newest update, 0 when none
}

// UpdateFilter selects updates of one product.
type UpdateFilter struct {
	After        int64 // only updates with timestamp > After
	Upto         int64 // only updates with timestamp <= Upto; 0 means no cap
	SecurityOnly bool  // only updates flagged security
}

// User is an account of a customer.
type User struct {
	Username      string
	PasswordHash  string // bcrypt; the password itself is never stored
	Created       time.Time
	Subscriptions []Subscription
}

// Subscription says which channel of a product a user receives.
type Subscription struct {
	Product string
	Channel string // api.ChannelFull or api.ChannelSecurity
}

// Token is an issued login token. Only the hash of the token is stored.
type Token struct {
	Hash     string // hex SHA-256 of the token as sent by the client
	Username string
	Product  string
	Channel  string // the channel asked for at login
	Created  time.Time
	Expires  time.Time
}

// ToolRelease is a published binary of the update tool.
type ToolRelease struct {
	api.ToolRelease
	Published time.Time
}

// Store keeps the metadata of update-server. Implementations must be safe for
// concurrent use by several goroutines and, where the backend allows it, by
// several processes. Times are stored with millisecond precision and returned
// in UTC.
type Store interface {
	// AddProduct stores product p (Key, Name, Version, Created) with the
	// entries of its base distribution, all or nothing. It fails with
	// ErrExists when a product with the same key exists. Entries must have
	// distinct paths; their order does not matter.
	AddProduct(ctx context.Context, p Product, base []api.Entry) error

	// Product returns the product with this key, or ErrNotFound.
	Product(ctx context.Context, key string) (Product, error)

	// Products returns every product, sorted by key.
	Products(ctx context.Context) ([]Product, error)

	// Base returns the entries of the product's base distribution, sorted by
	// path, or ErrNotFound when there is no such product.
	Base(ctx context.Context, product string) ([]api.Entry, error)

	// AddUpdate stores update u of product u.Product with its changes and bug
	// fixes, all or nothing, and returns its number: one more than the
	// highest number of that product (the first is 1); u.Number is ignored.
	// It fails with ErrNotFound when the product does not exist and with
	// ErrOutOfOrder when u.Timestamp is not strictly greater than 0 and
	// than the timestamp of every update of the product. Changes must have distinct
	// paths. The order of BugFixes is kept.
	AddUpdate(ctx context.Context, u api.Update) (number int, err error)

	// Updates returns the updates of a product selected by f, in timestamp
	// order, each with its Files sorted by path (never nil) and its BugFixes
	// in the order stored. It returns an empty list, not an error, when the
	// product has no such updates, and ErrNotFound when there is no such
	// product.
	Updates(ctx context.Context, product string, f UpdateFilter) ([]api.Update, error)

	// AddUser stores a user with its subscriptions, all or nothing. It fails
	// with ErrExists when the username is taken and with ErrNotFound when a
	// subscription names a product that does not exist.
	AddUser(ctx context.Context, u User) error

	// User returns the user with its subscriptions sorted by product, or
	// ErrNotFound.
	User(ctx context.Context, username string) (User, error)

	// AddToken stores an issued token. It fails with ErrExists when a token
	// with the same hash exists.
	AddToken(ctx context.Context, t Token) error

	// Token returns the token with this hash, expired or not, or
	// ErrNotFound. Deciding whether it is still valid is the caller's job.
	Token(ctx context.Context, hash string) (Token, error)

	// DeleteExpiredTokens deletes every token that expired at or before now
	// and returns how many it deleted.
	DeleteExpiredTokens(ctx context.Context, now time.Time) (int, error)

	// AddToolRelease stores a release of the update tool. It fails with
	// ErrExists when a release with the same version, OS and arch exists.
	AddToolRelease(ctx context.Context, r ToolRelease) error

	// ToolReleases returns the releases for one OS and arch, in no
	// particular order (versions are compared by the caller).
	ToolReleases(ctx context.Context, os, arch string) ([]ToolRelease, error)

	// BlobVisible reports whether the blob with hash sum may be served to a
	// subscriber of product on channel: it is the content of an entry of the
	// product's base distribution, of a change of an update of the product
	// that is in that channel (api.Update.InChannel), or of any published
	// tool release.
	BlobVisible(ctx context.Context, sum, product, channel string) (bool, error)

	// Metadata returns the metadata file with this name (such as
	// "timestamp.json" or "3.targets.json"), or ErrNotFound.
	Metadata(ctx context.Context, name string) ([]byte, error)

	// PutMetadata stores files (name -> content), all or nothing, if
	// TimestampFile still holds prev (nil: it does not exist yet), and fails
	// with ErrChanged otherwise: of several writers that read the same
	// metadata, one wins. Files other than TimestampFile are written once:
	// storing different content under a stored name fails with ErrExists.
	PutMetadata(ctx context.Context, prev []byte, files map[string][]byte) error

	// Close releases the store's resources.
	Close() error
}
