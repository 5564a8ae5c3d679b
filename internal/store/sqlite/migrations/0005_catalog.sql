-- The web catalog: vendors' admin accounts, web sessions, and the reports
-- installations send after each run of the tool. Times are milliseconds
-- since the epoch.
ALTER TABLE users ADD COLUMN admin INTEGER NOT NULL DEFAULT 0;

-- Web sessions, by the SHA-256 of the cookie: never the cookie itself.
CREATE TABLE sessions (
	hash       TEXT PRIMARY KEY,
	username   TEXT NOT NULL REFERENCES users(username),
	created_ms INTEGER NOT NULL,
	expires_ms INTEGER NOT NULL
);
CREATE INDEX sessions_expires ON sessions (expires_ms);

-- Every report, in the order received: the history behind the chart of
-- levels over time.
CREATE TABLE reports (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	installation TEXT NOT NULL,
	product      TEXT NOT NULL REFERENCES products(key),
	channel      TEXT NOT NULL,
	username     TEXT NOT NULL,
	level        INTEGER NOT NULL,
	result       TEXT NOT NULL,
	time_ms      INTEGER NOT NULL
);
CREATE INDEX reports_product_time ON reports (product, time_ms);

-- The newest report of each installation.
CREATE TABLE installations (
	installation TEXT NOT NULL,
	product      TEXT NOT NULL REFERENCES products(key),
	report_id    INTEGER NOT NULL REFERENCES reports(id),
	PRIMARY KEY (product, installation)
);
