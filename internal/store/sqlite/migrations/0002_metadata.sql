-- The signed TUF metadata of the service (root, targets, snapshot,
-- timestamp), file by file under the names clients fetch.
CREATE TABLE metadata (
    name TEXT PRIMARY KEY,
    data BLOB NOT NULL
);
