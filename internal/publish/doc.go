// Package publish turns the vendor's inputs into stored state: a base
// distribution (zip or folder) into a product, an update folder or zip
// (update.yaml + files/) or a whole newer distribution into an update, a
// password into a user, a binary into a tool release.
//
// Every operation validates and hashes all of its input first, then writes
// the blobs, then the metadata in one store transaction. Bad input is refused
// with an error meant for the operator and stores nothing: no metadata, no
// blob. The package never writes outside the stores it is given, never
// follows a symbolic link of its input, never keeps a password in clear, and
// never accepts a path that is absolute, contains "..", or belongs to the
// update tool (api.ToolPath) as part of an update.
package publish
