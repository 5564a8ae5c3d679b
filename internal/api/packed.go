package api

import (
	"path"
	"strings"
)

// Packed downloads: GET /v1/blobs/{sha256}/packed?from={sha256} answers with
// the cheapest form of the blob the server has, computed once and kept. The
// form is named by the EncodingHeader and, for a delta, FromHeader; the
// ETag names the payload, so a resumed download (Range with If-Range) is
// of the same bytes or starts again. What the client rebuilds is verified
// against the signed hash and length of the blob.
const (
	EncodingHeader = "X-Inplace-Encoding"
	FromHeader     = "X-Inplace-From"

	EncodingIdentity = "identity" // the blob's own bytes
	EncodingZstd     = "zstd"     // one zstd frame of the blob
	EncodingDelta    = "delta"    // a delta (package delta) from the blob named by FromHeader
)

// Have is content the tool already has, that a delta may start from: the
// file at Path, whose content was the blob SHA256 when the run looked.
type Have struct {
	SHA256 string
	Path   string
}

// Stem is a path without the digits of its file name: what stays when only
// a file's version changes (lib/foo-1.2.jar and lib/foo-1.3.jar share one),
// so that a renamed jar can be sent as a delta from its old name.
func Stem(p string) string {
	dir, name := path.Split(p)
	return dir + strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return -1
		}
		return r
	}, name)
}
