-- Accounts: refresh tokens with rotation, token families, the audit log.
-- Times are milliseconds since the epoch.

-- Every token descends from one login, its family; revoking a family
-- deletes its access and refresh tokens. Tokens issued before this
-- migration have none ('').
ALTER TABLE tokens ADD COLUMN family TEXT NOT NULL DEFAULT '';
CREATE INDEX tokens_family ON tokens (family);

-- Issued refresh tokens, by the SHA-256 of the token: never the token
-- itself. A used token (used_ms > 0) is kept until it expires, so that
-- presenting it again is recognised.
CREATE TABLE refresh_tokens (
	hash       TEXT PRIMARY KEY,
	family     TEXT NOT NULL,
	username   TEXT NOT NULL REFERENCES users(username),
	product    TEXT NOT NULL REFERENCES products(key),
	channel    TEXT NOT NULL,
	created_ms INTEGER NOT NULL,
	expires_ms INTEGER NOT NULL,
	used_ms    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family);
CREATE INDEX refresh_tokens_expires ON refresh_tokens (expires_ms);

-- The audit log: logins, refreshes, downloads and admin actions. Usernames
-- are kept as given (a failed login may name no account), so no foreign key.
CREATE TABLE audit (
	id       INTEGER PRIMARY KEY AUTOINCREMENT,
	time_ms  INTEGER NOT NULL,
	action   TEXT NOT NULL,
	ok       INTEGER NOT NULL,
	username TEXT NOT NULL,
	address  TEXT NOT NULL,
	product  TEXT NOT NULL,
	detail   TEXT NOT NULL,
	bytes    INTEGER NOT NULL
);
CREATE INDEX audit_time ON audit (time_ms);
CREATE INDEX audit_username ON audit (username, time_ms);
