package publish

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"golang.org/x/mod/semver"

	"inplace/internal/api"
	"inplace/internal/store"
)

// Operating systems and architectures the update tool is released for.
var (
	ToolOSes   = []string{"linux", "darwin", "windows"}
	ToolArches = []string{"amd64", "arm64"}
)

// ToolVersion returns the form in which a release version is stored:
// MAJOR.MINOR.PATCH with an optional -prerelease, without a leading "v"
// ("v1.2.3" gives "1.2.3").
func ToolVersion(v string) (string, error) {
	c := "v" + strings.TrimPrefix(v, "v")
	if !semver.IsValid(c) || semver.Canonical(c) != c {
		return "", fmt.Errorf("version %q: must be a semantic version MAJOR.MINOR.PATCH, such as 1.4.0 or 1.4.0-rc.1", v)
	}
	return c[1:], nil
}

func oneOf(v string, list []string) bool {
	for _, s := range list {
		if v == s {
			return true
		}
	}
	return false
}

// PublishTool publishes the binary of the update tool for one OS and arch.
func (p *Publisher) PublishTool(ctx context.Context, version, goos, goarch, binary string) (api.ToolRelease, error) {
	v, err := ToolVersion(version)
	if err != nil {
		return api.ToolRelease{}, err
	}
	if !oneOf(goos, ToolOSes) {
		return api.ToolRelease{}, fmt.Errorf("os %q: must be one of %s", goos, strings.Join(ToolOSes, ", "))
	}
	if !oneOf(goarch, ToolArches) {
		return api.ToolRelease{}, fmt.Errorf("arch %q: must be one of %s", goarch, strings.Join(ToolArches, ", "))
	}
	existing, err := p.Store.ToolReleases(ctx, goos, goarch)
	if err != nil {
		return api.ToolRelease{}, err
	}
	for _, r := range existing {
		if r.Version == v {
			return api.ToolRelease{}, fmt.Errorf("tool %s for %s/%s is already published", v, goos, goarch)
		}
	}

	f, err := os.Open(binary)
	if errors.Is(err, fs.ErrNotExist) {
		return api.ToolRelease{}, fmt.Errorf("%s does not exist", binary)
	}
	if err != nil {
		return api.ToolRelease{}, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return api.ToolRelease{}, err
	}
	if !fi.Mode().IsRegular() || fi.Size() == 0 {
		return api.ToolRelease{}, fmt.Errorf("%s: not a regular, non-empty file", binary)
	}
	h := sha256.New()
	size, err := io.Copy(h, f)
	if err != nil {
		return api.ToolRelease{}, fmt.Errorf("read %s: %w", binary, err)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return api.ToolRelease{}, err
	}
	if _, _, err := p.Blobs.Put(ctx, f, sum); err != nil {
		return api.ToolRelease{}, fmt.Errorf("store %s: %w", binary, err)
	}
	rel := api.ToolRelease{Version: v, OS: goos, Arch: goarch, SHA256: sum, Size: size}
	if err := p.Store.AddToolRelease(ctx, store.ToolRelease{ToolRelease: rel, Published: p.now().UTC()}); err != nil {
		return api.ToolRelease{}, err
	}
	return rel, nil
}
