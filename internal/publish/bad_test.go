package publish

import (
	"archive/zip"
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"inplace/internal/api"
	"inplace/internal/testenv"
)

// TestBadInputStoresNothing runs every kind of bad admin input against a
// store holding a product with one update, and checks that each is refused
// with a clear error and that no row and no blob was added.
func TestBadInputStoresNothing(t *testing.T) {
	e := newEnv(t)
	addBase(t, e)
	first := writeTree(t, t.TempDir(), map[string]string{
		"update.yaml":     "description: first\n",
		"files/lib/u.jar": "jar u",
	})
	if _, err := e.PublishUpdate(ctx, UpdateOptions{Product: "wso2am-4.2.0", Source: first, Timestamp: 5000}); err != nil {
		t.Fatal(err)
	}
	if err := e.AddUser(ctx, "alice", "pw", "wso2am-4.2.0", api.ChannelFull); err != nil {
		t.Fatal(err)
	}

	folder := func(files map[string]string) string { return writeTree(t, t.TempDir(), files) }
	zipped := func(top string, files map[string]string) string { return writeZip(t, top, files) }
	rawZip := func(build func(zw *zip.Writer)) string {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		build(zw)
		zw.Close()
		file := filepath.Join(t.TempDir(), "raw.zip")
		os.WriteFile(file, buf.Bytes(), 0o644)
		return file
	}
	good := func(extra map[string]string) map[string]string {
		m := map[string]string{"update.yaml": "description: bad\n", "files/lib/new.jar": "fresh bytes " + t.Name()}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	update := func(src string) func() error {
		return func() error {
			_, err := e.PublishUpdate(ctx, UpdateOptions{Product: "wso2am-4.2.0", Source: src, Timestamp: 9000})
			return err
		}
	}
	dist := func(src string, ts int64) func() error {
		return func() error {
			_, err := e.PublishUpdate(ctx, UpdateOptions{Product: "wso2am-4.2.0", Source: src, Timestamp: ts, Distribution: true})
			return err
		}
	}
	product := func(name, version, src string) func() error {
		return func() error { _, err := e.AddProduct(ctx, name, version, src); return err }
	}
	user := func(name, pw, prod, channel string) func() error {
		return func() error { return e.AddUser(ctx, name, pw, prod, channel) }
	}
	corrupt := filepath.Join(t.TempDir(), "corrupt.zip")
	z := zipBytes(t, "", good(nil))
	os.WriteFile(corrupt, z[:len(z)/2], 0o644)
	badCRC := filepath.Join(t.TempDir(), "crc.zip")
	{
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		w, _ := zw.CreateHeader(&zip.FileHeader{Name: "update.yaml", Method: zip.Store})
		w.Write([]byte("description: x\n"))
		w, _ = zw.CreateHeader(&zip.FileHeader{Name: "files/lib/crc.jar", Method: zip.Store})
		w.Write([]byte("CRC-CHECKED CONTENT"))
		zw.Close()
		b := bytes.Replace(buf.Bytes(), []byte("CRC-CHECKED"), []byte("crc-checked"), 1)
		os.WriteFile(badCRC, b, 0o644)
	}
	// The newest level, as a folder, for "identical distribution".
	same := folder(map[string]string{
		"bin/server.sh":                   "#!/bin/sh\necho run\n",
		"lib/a.jar":                       "jar a",
		"lib/current.jar":                 "->a.jar",
		"lib/u.jar":                       "jar u",
		"repository/conf/deployment.toml": "[server]\nhostname = \"localhost\"\n",
		"repository/conf/old.xml":         "<old/>",
		"bin/update_linux":                "tools do not count",
	})

	tests := []struct {
		name string
		run  func() error
		want string // in the error message
	}{
		{"unknown product", func() error {
			_, err := e.PublishUpdate(ctx, UpdateOptions{Product: "nope-1.0", Source: folder(good(nil))})
			return err
		}, "product nope-1.0 is not known"},
		{"no update.yaml", update(folder(map[string]string{"files/lib/x.jar": "x " + t.Name()})), "has no update.yaml"},
		{"stray top-level file", update(folder(good(map[string]string{"README.txt": "hi"}))), "unexpected README.txt"},
		{"dotdot in zip name", update(zipped("", good(map[string]string{"files/../evil": "evil"}))), "contains .."},
		{"absolute zip name", update(zipped("", good(map[string]string{"/etc/evil": "evil"}))), "absolute"},
		{"backslash zip name", update(zipped("", good(map[string]string{"files\\lib\\x.jar": "x"}))), "backslash"},
		{"dotdot in removed_files", update(folder(good(map[string]string{"update.yaml": "removed_files: [../x]\n"}))), "contains .."},
		{"absolute removed_files", update(folder(good(map[string]string{"update.yaml": "removed_files: [/etc/passwd]\n"}))), "absolute"},
		{"tool path in files", update(folder(good(map[string]string{"files/bin/update_linux": "tool"}))), "belongs to the update tool"},
		{"tool path in removed_files", update(folder(good(map[string]string{"update.yaml": "removed_files: [updates/product.txt]\n"}))), "belongs to the update tool"},
		{"empty update", update(folder(map[string]string{"update.yaml": "description: nothing\n"})), "changes no file"},
		{"identical distribution", dist(same, 9000), "identical to the newest level"},
		{"update folder as distribution", dist(folder(good(nil)), 9000), "looks like an update folder"},
		{"duplicate timestamp", func() error {
			_, err := e.PublishUpdate(ctx, UpdateOptions{Product: "wso2am-4.2.0", Source: folder(good(nil)), Timestamp: 5000})
			return err
		}, "newest update of wso2am-4.2.0 (update 1, timestamp 5000)"},
		{"older timestamp", func() error {
			_, err := e.PublishUpdate(ctx, UpdateOptions{Product: "wso2am-4.2.0", Source: folder(good(nil)), Timestamp: 4000})
			return err
		}, "not after the newest update"},
		{"older timestamp, distribution", dist(folder(map[string]string{"x": "x " + t.Name()}), 100), "not after the newest update"},
		{"corrupt zip", update(corrupt), "zip"},
		{"zip checksum", update(badCRC), "checksum"},
		{"not a zip", update(func() string {
			f := filepath.Join(t.TempDir(), "x.zip")
			os.WriteFile(f, []byte("just text"), 0o644)
			return f
		}()), "not a zip"},
		{"missing source", update(filepath.Join(t.TempDir(), "nope")), "does not exist"},
		{"removed file does not exist", update(folder(good(map[string]string{"update.yaml": "removed_files: [lib/never.jar]\n"}))), "does not exist at the newest level"},
		{"both in files and removed_files", update(folder(good(map[string]string{"update.yaml": "removed_files: [lib/new.jar]\n"}))), "both in files/ and in removed_files"},
		{"unknown key in update.yaml", update(folder(good(map[string]string{"update.yaml": "description: x\nsecurty: true\n"}))), "securty"},
		{"bad yaml", update(folder(good(map[string]string{"update.yaml": "description: [unclosed\n"}))), "update.yaml"},
		{"bug_fixes not a mapping", update(folder(good(map[string]string{"update.yaml": "bug_fixes: [A-1]\n"}))), "bug_fixes"},
		{"duplicate bug id", update(folder(good(map[string]string{"update.yaml": "bug_fixes:\n  A-1: x\n  A-1: y\n"}))), "A-1"},
		{"update.yaml is a link", update(folder(map[string]string{"update.yaml": "->elsewhere.yaml", "elsewhere.yaml": "x", "files/a": "a"})), "unexpected elsewhere.yaml"},
		{"escaping symlink in update", update(folder(good(map[string]string{"files/lib/evil": "->../../etc/passwd"}))), "points outside the product"},
		{"absolute symlink in update", update(folder(good(map[string]string{"files/lib/evil": "->/etc/passwd"}))), "absolute"},
		{"file over a folder", update(folder(good(map[string]string{"files/repository": "a file where a folder is"}))), "repository is a folder"},
		{"folder over a file", update(folder(good(map[string]string{"files/lib/a.jar/inner": "x"}))), "its folder lib/a.jar is a file"},
		{"device name in zip", update(zipped("", good(map[string]string{"files/lib/CON.txt": "x"}))), "device name on Windows"},
		{"device name in removed_files", update(folder(good(map[string]string{"update.yaml": "removed_files: [lib/nul]\n"}))), "device name on Windows"},
		{"drive letter in zip", update(zipped("", good(map[string]string{"files/C:evil": "x"}))), "drive letter"},
		{"alternate data stream in zip", update(zipped("", good(map[string]string{"files/lib/a.jar:evil": "x"}))), "alternate data stream"},
		{"UNC path in zip", update(zipped("", good(map[string]string{"//server/share/x": "x"}))), "absolute"},
		{"backslash UNC path in zip", update(zipped("", good(map[string]string{`\\server\share\x`: "x"}))), "backslash"},
		{"trailing dot in folder", update(folder(good(map[string]string{"files/lib/x.jar.": "x"}))), "ends in a dot or a space"},
		{"trailing space in zip", update(zipped("", good(map[string]string{"files/lib /x.jar": "x"}))), "ends in a dot or a space"},
		{"short name in zip", update(zipped("", good(map[string]string{"files/UPDATE~1/state.json": "x"}))), "short name"},
		{"invisible character in zip", update(zipped("", good(map[string]string{"files/up\u200cdates/state.json": "x"}))), "invisible"},
		{"tool path by case", update(folder(good(map[string]string{"files/Updates/state.json": "x"}))), "belongs to the update tool"},
		{"names differing by case in an update", update(zipped("", good(map[string]string{"files/lib/B.jar": "B", "files/lib/b.jar": "b"}))), "lib/B.jar and files/lib/b.jar differ only by case"},
		{"folders differing by case in an update", update(zipped("", map[string]string{"update.yaml": "description: x\n", "files/LIB/x.jar": "x " + t.Name()})), "LIB differs only by case from lib at the newest level"},
		{"name differing by case from the level", update(folder(good(map[string]string{"files/lib/A.jar": "A"}))), "lib/A.jar differs only by case from lib/a.jar"},
		{"rename by case in one update", update(folder(good(map[string]string{"update.yaml": "removed_files: [lib/a.jar]\n", "files/lib/A.jar": "A"}))), "touches both lib/A.jar and lib/a.jar"},
		{"names differing by case in a distribution", dist(zipped("", map[string]string{"lib/X.jar": "x", "lib/x.jar": "y"}), 9000), "differ only by case"},
		{"rename by case in a distribution", dist(zipped("", map[string]string{"bin/server.sh": "#!/bin/sh\necho run\n", "lib/A.jar": "jar a", "lib/current.jar": "->a.jar",
			"lib/u.jar": "jar u", "repository/conf/deployment.toml": "[server]\nhostname = \"localhost\"\n", "repository/conf/old.xml": "<old/>"}), 9000),
			"the update touches both lib/A.jar and lib/a.jar"},
		{"names differing by case in a base", product("case", "1.0", zipped("", map[string]string{"README": "r " + t.Name(), "readme": "r"})), "README and readme differ only by case"},
		{"link through a link in zip", update(zipped("", good(map[string]string{"files/lib/up": "->..", "files/lib/evil": "->up/../.."}))), ".. after a folder name"},
		{"link through a link in base", product("evil", "1.0", zipped("", map[string]string{"a": "a " + t.Name(), "lib/up": "->..", "lib/evil": "->up/.."})), ".. after a folder name"},
		{"link to a device", update(zipped("", good(map[string]string{"files/lib/dev": "->../NUL"}))), "device name"},
		{"zip entry longer than declared", update(writeBytes(t, "lie.zip", lyingZip(t, rawEntry{"update.yaml", []byte("description: x\n"), 15},
			rawEntry{"files/lib/bomb.jar", bytes.Repeat([]byte("bomb "+t.Name()), 100000), 10}))), "expands beyond the 10 bytes its header declares"},
		{"zip entry over the cap", product("bomb", "1.0", writeBytes(t, "big.zip", lyingZip(t, rawEntry{"a", []byte("a " + t.Name()), 2}, rawEntry{"big", nil, 1 << 40}))), "one file may hold"},
		{"zip over the total cap", product("bomb", "1.0", writeBytes(t, "total.zip", lyingZip(t, rawEntry{"a", nil, 15 << 30}, rawEntry{"b", nil, 15 << 30},
			rawEntry{"c", nil, 15 << 30}, rawEntry{"d", nil, 15 << 30}, rawEntry{"e", nil, 15 << 30}))), "64 GiB in all"},
		{"zip with too many entries", func() error {
			defer func(n int) { maxZipEntries = n }(maxZipEntries)
			maxZipEntries = 2
			_, err := e.AddProduct(ctx, "many", "1.0", zipped("", map[string]string{"a": "a " + t.Name(), "b": "b", "c": "c"}))
			return err
		}, "the zip holds 3 entries"},
		{"duplicate product", product("wso2am", "4.2.0", folder(map[string]string{"x": "fresh " + t.Name()})), "already exists"},
		{"bad product name", product("wso2 am", "4.2.0", folder(map[string]string{"x": "x"})), "product name"},
		{"bad product version", product("wso2am", "../4", folder(map[string]string{"x": "x"})), "product version"},
		{"empty distribution", product("empty", "1.0", folder(map[string]string{"updates/product.txt": "only the tool's"})), "no files"},
		{"escaping symlink in base", product("evil", "1.0", folder(map[string]string{"a": "a " + t.Name(), "lib/l": "->../../x"})), "points outside the product"},
		{"absolute symlink in base zip", product("evil", "1.0", zipped("", map[string]string{"a": "a " + t.Name(), "l": "->/etc/passwd"})), "absolute"},
		{"named pipe in zip", product("evil", "1.0", rawZip(func(zw *zip.Writer) {
			w, _ := zw.Create("a")
			w.Write([]byte("a " + t.Name()))
			h := &zip.FileHeader{Name: "pipe"}
			h.SetMode(fs.ModeNamedPipe | 0o644)
			zw.CreateHeader(h)
		})), "not a regular file"},
		{"duplicate zip entries", product("dup", "1.0", rawZip(func(zw *zip.Writer) {
			for _, s := range []string{"one", "two"} {
				w, _ := zw.Create("a/x")
				w.Write([]byte(s + t.Name()))
			}
		})), "appears twice"},
		{"corrupt base zip", product("broken", "1.0", corrupt), "zip"},
		{"duplicate username", user("alice", "pw2", "wso2am-4.2.0", api.ChannelFull), "user alice already exists"},
		{"bad channel", user("bob", "pw", "wso2am-4.2.0", "nightly"), `channel "nightly"`},
		{"empty password", user("bob", "", "wso2am-4.2.0", api.ChannelFull), "password is empty"},
		{"long password", user("bob", strings.Repeat("p", 73), "wso2am-4.2.0", api.ChannelFull), "72 bytes"},
		{"empty username", user("", "pw", "wso2am-4.2.0", api.ChannelFull), "username is empty"},
		{"username with space", user("bo b", "pw", "wso2am-4.2.0", api.ChannelFull), "no spaces"},
		{"user of unknown product", user("bob", "pw", "nope-1", api.ChannelFull), "product nope-1 is not known"},
		{"tool bad version", func() error { _, err := e.PublishTool(ctx, "1.2", "linux", "amd64", corrupt); return err }, "semantic version"},
		{"tool bad os", func() error { _, err := e.PublishTool(ctx, "1.2.0", "plan9", "amd64", corrupt); return err }, "os \"plan9\""},
		{"tool bad arch", func() error { _, err := e.PublishTool(ctx, "1.2.0", "linux", "386", corrupt); return err }, "arch \"386\""},
		{"tool missing binary", func() error {
			_, err := e.PublishTool(ctx, "1.2.0", "linux", "amd64", filepath.Join(t.TempDir(), "nope"))
			return err
		}, "does not exist"},
	}
	// The cases whose input folders hold symbolic links.
	needLinks := map[string]bool{"update.yaml is a link": true, "escaping symlink in update": true,
		"absolute symlink in update": true, "escaping symlink in base": true}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if needLinks[tt.name] {
				testenv.SkipWithoutSymlinks(t)
			}
			before := e.counts(t)
			err := tt.run()
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not say %q", err, tt.want)
			}
			if msg := err.Error(); msg != strings.TrimSpace(msg) || strings.HasSuffix(msg, ".") && !strings.HasSuffix(msg, "..") {
				t.Errorf("error %q: no trailing period or space", msg)
			}
			e.checkNothingStored(t, before)
		})
	}
}
