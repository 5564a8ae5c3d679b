package home

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"

	"inplace/internal/api"
	"inplace/internal/fsx"
)

// Config is the customer's settings of the tool, in updates/config: one
// "key = value" a line; blank lines and lines starting with # are
// ignored. The one key so far:
//
//	# do not tell the update server the level and result of each run
//	report = false
type Config struct {
	// Report: after each update, --continue and --revert, tell the
	// update server the installation's id, level and the run's result.
	// true unless the file says report = false.
	Report bool
}

// maxConfigLine bounds a line of the config file.
const maxConfigLine = 4096

// ParseConfig reads settings; name is used in error messages. A key it
// does not know is an error, so that a misspelt setting is not ignored.
func ParseConfig(r io.Reader, name string) (Config, error) {
	c := Config{Report: true}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 256), maxConfigLine)
	seen := map[string]int{}
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, value, ok := strings.Cut(line, "=")
		key, value = strings.TrimSpace(key), strings.TrimSpace(value)
		if !ok || key == "" {
			return Config{}, fmt.Errorf("%s line %d: want key = value, got %q", name, n, line)
		}
		if prev, dup := seen[key]; dup {
			return Config{}, fmt.Errorf("%s line %d: %s is set already on line %d", name, n, key, prev)
		}
		seen[key] = n
		switch key {
		case "report":
			b, err := strconv.ParseBool(value)
			if err != nil {
				return Config{}, fmt.Errorf("%s line %d: report = %q: use true or false", name, n, value)
			}
			c.Report = b
		default:
			return Config{}, fmt.Errorf("%s line %d: unknown setting %q (known: report)", name, n, key)
		}
	}
	if err := sc.Err(); err != nil {
		return Config{}, fmt.Errorf("%s: %v", name, err)
	}
	return c, nil
}

// Config reads updates/config; a home without the file has the defaults.
func (h *Home) Config() (Config, error) {
	f, err := os.Open(h.Path(ConfigFile))
	if errors.Is(err, fs.ErrNotExist) {
		return Config{Report: true}, nil
	}
	if err != nil {
		return Config{}, err
	}
	defer f.Close()
	return ParseConfig(f, h.Path(ConfigFile))
}

// Installation returns the installation's id from updates/installation-id,
// first making one (16 random bytes, in hex) when the file is missing or
// does not hold a valid id. The id names the installation in its reports
// and says nothing else about it.
func (h *Home) Installation() (string, error) {
	name := h.Path(InstallationFile)
	b, err := os.ReadFile(name)
	if err == nil {
		if id := strings.TrimSpace(string(b)); api.ValidInstallation(id) == nil {
			return id, nil
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", err
	}
	raw := make([]byte, 16)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	id := hex.EncodeToString(raw)
	if err := os.MkdirAll(h.Path(ToolDir), 0o755); err != nil {
		return "", err
	}
	if err := fsx.WriteFile(name, []byte(id+"\n"), 0o644); err != nil {
		return "", err
	}
	return id, nil
}
