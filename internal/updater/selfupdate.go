package updater

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"

	"golang.org/x/mod/semver"
)

// Newer reports whether release version v is newer than the running
// version cur. A build without a release version (a developer's build)
// never updates itself.
func Newer(v, cur string) bool {
	cv, nv := canon(cur), canon(v)
	if !semver.IsValid(cv) || !semver.IsValid(nv) {
		return false
	}
	return semver.Compare(nv, cv) > 0
}

func canon(v string) string {
	if !strings.HasPrefix(v, "v") {
		v = "v" + v
	}
	return v
}

// SelfUpdate replaces the binary at exe with the newest tool release for
// this OS and architecture when it is newer than cur. It returns the new
// version, or "" when the tool is current. The new binary is downloaded
// beside exe, checked against its hash, asked for its --version, and only
// then renamed over exe; the old binary is kept as exe+".old".
func (u *Updater) SelfUpdate(ctx context.Context, cur, exe string) (string, error) {
	rel, err := u.Src.LatestTool(ctx, runtime.GOOS, runtime.GOARCH)
	if err != nil || rel == nil || !Newer(rel.Version, cur) {
		return "", err
	}
	u.logf("a newer update tool is available: %s (this is %s); replacing %s", rel.Version, cur, exe)
	dir := filepath.Dir(exe)
	f, err := os.CreateTemp(dir, "."+filepath.Base(exe)+".new*")
	if err != nil {
		return "", fmt.Errorf("cannot write the new tool beside %s: %w", exe, err)
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	err = u.Src.Blob(ctx, rel.SHA256, rel.Size, f, nil)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", fmt.Errorf("download the new tool: %w", err)
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return "", err
	}
	out, err := exec.CommandContext(ctx, tmp, "--version").Output()
	if err != nil || !strings.Contains(string(out), strings.TrimPrefix(rel.Version, "v")) {
		return "", fmt.Errorf("the downloaded tool %s does not run here or reports another version (%q, %v); kept %s", rel.Version, strings.TrimSpace(string(out)), err, cur)
	}
	old := exe + ".old"
	_ = os.Remove(old)
	// Windows cannot replace a running binary but can rename it aside.
	if err := os.Rename(exe, old); err != nil {
		return "", fmt.Errorf("move the running tool aside: %w", err)
	}
	if err := os.Rename(tmp, exe); err != nil {
		_ = os.Rename(old, exe)
		return "", fmt.Errorf("put the new tool in place: %w", err)
	}
	return rel.Version, nil
}
