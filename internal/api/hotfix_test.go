package api

import (
	"strings"
	"testing"
)

func TestHotfixTarget(t *testing.T) {
	for _, id := range []string{"HF-1", "a", "A.b_c-9", strings.Repeat("x", 64)} {
		if !ValidHotfixID(id) {
			t.Errorf("ValidHotfixID(%q) = false", id)
		}
		p := HotfixTarget("acme-1.0", id)
		prod, got, ok := ParseHotfixTarget(p)
		if !ok || prod != "acme-1.0" || got != id {
			t.Errorf("ParseHotfixTarget(%q) = %q, %q, %v", p, prod, got, ok)
		}
		if _, _, _, ok := ParseUpdateTarget(p); ok {
			t.Errorf("ParseUpdateTarget(%q) takes a hotfix for an update", p)
		}
		if TargetVisible(p, "acme-1.0", ChannelFull) {
			t.Errorf("TargetVisible(%q) by channel", p)
		}
	}
	for _, id := range []string{"", "-x", ".x", "a/b", "a b", "..", strings.Repeat("x", 65), "é"} {
		if ValidHotfixID(id) {
			t.Errorf("ValidHotfixID(%q) = true", id)
		}
	}
	for _, p := range []string{"acme-1.0/hotfixes/HF-1", "acme-1.0/hotfixes/.json", "/hotfixes/HF-1.json",
		"acme-1.0/full/HF-1.json", "acme-1.0/hotfixes/a/b.json", "acme-1.0/hotfixes/-x.json"} {
		if _, _, ok := ParseHotfixTarget(p); ok {
			t.Errorf("ParseHotfixTarget(%q) = ok", p)
		}
	}
}
