-- Hotfixes: small changes published for named accounts of a product,
-- outside the stream of updates. The descriptor (api.Hotfix, JSON) is kept
-- whole; the hashes of its files are kept beside it so that a download can
-- be checked against the accounts it is for. As in 0001, times are
-- milliseconds since the epoch and sorted keys compare byte by byte.
CREATE TABLE hotfixes (
	seq          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	product      text COLLATE "C" NOT NULL REFERENCES products (key),
	id           text COLLATE "C" NOT NULL,
	descriptor   text NOT NULL,
	published_ms bigint NOT NULL,
	UNIQUE (product, id)
);

CREATE TABLE hotfix_users (
	hotfix   bigint NOT NULL REFERENCES hotfixes (seq),
	username text COLLATE "C" NOT NULL REFERENCES users (username),
	PRIMARY KEY (hotfix, username)
);
CREATE INDEX hotfix_users_username ON hotfix_users (username);

CREATE TABLE hotfix_blobs (
	hotfix bigint NOT NULL REFERENCES hotfixes (seq),
	sha256 text NOT NULL,
	PRIMARY KEY (hotfix, sha256)
);
CREATE INDEX hotfix_blobs_sha256 ON hotfix_blobs (sha256);

-- The hotfixes an update carries (api.Update.Hotfixes), in order; empty
-- when none.
ALTER TABLE updates ADD COLUMN hotfixes text[] NOT NULL DEFAULT '{}';
