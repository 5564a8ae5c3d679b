// Package store defines the metadata store of update-server: products and
// their base distributions, the updates of each product with their changes,
// users and their subscriptions, login tokens, releases of the update tool
// and the audit log. File contents are not here: they live in a blob.Store, named by the
// hashes this store records.
//
// The store keeps what it is given and enforces the few invariants that need
// a transaction (unique keys, update numbers and timestamps in order). It
// never sees a password or a token in clear, only their hashes, and never
// decides who may read what: it answers questions such as BlobVisible and the
// server decides.
//
// Implementations: package sqlite (embedded, the default) and package
// postgres (shared by replicas). The conformance
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
	// ErrUsed: the refresh token was exchanged already.
	ErrUsed = errors.New("already used")
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
	// Admin: a vendor's account, which sees every product and the
	// installations' reports in the web catalog. It may have no
	// subscription.
	Admin bool
}

// Session is a login to the web catalog, kept by the hash of the cookie
// that carries it.
type Session struct {
	Hash     string // hex SHA-256 of the cookie's value
	Username string
	Created  time.Time
	Expires  time.Time
}

// Results an installation reports after a run of the tool.
const (
	ResultUpdated   = "updated"   // updates applied
	ResultCurrent   = "current"   // nothing to do
	ResultConflicts = "conflicts" // stopped on conflicts to resolve
	ResultReverted  = "reverted"  // a revert
	ResultFailed    = "failed"    // the run failed
)

// Report is what an installation said of itself after a run of the tool:
// its product, level, channel and result, nothing else.
type Report struct {
	Installation string // random id the tool keeps in PRODUCT_HOME
	Product      string
	Channel      string
	Username     string // the account whose token sent it
	Level        int64  // timestamp of the newest applied update; 0: the base distribution
	Result       string // one of the Result… constants
	Time         time.Time
}

// Subscription says which channel of a product a user receives.
type Subscription struct {
	Product string
	Channel string // api.ChannelFull or api.ChannelSecurity
}

// Token is an issued access token. Only the hash of the token is stored.
type Token struct {
	Hash     string // hex SHA-256 of the token as sent by the client
	Username string
	Product  string
	Channel  string // the channel asked for at login
	Family   string // the login it descends from (see RefreshToken); may be empty
	Created  time.Time
	Expires  time.Time
}

// RefreshToken is an issued refresh token: it buys a new access token and a
// new refresh token, once. Only the hash of the token is stored.
type RefreshToken struct {
	Hash     string // hex SHA-256 of the token as sent by the client
	Family   string // shared by every token descended from one login
	Username string
	Product  string
	Channel  string
	Created  time.Time
	Expires  time.Time
	Used     time.Time // when it was exchanged; zero while it was not
}

// Actions of the audit log.
const (
	AuditLogin         = "login"          // POST /v1/token with a password
	AuditRefresh       = "refresh"        // POST /v1/token with a refresh token
	AuditWebLogin      = "web.login"      // POST /login of the web catalog
	AuditDownload      = "download"       // GET /v1/blobs/{sha256}
	AuditProductAdd    = "product.add"    // update-server product add
	AuditUpdatePublish = "update.publish" // update-server update publish
	AuditUserAdd       = "user.add"       // update-server user add
	AuditToolPublish   = "tool.publish"   // update-server tool publish
	AuditHotfixPublish = "hotfix.publish" // update-server hotfix publish
)

// AuditEvent is one entry of the audit log. It never holds a password or a
// token.
type AuditEvent struct {
	ID       int64 // set by Audit, increasing in the order stored; ignored by AddAudit
	Time     time.Time
	Action   string // one of the Audit… constants
	OK       bool   // false: the action was refused or failed
	Username string // the customer's account, as given; for admin commands the operating-system user
	Address  string // the client's IP address; for admin commands the host name
	Product  string // the product concerned, if any
	Detail   string // what else identifies the action: a blob hash, an update, a version, why it failed
	Bytes    int64  // downloads: bytes sent
}

// AuditFilter selects audit events. Zero fields select everything.
type AuditFilter struct {
	Since    time.Time // only events at or after Since
	Username string    // only events of this username
	Action   string    // only events of this action
	Limit    int       // only the newest Limit events; 0: no limit
}

// ToolRelease is a published binary of the update tool.
type ToolRelease struct {
	api.ToolRelease
	Published time.Time
}

// Hotfix is a published hotfix with the accounts it is for.
type Hotfix struct {
	api.Hotfix
	Users []string // usernames, sorted
}

// Packed is a form of a blob that is cheaper to send, computed once by the
// server and kept: the blob compressed, or a delta from another blob.
type Packed struct {
	SHA256   string // the blob it rebuilds
	From     string // the blob a delta starts from; "" for plain compression
	Encoding string // api.EncodingZstd, api.EncodingDelta or api.EncodingIdentity
	Payload  string // the blob holding the packed bytes (the blob itself for identity)
	Size     int64  // the payload's length
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
	// paths. The order of BugFixes is kept, and so is Hotfixes (the store
	// does not check that they exist: the publisher does).
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

	// DeleteExpiredTokens deletes every access and refresh token, and
	// every web session, that expired at or before now and returns how
	// many it deleted.
	DeleteExpiredTokens(ctx context.Context, now time.Time) (int, error)

	// AddRefreshToken stores an issued refresh token; t.Used is ignored. It
	// fails with ErrExists when a refresh token with the same hash exists.
	AddRefreshToken(ctx context.Context, t RefreshToken) error

	// RefreshToken returns the refresh token with this hash, used, expired
	// or not, or ErrNotFound. Deciding whether it may be used is the
	// caller's job.
	RefreshToken(ctx context.Context, hash string) (RefreshToken, error)

	// RotateRefreshToken marks the refresh token with this hash used at
	// `at` and stores its successors, a refresh token and an access token,
	// all or nothing. It fails with ErrNotFound when there is no such
	// token and with ErrUsed when it was used already: of two concurrent
	// rotations of one token, one fails.
	RotateRefreshToken(ctx context.Context, hash string, at time.Time, next RefreshToken, access Token) error

	// RevokeTokenFamily deletes every access and refresh token of the
	// family and returns how many it deleted. An empty family deletes
	// nothing.
	RevokeTokenFamily(ctx context.Context, family string) (int, error)

	// AddAudit appends an event to the audit log.
	AddAudit(ctx context.Context, e AuditEvent) error

	// Audit returns the events selected by f, oldest first (by Time, then
	// in the order stored), each with its ID.
	Audit(ctx context.Context, f AuditFilter) ([]AuditEvent, error)

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

	// AddHotfix stores hotfix h of product h.Product with its changes and
	// the users it is published for, all or nothing. It fails with
	// ErrNotFound when the product or one of the users does not exist and
	// with ErrExists when the product has a hotfix with the same ID.
	// Changes must have distinct paths.
	AddHotfix(ctx context.Context, h Hotfix) error

	// Hotfixes returns the hotfixes of a product in the order published
	// (then by ID), each with its Files sorted by path (never nil), its
	// BugFixes in the order stored and its Users sorted. It returns an
	// empty list when the product has none and ErrNotFound when there is
	// no such product.
	Hotfixes(ctx context.Context, product string) ([]Hotfix, error)

	// HotfixBlobVisible reports whether the blob with hash sum is the
	// content of a change of a hotfix of product published for username.
	HotfixBlobVisible(ctx context.Context, sum, product, username string) (bool, error)

	// Metadata returns the metadata file with this name (such as
	// "timestamp.json" or "3.targets.json"), or ErrNotFound.
	Metadata(ctx context.Context, name string) ([]byte, error)

	// PutMetadata stores files (name -> content), all or nothing, if
	// TimestampFile still holds prev (nil: it does not exist yet), and fails
	// with ErrChanged otherwise: of several writers that read the same
	// metadata, one wins. Files other than TimestampFile are written once:
	// storing different content under a stored name fails with ErrExists.
	PutMetadata(ctx context.Context, prev []byte, files map[string][]byte) error

	// Packed returns the packed form of blob sum recorded for from ("": the
	// plain compressed form; otherwise a delta from the blob from), or
	// ErrNotFound.
	Packed(ctx context.Context, sum, from string) (Packed, error)

	// PutPacked records a packed form. Recording one that exists keeps the
	// first: a packed form, like a blob, never changes once recorded.
	PutPacked(ctx context.Context, p Packed) error

	// AddSession stores a web session. It fails with ErrExists when one
	// with the same hash exists and with ErrNotFound when the user does
	// not exist.
	AddSession(ctx context.Context, sess Session) error

	// Session returns the session with this hash, expired or not, or
	// ErrNotFound.
	Session(ctx context.Context, hash string) (Session, error)

	// DeleteSession deletes the session with this hash; deleting one that
	// does not exist is no error.
	DeleteSession(ctx context.Context, hash string) error

	// AddReport records an installation's report: it becomes the
	// installation's current state (Installations) and joins the history
	// (Reports). It fails with ErrNotFound when the product does not
	// exist.
	AddReport(ctx context.Context, r Report) error

	// Installations returns the newest report of each installation of the
	// product, sorted by installation id; an empty list when none
	// reported.
	Installations(ctx context.Context, product string) ([]Report, error)

	// Reports returns every report of the product at or after since,
	// oldest first (by Time, then in the order stored).
	Reports(ctx context.Context, product string, since time.Time) ([]Report, error)

	// PruneReports deletes the reports received before before from the
	// history, except each installation's newest, which Installations
	// goes on listing however old it is. It returns how many it deleted.
	PruneReports(ctx context.Context, before time.Time) (int, error)

	// Exclusive runs fn unless work of the same name is running already,
	// in this process or in another one sharing the store, and reports
	// whether fn ran. Scheduled work of the server (re-signing the
	// metadata, deleting expired tokens) goes through it, so that
	// replicas sharing one database do it once. The context given to fn is
	// cancelled when ctx is, or when the store loses the means to keep
	// others out (a PostgreSQL connection drops).
	Exclusive(ctx context.Context, name string, fn func(ctx context.Context) error) (ran bool, err error)

	// Ping reports whether the store answers; /readyz asks it.
	Ping(ctx context.Context) error

	// Close releases the store's resources.
	Close() error
}
