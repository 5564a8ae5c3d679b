-- The web catalog: vendors' admin accounts, web sessions, and the reports
-- installations send after each run of the tool. As in 0001, times are
-- milliseconds since the epoch and keys that are sorted compare byte by
-- byte (COLLATE "C").
ALTER TABLE users ADD COLUMN admin boolean NOT NULL DEFAULT false;

-- Web sessions, by the SHA-256 of the cookie: never the cookie itself.
CREATE TABLE sessions (
	hash       text PRIMARY KEY,
	username   text COLLATE "C" NOT NULL REFERENCES users (username),
	created_ms bigint NOT NULL,
	expires_ms bigint NOT NULL
);
CREATE INDEX sessions_expires ON sessions (expires_ms);

-- Every report, in the order received: the history behind the chart of
-- levels over time. The username is kept as sent, like the audit log's.
CREATE TABLE reports (
	id           bigserial PRIMARY KEY,
	installation text COLLATE "C" NOT NULL,
	product      text COLLATE "C" NOT NULL REFERENCES products (key),
	channel      text NOT NULL,
	username     text NOT NULL,
	level        bigint NOT NULL,
	result       text NOT NULL,
	time_ms      bigint NOT NULL
);
CREATE INDEX reports_product_time ON reports (product, time_ms, id);

-- The newest report of each installation of a product.
CREATE TABLE installations (
	product      text COLLATE "C" NOT NULL REFERENCES products (key),
	installation text COLLATE "C" NOT NULL,
	report_id    bigint NOT NULL REFERENCES reports (id),
	PRIMARY KEY (product, installation)
);
