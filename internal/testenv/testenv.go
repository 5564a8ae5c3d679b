// Package testenv tells tests about the machine they run on, so that a test
// that cannot run here skips with the reason instead of failing or
// pretending.
package testenv

import "testing"

// SkipUnderWine skips t when the Windows build runs under Wine, saying what
// Wine lacks.
func SkipUnderWine(t testing.TB, lacks string) {
	t.Helper()
	if underWine() {
		t.Skipf("Wine %s; this runs on Windows itself", lacks)
	}
}
