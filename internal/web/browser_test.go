package web

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"inplace/internal/web/webtest"
)

// run runs a chromedp action that returns a value, failing the test on an
// error.
func run[T any](t *testing.T, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func do(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatal(err)
	}
}

// focused names the element that has the keyboard focus: its id, or its
// class.
func focused(t *testing.T, ctx context.Context) string {
	t.Helper()
	return run(t, ctx, chromedp.Evaluate[string](`document.activeElement.id || document.activeElement.className`))
}

// TestBrowserFlow walks the catalog as a customer in headless Chromium,
// with the keyboard where a person could: the login form, the products,
// a product, an update, a search by bug id, and logging out.
func TestBrowserFlow(t *testing.T) {
	f := newFixture(t)
	ctx := webtest.Browser(t)
	base := f.srv.URL

	webtest.Navigate(t, ctx, base+"/products/wso2am-4.2.0")
	if loc := run(t, ctx, chromedp.Location()); loc != base+"/login?next=%2Fproducts%2Fwso2am-4.2.0" {
		t.Fatalf("logged out, a product page led to %s", loc)
	}
	webtest.Navigate(t, ctx, base+"/")
	if loc := run(t, ctx, chromedp.Location()); loc != base+"/login" {
		t.Fatalf("logged out, / led to %s", loc)
	}
	webtest.Screenshot(t, ctx, "1-login")

	// By keyboard: the skip link comes first and leads to the form.
	do(t, ctx, chromedp.KeyEvent(kb.Tab))
	if got := focused(t, ctx); got != "skip" {
		t.Errorf("the first Tab focused %q, want the skip link", got)
	}
	do(t, ctx, chromedp.KeyEvent(kb.Enter))
	if got := focused(t, ctx); got != "main" {
		t.Errorf("the skip link focused %q, want the main content", got)
	}
	do(t, ctx, chromedp.KeyEvent(kb.Tab))
	if got := focused(t, ctx); got != "username" {
		t.Fatalf("Tab from the main content focused %q, want the username", got)
	}
	do(t, ctx, chromedp.KeyEvent("alice"), chromedp.KeyEvent(kb.Tab))
	if got := focused(t, ctx); got != "password" {
		t.Fatalf("Tab from the username focused %q, want the password", got)
	}
	do(t, ctx, chromedp.KeyEvent("wrong"))
	webtest.Submit(t, ctx, chromedp.KeyEvent(kb.Enter))
	if msg := run(t, ctx, chromedp.Text(chromedp.ID("login-error"))); !strings.Contains(msg, "Wrong username or password") {
		t.Errorf("wrong password: %q", msg)
	}
	if v := run(t, ctx, chromedp.Value(chromedp.ID("username"))); v != "alice" {
		t.Errorf("the form lost the username: %q", v)
	}
	webtest.Screenshot(t, ctx, "2-wrong-password")
	do(t, ctx, chromedp.Focus(chromedp.ID("password")), chromedp.KeyEvent("alice-pw"))
	webtest.Submit(t, ctx, chromedp.KeyEvent(kb.Enter))

	if loc := run(t, ctx, chromedp.Location()); loc != base+"/" {
		t.Fatalf("after login: %s", loc)
	}
	products := run(t, ctx, chromedp.Text(chromedp.ID("products")))
	if !strings.Contains(products, "wso2am-4.2.0") || strings.Contains(products, "other-1.0") {
		t.Errorf("products: %q", products)
	}
	webtest.Screenshot(t, ctx, "3-products")

	webtest.Submit(t, ctx, chromedp.Click(chromedp.CSS(`#products a[href="/products/wso2am-4.2.0"]`)))
	if h1 := run(t, ctx, chromedp.Text(chromedp.CSS("h1"))); h1 != "wso2am-4.2.0" {
		t.Errorf("product page heading %q", h1)
	}
	if n := len(run(t, ctx, chromedp.Nodes(chromedp.CSSAll("#updates tbody tr")))); n != 3 {
		t.Errorf("%d updates listed, want 3", n)
	}
	webtest.Screenshot(t, ctx, "4-product")

	webtest.Submit(t, ctx, chromedp.Click(chromedp.CSS(`#updates a[href="/products/wso2am-4.2.0/updates/2"]`)))
	if d := run(t, ctx, chromedp.Text(chromedp.ID("description"))); d != "Escape the user name on the login page" {
		t.Errorf("description %q", d)
	}
	if s := run(t, ctx, chromedp.Text(chromedp.ID("security"))); s != "Security update" {
		t.Errorf("security %q", s)
	}
	webtest.Screenshot(t, ctx, "5-update")

	webtest.Submit(t, ctx, chromedp.Click(chromedp.CSS(`nav[aria-label="Main"] a[href="/search"]`)))
	do(t, ctx, chromedp.SendKeys(chromedp.ID("q"), "sec-7"))
	webtest.Submit(t, ctx, chromedp.KeyEvent(kb.Enter))
	results := run(t, ctx, chromedp.Text(chromedp.ID("results")))
	if !strings.Contains(results, "wso2am-4.2.0 update 2") || !strings.Contains(results, "fixes bug SEC-7") {
		t.Errorf("search results: %q", results)
	}
	webtest.Screenshot(t, ctx, "6-search")

	webtest.Submit(t, ctx, chromedp.Click(chromedp.ID("logout")))
	if loc := run(t, ctx, chromedp.Location()); loc != base+"/login" {
		t.Errorf("after logout: %s", loc)
	}
	webtest.Screenshot(t, ctx, "7-logged-out")
	webtest.Navigate(t, ctx, base+"/products/wso2am-4.2.0/updates/2")
	if loc := run(t, ctx, chromedp.Location()); !strings.HasPrefix(loc, base+"/login?next=") {
		t.Errorf("after logout, an update page led to %s", loc)
	}
}

// noHorizontalScroll fails unless the page fits the width of the
// viewport.
func noHorizontalScroll(t *testing.T, ctx context.Context, width int) {
	t.Helper()
	if w := run(t, ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); w > width+1 {
		t.Errorf("%s scrolls sideways: %d pixels wide in a %d-pixel viewport",
			run(t, ctx, chromedp.Location()), w, width)
	}
}

// TestBrowserPhone checks that pages fit a 375-pixel phone screen: wide
// tables and long paths scroll inside their box, not the page.
func TestBrowserPhone(t *testing.T) {
	f := newFixture(t)
	ctx := webtest.Browser(t)
	const width = 375
	do(t, ctx, chromedp.EmulateViewport(width, 812, chromedp.EmulateMobile, chromedp.EmulateScale(2)))
	webtest.Login(t, ctx, f.srv.URL, "alice", "alice-pw")
	for _, p := range []struct{ path, name string }{
		{"/products/wso2am-4.2.0/updates/3", "update"},
		{"/products/wso2am-4.2.0/updates/1", "update-instructions"},
		{"/products/wso2am-4.2.0", "product"},
		{"/search?q=login", "search"},
		{"/", "products"},
	} {
		webtest.Navigate(t, ctx, f.srv.URL+p.path)
		noHorizontalScroll(t, ctx, width)
		webtest.Screenshot(t, ctx, "phone-"+p.name)
	}
}

// TestBrowserAdmin logs in as an admin, reads installations' levels with
// the helper end-to-end tests use, and checks the admin page on a phone.
func TestBrowserAdmin(t *testing.T) {
	f := newFixture(t)
	ctx := webtest.Browser(t)
	webtest.Login(t, ctx, f.srv.URL, "root", "root-pw")
	for inst, want := range map[string]int64{"inst-a": level3, "inst-b": level2, "inst-c": level1} {
		got, err := webtest.InstallationLevel(t, ctx, f.srv.URL, wso2am, inst)
		if err != nil || got != want {
			t.Errorf("level of %s: %d, %v; want %d", inst, got, err, want)
		}
	}
	if _, err := webtest.InstallationLevel(t, ctx, f.srv.URL, wso2am, "inst-z"); err == nil {
		t.Error("an installation that never reported has a level")
	}
	if n := len(run(t, ctx, chromedp.Nodes(chromedp.CSSAll("#levels-chart rect")))); n == 0 {
		t.Error("the chart has no bar")
	}
	webtest.Screenshot(t, ctx, "admin")

	webtest.Navigate(t, ctx, f.srv.URL+"/admin/products/wso2am-4.2.0")
	do(t, ctx, chromedp.SendKeys(chromedp.ID("missing"), "2"))
	webtest.Submit(t, ctx, chromedp.KeyEvent(kb.Enter))
	if got := run(t, ctx, chromedp.Text(chromedp.CSS("#missing-installations tbody"))); !strings.Contains(got, "inst-c") ||
		strings.Contains(got, "inst-a") || strings.Contains(got, "inst-b") {
		t.Errorf("missing update 2: %q", got)
	}
	webtest.Screenshot(t, ctx, "admin-missing")

	const width = 375
	do(t, ctx, chromedp.EmulateViewport(width, 812, chromedp.EmulateMobile, chromedp.EmulateScale(2)))
	webtest.Navigate(t, ctx, f.srv.URL+"/admin/products/wso2am-4.2.0?missing=2")
	noHorizontalScroll(t, ctx, width)
	webtest.Screenshot(t, ctx, "phone-admin")
}
