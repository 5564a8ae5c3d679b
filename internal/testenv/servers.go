package testenv

import (
	"crypto/rand"
	"os"
	"strings"
)

// PostgresDatabase is Postgres for programs that are not tests (make
// loadtest): the URL of a new, empty database on the same server. The
// database is not dropped; a private server goes with the process.
func PostgresDatabase() (string, error) {
	admin := os.Getenv("INPLACE_TEST_POSTGRES")
	if admin == "" {
		private.once.Do(func() { private.url, private.err = startPostgres() })
		if private.err != nil {
			return "", private.err
		}
		admin = private.url
	}
	name := "load_" + strings.ToLower(rand.Text())
	dbURL, err := withDatabase(admin, name)
	if err != nil {
		return "", err
	}
	return dbURL, adminExec(admin, "CREATE DATABASE "+name)
}

// S3Bucket is S3 for programs that are not tests (make loadtest): the URL
// of a new, empty bucket on the versitygw of this process, which stops
// with the process.
func S3Bucket() (string, error) {
	srv, err := startS3Once()
	if err != nil {
		return "", err
	}
	u, _, err := srv.newBucket("load-")
	return u, err
}
