-- Packed forms of blobs the server computed once and keeps: a blob
-- compressed with zstd (from_sha256 = ''), or a delta that rebuilds it from
-- another blob. The payload is itself a blob, named by its own hash.
CREATE TABLE packed (
    sha256      TEXT NOT NULL,
    from_sha256 TEXT NOT NULL,
    encoding    TEXT NOT NULL,
    payload     TEXT NOT NULL,
    size        INTEGER NOT NULL,
    PRIMARY KEY (sha256, from_sha256)
);
