-- Hotfixes: small changes published for named accounts of a product,
-- outside the stream of updates. The descriptor (api.Hotfix, JSON) is kept
-- whole; the hashes of its files are kept beside it so that a download can
-- be checked against the accounts it is for. Times are milliseconds since
-- the epoch.
CREATE TABLE hotfixes (
	seq          INTEGER PRIMARY KEY AUTOINCREMENT,
	product      TEXT NOT NULL REFERENCES products(key),
	id           TEXT NOT NULL,
	descriptor   TEXT NOT NULL,
	published_ms INTEGER NOT NULL,
	UNIQUE (product, id)
);

CREATE TABLE hotfix_users (
	hotfix   INTEGER NOT NULL REFERENCES hotfixes(seq),
	username TEXT NOT NULL REFERENCES users(username),
	PRIMARY KEY (hotfix, username)
);
CREATE INDEX hotfix_users_username ON hotfix_users (username);

CREATE TABLE hotfix_blobs (
	hotfix INTEGER NOT NULL REFERENCES hotfixes(seq),
	sha256 TEXT NOT NULL,
	PRIMARY KEY (hotfix, sha256)
);
CREATE INDEX hotfix_blobs_sha256 ON hotfix_blobs (sha256);

-- The hotfixes an update carries (api.Update.Hotfixes), as a JSON array;
-- '' when none.
ALTER TABLE updates ADD COLUMN hotfixes TEXT NOT NULL DEFAULT '';
