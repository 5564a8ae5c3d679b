// Package version names the release a binary was built as.
package version

import "runtime/debug"

// Of returns the version set at build time (-ldflags "-X main.version=…"),
// or the module version the build recorded, or "(devel)".
func Of(ldflags string) string {
	if ldflags != "" {
		return ldflags
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}
