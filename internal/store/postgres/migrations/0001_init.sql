-- The schema of update-server on PostgreSQL: the four SQLite migrations
-- (init, metadata, accounts, packed) as one, since no PostgreSQL database
-- predates it. A later change is a new file, 0002_….sql.
--
-- Times are milliseconds since the epoch (bigint), as in SQLite, so that
-- both stores keep the same precision. Product keys, usernames and paths
-- are compared byte by byte (COLLATE "C"), whatever the database's locale:
-- the store returns them sorted as Go sorts strings, and a locale's
-- collation would sort "a-b" and "a/b", or "B" and "a", differently.

CREATE TABLE products (
	key        text COLLATE "C" PRIMARY KEY,
	name       text NOT NULL,
	version    text NOT NULL,
	created_ms bigint NOT NULL
);

-- The files and symlinks of each product's base distribution.
CREATE TABLE base_entries (
	product text COLLATE "C" NOT NULL REFERENCES products (key),
	path    text COLLATE "C" NOT NULL,
	kind    text NOT NULL CHECK (kind IN ('file', 'symlink')),
	mode    bigint NOT NULL,
	sha256  text NOT NULL,
	size    bigint NOT NULL,
	target  text NOT NULL,
	PRIMARY KEY (product, path)
);
CREATE INDEX base_entries_sha256 ON base_entries (sha256, product);

CREATE TABLE updates (
	id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	product      text COLLATE "C" NOT NULL REFERENCES products (key),
	number       integer NOT NULL,
	timestamp    bigint NOT NULL,
	security     boolean NOT NULL,
	description  text NOT NULL,
	instructions text NOT NULL,
	published_ms bigint NOT NULL,
	UNIQUE (product, number),
	UNIQUE (product, timestamp)
);

-- What each update does to each path: remove it, or set it to an entry.
CREATE TABLE changes (
	update_id bigint NOT NULL REFERENCES updates (id),
	path      text COLLATE "C" NOT NULL,
	remove    boolean NOT NULL,
	kind      text NOT NULL,
	mode      bigint NOT NULL,
	sha256    text NOT NULL,
	size      bigint NOT NULL,
	target    text NOT NULL,
	PRIMARY KEY (update_id, path)
);
CREATE INDEX changes_sha256 ON changes (sha256);

CREATE TABLE bug_fixes (
	update_id bigint NOT NULL REFERENCES updates (id),
	position  integer NOT NULL,
	id        text NOT NULL,
	summary   text NOT NULL,
	PRIMARY KEY (update_id, position)
);

CREATE TABLE users (
	username      text COLLATE "C" PRIMARY KEY,
	password_hash text NOT NULL,
	created_ms    bigint NOT NULL
);

CREATE TABLE subscriptions (
	username text COLLATE "C" NOT NULL REFERENCES users (username),
	product  text COLLATE "C" NOT NULL REFERENCES products (key),
	channel  text NOT NULL CHECK (channel IN ('full', 'security')),
	PRIMARY KEY (username, product)
);

-- Issued access tokens, by the SHA-256 of the token: never the token
-- itself. Every token descends from one login, its family (possibly '');
-- revoking a family deletes its access and refresh tokens.
CREATE TABLE tokens (
	hash       text PRIMARY KEY,
	username   text COLLATE "C" NOT NULL REFERENCES users (username),
	product    text COLLATE "C" NOT NULL REFERENCES products (key),
	channel    text NOT NULL,
	family     text NOT NULL DEFAULT '',
	created_ms bigint NOT NULL,
	expires_ms bigint NOT NULL
);
CREATE INDEX tokens_expires ON tokens (expires_ms);
CREATE INDEX tokens_family ON tokens (family);

-- Issued refresh tokens, by the SHA-256 of the token. A used token
-- (used_ms > 0) is kept until it expires, so that presenting it again is
-- recognised.
CREATE TABLE refresh_tokens (
	hash       text PRIMARY KEY,
	family     text NOT NULL,
	username   text COLLATE "C" NOT NULL REFERENCES users (username),
	product    text COLLATE "C" NOT NULL REFERENCES products (key),
	channel    text NOT NULL,
	created_ms bigint NOT NULL,
	expires_ms bigint NOT NULL,
	used_ms    bigint NOT NULL DEFAULT 0
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family);
CREATE INDEX refresh_tokens_expires ON refresh_tokens (expires_ms);

-- The audit log: logins, refreshes, downloads and admin actions. Usernames
-- are kept as given (a failed login may name no account), so no foreign key.
CREATE TABLE audit (
	id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	time_ms  bigint NOT NULL,
	action   text NOT NULL,
	ok       boolean NOT NULL,
	username text NOT NULL,
	address  text NOT NULL,
	product  text NOT NULL,
	detail   text NOT NULL,
	bytes    bigint NOT NULL
);
CREATE INDEX audit_time ON audit (time_ms);
CREATE INDEX audit_username ON audit (username, time_ms);

CREATE TABLE tool_releases (
	os           text NOT NULL,
	arch         text NOT NULL,
	version      text NOT NULL,
	sha256       text NOT NULL,
	size         bigint NOT NULL,
	published_ms bigint NOT NULL,
	PRIMARY KEY (os, arch, version)
);
CREATE INDEX tool_releases_sha256 ON tool_releases (sha256);

-- The signed TUF metadata of the service (root, targets, snapshot,
-- timestamp), file by file under the names clients fetch.
CREATE TABLE metadata (
	name text PRIMARY KEY,
	data bytea NOT NULL
);

-- Packed forms of blobs the server computed once and keeps: a blob
-- compressed with zstd (from_sha256 = ''), or a delta that rebuilds it from
-- another blob. The payload is itself a blob, named by its own hash.
CREATE TABLE packed (
	sha256      text NOT NULL,
	from_sha256 text NOT NULL,
	encoding    text NOT NULL,
	payload     text NOT NULL,
	size        bigint NOT NULL,
	PRIMARY KEY (sha256, from_sha256)
);
