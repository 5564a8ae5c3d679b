// Package web is the web catalog of update-server: server-rendered HTML
// pages where a customer browses the updates of the products they
// subscribe to (the timeline of update levels of a channel, each update's
// description, instructions, bug fixes and files, and a search across
// them), and where a vendor's admin account also sees every product and
// the installations' reports: which installation is on which level, how
// that changed over time, and which installations miss a given update.
//
// It is an http.Handler over a store.Store; the server mounts it beside
// the /v1 API. Pages are html/template (auto-escaped), with no JavaScript
// and one embedded style sheet.
//
// # Sessions
//
// A login (POST /login, bcrypt like the API, an unknown user compared
// against a dummy hash so that timing does not tell) creates a session: 32
// random bytes, base64url-encoded, sent in the HttpOnly, SameSite=Lax
// cookie inplace_session (Secure when Options.Secure). The store keeps
// only the cookie's hex SHA-256 (store.Session), valid for
// Options.SessionTTL. Logging in again replaces the session; POST /logout
// deletes it. Failed logins count per username: the 11th within a minute
// answers 429.
//
// # Cross-site request forgery
//
// Every POST but /login must carry a form field csrf equal to the
// session's CSRF token: the hex SHA-256 of "inplace-web-csrf\x00" followed
// by the cookie's value. Only the holder of the cookie can compute it (the
// cookie is HttpOnly; the store keeps a different hash, so a reader of the
// database cannot), it is checked in constant time, and it changes with
// every login. As a second layer, every request goes through
// http.CrossOriginProtection, which refuses a cross-origin POST (the login
// form included) by the browser's Sec-Fetch-Site or Origin header.
//
// # What it must never do
//
// It never reveals that a product or an update exists to someone who may
// not see it: an unknown product, another customer's product, an update
// outside the user's channel and every /admin page for a non-admin all
// answer the same 404. It never stores or logs a password or a session
// cookie in clear, never redirects after login to anything but a local
// path, and never changes state on GET.
package web
