// Package sample generates a sample server product and a stream of updates
// to it, for the demo and the end-to-end tests.
//
// The product looks like a Java middleware distribution: start scripts in
// bin/, a deployment.toml with XML and .properties files beside it in
// repository/conf/, plugin jars, a web application archive, key stores and a
// relative symbolic link. Its jars and war are valid zip archives whose class
// entries hold pseudo-random bytes. Generate writes the base distribution,
// two update folders laid out as the update service's publish command takes
// them (update.yaml and files/), and the whole distribution at the level of
// the last update. Customise and CustomiseConflicting then play a customer
// who edits an installed copy.
//
// Everything the package writes is a pure function of its Options: the same
// bytes on every run, for a given Go toolchain (archives are deflated by
// compress/flate). The package needs nothing outside the module; in
// particular it never reads ../shared, whose files are not ours to ship.
//
// The product's own texts are embedded from files/base (the distribution)
// and files/added (files that updates add); each update's edits to them are
// listed in updates.go, so a reader sees exactly what each update changes.
// This package is for tests and demos only: nothing shipped imports it.
package sample
