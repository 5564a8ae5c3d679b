// Package server is the HTTP API of update-server under /v1 (see package api
// for the documents): login and refresh tokens, the updates of a product on a
// channel, pristine entries, blobs by hash, and the latest update tool. It is
// an http.Handler over a store.Store and a blob.Store; listening, TLS and
// signals belong to the command. Logins are rate limited per username and
// per client address; logins, refreshes and downloads are recorded in the
// store's audit log, whose failures are logged and never stop serving.
//
// Every answer other than 2xx carries an api.Error. The server never serves
// a blob or an update to a token whose product and channel do not entitle it
// to (and answers 404 rather than reveal that a blob exists), never stores or
// logs a password or a token in clear, never accepts a refresh token twice,
// and never tells an unknown user from a wrong password.
package server
