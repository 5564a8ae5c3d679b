package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"inplace/internal/api"
	"inplace/internal/store"
)

// access decides whether the session's user may see product, and through
// which channel: a customer through their subscription, an admin through
// the full channel. ok is false when there is no such product and when
// the user may not see it, which look the same to the user. A customer's
// access is decided before the store is asked whether the product exists.
func (c *Catalog) access(ctx context.Context, s *session, key string) (p store.Product, channel string, ok bool, err error) {
	if !s.user.Admin {
		for _, sub := range s.user.Subscriptions {
			if sub.Product == key {
				channel = sub.Channel
			}
		}
		if channel == "" {
			return store.Product{}, "", false, nil
		}
	} else {
		channel = api.ChannelFull
	}
	p, err = c.store.Product(ctx, key)
	if errors.Is(err, store.ErrNotFound) {
		return store.Product{}, "", false, nil
	}
	if err != nil {
		return store.Product{}, "", false, err
	}
	return p, channel, true, nil
}

// updates returns the updates of product a subscriber of channel
// receives, oldest first.
func (c *Catalog) updates(ctx context.Context, product, channel string) ([]api.Update, error) {
	return c.store.Updates(ctx, product, store.UpdateFilter{SecurityOnly: channel != api.ChannelFull})
}

func productURL(key string) string { return "/products/" + url.PathEscape(key) }

func updateURL(key string, number int) string {
	return fmt.Sprintf("%s/updates/%d", productURL(key), number)
}

func adminURL(key string) string { return "/admin/products/" + url.PathEscape(key) }

// firstLine returns the first non-empty line of s.
func firstLine(s string) string {
	for line := range strings.Lines(s) {
		if line = strings.TrimSpace(line); line != "" {
			return line
		}
	}
	return ""
}

// homeItem is one product on the home page.
type homeItem struct {
	Key, Name, Version string
	Channel            string
	URL, AdminURL      string
	Updates            int   // admins only
	Level              int64 // admins only
}

// handleHome serves GET /: the products the user may see.
func (c *Catalog) handleHome(w http.ResponseWriter, r *http.Request, s *session) {
	var items []homeItem
	if s.user.Admin {
		products, err := c.store.Products(r.Context())
		if err != nil {
			c.internalError(w, r, s, err)
			return
		}
		for _, p := range products {
			items = append(items, homeItem{Key: p.Key, Name: p.Name, Version: p.Version, Channel: api.ChannelFull,
				URL: productURL(p.Key), AdminURL: adminURL(p.Key), Updates: p.Updates, Level: p.Level})
		}
	} else {
		for _, sub := range s.user.Subscriptions {
			p, err := c.store.Product(r.Context(), sub.Product)
			if errors.Is(err, store.ErrNotFound) {
				continue
			}
			if err != nil {
				c.internalError(w, r, s, err)
				return
			}
			items = append(items, homeItem{Key: p.Key, Name: p.Name, Version: p.Version, Channel: sub.Channel,
				URL: productURL(p.Key)})
		}
	}
	c.render(w, r, http.StatusOK, "home", c.page(s, "Your products", items))
}

func (c *Catalog) page(s *session, title string, data any) page {
	return page{Title: title, User: &s.user, CSRF: s.csrf, Data: data}
}

// channelLink is one choice of the channel switch on a product page.
type channelLink struct {
	Label   string
	URL     string
	Current bool
}

// updateRow is one update in a list.
type updateRow struct {
	Number   int
	Level    int64
	Security bool
	Summary  string
	Bugs     []string
	URL      string
}

type productPage struct {
	Product  store.Product
	Channel  string
	Channels []channelLink
	Updates  []updateRow // newest first
	AdminURL string
}

// handleProduct serves GET /products/{product}?channel=: the timeline of
// update levels of a channel, newest first.
func (c *Catalog) handleProduct(w http.ResponseWriter, r *http.Request, s *session) {
	p, mine, ok, err := c.access(r.Context(), s, r.PathValue("product"))
	if err != nil {
		c.internalError(w, r, s, err)
		return
	}
	if !ok {
		c.notFound(w, r, s)
		return
	}
	channel := mine
	if q := r.URL.Query(); q.Has("channel") {
		channel = q.Get("channel")
		if !api.ValidChannel(channel) {
			c.fail(w, r, s, http.StatusBadRequest, "No such channel",
				fmt.Sprintf("The channel must be %s or %s.", api.ChannelFull, api.ChannelSecurity),
				"Choose a channel with the links on the product's page.")
			return
		}
		if channel == api.ChannelFull && mine != api.ChannelFull {
			c.notFound(w, r, s)
			return
		}
	}
	list, err := c.updates(r.Context(), p.Key, channel)
	if err != nil {
		c.internalError(w, r, s, err)
		return
	}
	data := productPage{Product: p, Channel: channel}
	if mine == api.ChannelFull {
		for _, ch := range []struct{ name, label string }{
			{api.ChannelFull, "All updates"}, {api.ChannelSecurity, "Security updates only"},
		} {
			data.Channels = append(data.Channels, channelLink{Label: ch.label,
				URL: productURL(p.Key) + "?channel=" + ch.name, Current: ch.name == channel})
		}
	}
	if s.user.Admin {
		data.AdminURL = adminURL(p.Key)
	}
	for _, u := range slices.Backward(list) {
		data.Updates = append(data.Updates, rowOf(u))
	}
	c.render(w, r, http.StatusOK, "product", c.page(s, p.Key, data))
}

func rowOf(u api.Update) updateRow {
	row := updateRow{Number: u.Number, Level: u.Timestamp, Security: u.Security,
		Summary: firstLine(u.Description), URL: updateURL(u.Product, u.Number)}
	for _, b := range u.BugFixes {
		row.Bugs = append(row.Bugs, b.ID)
	}
	return row
}

// fileRow is one change of an update.
type fileRow struct {
	Path   string
	Change string
}

type updatePage struct {
	Product    store.Product
	ProductURL string
	Update     api.Update
	Files      []fileRow
	Channel    string // the user's channel
	AdminURL   string
}

// handleUpdate serves GET /products/{product}/updates/{number}: one
// update with its description, instructions, bug fixes and files.
func (c *Catalog) handleUpdate(w http.ResponseWriter, r *http.Request, s *session) {
	p, channel, ok, err := c.access(r.Context(), s, r.PathValue("product"))
	if err != nil {
		c.internalError(w, r, s, err)
		return
	}
	number, nerr := strconv.Atoi(r.PathValue("number"))
	if !ok || nerr != nil || number < 1 {
		c.notFound(w, r, s)
		return
	}
	u, found, err := c.update(r.Context(), p.Key, number)
	if err != nil {
		c.internalError(w, r, s, err)
		return
	}
	if !found || !u.InChannel(channel) {
		c.notFound(w, r, s)
		return
	}
	data := updatePage{Product: p, ProductURL: productURL(p.Key), Update: u, Channel: channel}
	for _, f := range u.Files {
		row := fileRow{Path: f.Path}
		switch {
		case f.Remove:
			row.Change = "removed"
		case f.Kind == api.KindSymlink:
			row.Change = "link to " + f.Target
		default:
			row.Change = formatSize(f.Size)
		}
		data.Files = append(data.Files, row)
	}
	if s.user.Admin {
		data.AdminURL = adminURL(p.Key)
	}
	c.render(w, r, http.StatusOK, "update", c.page(s, fmt.Sprintf("%s update %d", p.Key, u.Number), data))
}

// update returns update number of product, if there is one.
func (c *Catalog) update(ctx context.Context, product string, number int) (api.Update, bool, error) {
	list, err := c.store.Updates(ctx, product, store.UpdateFilter{})
	if err != nil {
		return api.Update{}, false, err
	}
	for _, u := range list {
		if u.Number == number {
			return u, true, nil
		}
	}
	return api.Update{}, false, nil
}

// Limits of a search.
const (
	maxQuery   = 200
	maxHits    = 100
	maxMatches = 3 // matching files named per hit
)

// searchHit is one update a search found.
type searchHit struct {
	Product string
	updateRow
	Matches []string // what matched, for people
}

type searchPage struct {
	Query     string
	Hits      []searchHit
	Truncated bool
	Searched  bool
}

// handleSearch serves GET /search?q=: the updates the user may see whose
// text, bug id or file path matches q.
func (c *Catalog) handleSearch(w http.ResponseWriter, r *http.Request, s *session) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	data := searchPage{Query: q}
	title := "Search"
	if len(q) > maxQuery {
		c.fail(w, r, s, http.StatusBadRequest, "The search is too long",
			fmt.Sprintf("Search for at most %d characters.", maxQuery), "Search for a shorter text, a bug id or part of a path.")
		return
	}
	if q != "" {
		data.Searched = true
		title = "Search: " + q
		type visible struct{ key, channel string }
		var products []visible
		if s.user.Admin {
			all, err := c.store.Products(r.Context())
			if err != nil {
				c.internalError(w, r, s, err)
				return
			}
			for _, p := range all {
				products = append(products, visible{p.Key, api.ChannelFull})
			}
		} else {
			for _, sub := range s.user.Subscriptions {
				products = append(products, visible{sub.Product, sub.Channel})
			}
		}
	products:
		for _, p := range products {
			list, err := c.updates(r.Context(), p.key, p.channel)
			if errors.Is(err, store.ErrNotFound) {
				continue
			}
			if err != nil {
				c.internalError(w, r, s, err)
				return
			}
			for _, u := range slices.Backward(list) {
				if m := match(u, q); len(m) > 0 {
					if len(data.Hits) == maxHits {
						data.Truncated = true
						break products
					}
					data.Hits = append(data.Hits, searchHit{Product: p.key, updateRow: rowOf(u), Matches: m})
				}
			}
		}
	}
	p := c.page(s, title, data)
	p.Query = q
	c.render(w, r, http.StatusOK, "search", p)
}

// match returns what of u matches q, for people: a bug id (exact, any
// case), the text of the description, instructions or a bug's summary, or
// a file's path (both substrings, any case).
func match(u api.Update, q string) []string {
	var m []string
	lq := strings.ToLower(q)
	has := func(s string) bool { return strings.Contains(strings.ToLower(s), lq) }
	for _, b := range u.BugFixes {
		if strings.EqualFold(b.ID, q) {
			m = append(m, "fixes bug "+b.ID)
		}
	}
	if has(u.Description) {
		m = append(m, "description")
	}
	if has(u.Instructions) {
		m = append(m, "instructions")
	}
	for _, b := range u.BugFixes {
		if has(b.Summary) {
			m = append(m, "summary of bug "+b.ID)
		}
	}
	files := 0
	for _, f := range u.Files {
		if has(f.Path) {
			if files++; files <= maxMatches {
				m = append(m, "file "+f.Path)
			}
		}
	}
	if files > maxMatches {
		m = append(m, fmt.Sprintf("%d more files", files-maxMatches))
	}
	return m
}
