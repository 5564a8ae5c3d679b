-- The first schema of update-server. Times are milliseconds since the epoch.

CREATE TABLE products (
	key        TEXT PRIMARY KEY,
	name       TEXT NOT NULL,
	version    TEXT NOT NULL,
	created_ms INTEGER NOT NULL
);

-- The files and symlinks of each product's base distribution.
CREATE TABLE base_entries (
	product TEXT NOT NULL REFERENCES products(key),
	path    TEXT NOT NULL,
	kind    TEXT NOT NULL CHECK (kind IN ('file', 'symlink')),
	mode    INTEGER NOT NULL,
	sha256  TEXT NOT NULL,
	size    INTEGER NOT NULL,
	target  TEXT NOT NULL,
	PRIMARY KEY (product, path)
) WITHOUT ROWID;
CREATE INDEX base_entries_sha256 ON base_entries (sha256, product);

CREATE TABLE updates (
	id           INTEGER PRIMARY KEY,
	product      TEXT NOT NULL REFERENCES products(key),
	number       INTEGER NOT NULL,
	timestamp    INTEGER NOT NULL,
	security     INTEGER NOT NULL,
	description  TEXT NOT NULL,
	instructions TEXT NOT NULL,
	published_ms INTEGER NOT NULL,
	UNIQUE (product, number),
	UNIQUE (product, timestamp)
);

-- What each update does to each path: remove it, or set it to an entry.
CREATE TABLE changes (
	update_id INTEGER NOT NULL REFERENCES updates(id),
	path      TEXT NOT NULL,
	remove    INTEGER NOT NULL,
	kind      TEXT NOT NULL,
	mode      INTEGER NOT NULL,
	sha256    TEXT NOT NULL,
	size      INTEGER NOT NULL,
	target    TEXT NOT NULL,
	PRIMARY KEY (update_id, path)
) WITHOUT ROWID;
CREATE INDEX changes_sha256 ON changes (sha256);

CREATE TABLE bug_fixes (
	update_id INTEGER NOT NULL REFERENCES updates(id),
	position  INTEGER NOT NULL,
	id        TEXT NOT NULL,
	summary   TEXT NOT NULL,
	PRIMARY KEY (update_id, position)
) WITHOUT ROWID;

CREATE TABLE users (
	username      TEXT PRIMARY KEY,
	password_hash TEXT NOT NULL,
	created_ms    INTEGER NOT NULL
);

CREATE TABLE subscriptions (
	username TEXT NOT NULL REFERENCES users(username),
	product  TEXT NOT NULL REFERENCES products(key),
	channel  TEXT NOT NULL CHECK (channel IN ('full', 'security')),
	PRIMARY KEY (username, product)
) WITHOUT ROWID;

-- Issued tokens, by the SHA-256 of the token: never the token itself.
CREATE TABLE tokens (
	hash       TEXT PRIMARY KEY,
	username   TEXT NOT NULL REFERENCES users(username),
	product    TEXT NOT NULL REFERENCES products(key),
	channel    TEXT NOT NULL,
	created_ms INTEGER NOT NULL,
	expires_ms INTEGER NOT NULL
);
CREATE INDEX tokens_expires ON tokens (expires_ms);

CREATE TABLE tool_releases (
	os           TEXT NOT NULL,
	arch         TEXT NOT NULL,
	version      TEXT NOT NULL,
	sha256       TEXT NOT NULL,
	size         INTEGER NOT NULL,
	published_ms INTEGER NOT NULL,
	PRIMARY KEY (os, arch, version)
) WITHOUT ROWID;
CREATE INDEX tool_releases_sha256 ON tool_releases (sha256);
