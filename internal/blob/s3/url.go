package s3

import (
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/s3utils"
)

// config is what a store URL says.
type config struct {
	endpoint string // host[:port]
	bucket   string
	prefix   string // "" or ending in "/"
	region   string // "" asks the server
	secure   bool
	lookup   minio.BucketLookupType
	create   bool

	accessKey, secretKey, sessionToken string

	// display is the URL with the secret key masked.
	display string
}

// parseURL reads a store URL:
//
//	s3://[ACCESS:SECRET@]host[:port]/bucket[/prefix][?option=value&…]
//
// Options: region (default: ask the server), tls (default true), lookup
// (path, the default, or dns for virtual-host-style bucket names) and
// create (1 to create a missing bucket). Without credentials in the URL
// they come from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
// AWS_SESSION_TOKEN; with none at all, requests are anonymous.
func parseURL(raw string) (config, error) {
	fail := func(format string, a ...any) (config, error) {
		return config{}, fmt.Errorf("s3 blob store URL: "+format, a...)
	}
	const want = "want s3://[ACCESS:SECRET@]host[:port]/bucket[/prefix]"
	u, err := url.Parse(raw)
	if err != nil {
		// url.Error repeats the URL, secret included: give only the cause.
		if ue, ok := err.(*url.Error); ok {
			err = ue.Err
		}
		return fail("%v; %s", err, want)
	}
	if u.Scheme != "s3" {
		return fail("scheme is %q; %s", u.Scheme, want)
	}
	if u.Opaque != "" || u.Host == "" {
		return fail("no host; %s", want)
	}
	if u.Fragment != "" {
		return fail("unexpected #%s; %s", u.Fragment, want)
	}
	c := config{endpoint: u.Host, secure: true, lookup: minio.BucketLookupPath}

	bucket, prefix, _ := strings.Cut(strings.TrimPrefix(u.Path, "/"), "/")
	if bucket == "" {
		return fail("no bucket; %s", want)
	}
	if err := s3utils.CheckValidBucketName(bucket); err != nil {
		return fail("bucket %q: %v", bucket, err)
	}
	c.bucket = bucket
	if prefix = strings.TrimSuffix(prefix, "/"); prefix != "" {
		for _, seg := range strings.Split(prefix, "/") {
			if seg == "" || seg == "." || seg == ".." {
				return fail("prefix %q has an empty, . or .. part", prefix)
			}
		}
		c.prefix = prefix + "/"
	}

	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return fail("query: %v", err)
	}
	for key, vals := range q {
		if len(vals) != 1 {
			return fail("%s given %d times", key, len(vals))
		}
		v := vals[0]
		switch key {
		case "region":
			c.region = v
		case "tls":
			if c.secure, err = strconv.ParseBool(v); err != nil {
				return fail("tls=%s: want true or false", v)
			}
		case "lookup":
			switch v {
			case "path":
				c.lookup = minio.BucketLookupPath
			case "dns":
				c.lookup = minio.BucketLookupDNS
			default:
				return fail("lookup=%s: want path or dns", v)
			}
		case "create":
			if c.create, err = strconv.ParseBool(v); err != nil {
				return fail("create=%s: want 1 or 0", v)
			}
		default:
			return fail("unknown option %q (known: region, tls, lookup, create)", key)
		}
	}

	if u.User != nil {
		secret, ok := u.User.Password()
		if u.User.Username() == "" || !ok || secret == "" {
			return fail("credentials must be ACCESS:SECRET, both given (write / in a secret as %%2F)")
		}
		c.accessKey, c.secretKey = u.User.Username(), secret
	} else {
		c.accessKey = os.Getenv("AWS_ACCESS_KEY_ID")
		c.secretKey = os.Getenv("AWS_SECRET_ACCESS_KEY")
		c.sessionToken = os.Getenv("AWS_SESSION_TOKEN")
	}
	c.display = u.Redacted()
	return c, nil
}
