// Package merge is the three-way merge the update tool applies to a file
// that both the customer and the vendor have changed (DESIGN.md §5): base
// is the pristine file at the current level, ours the customer's copy,
// theirs the pristine file at the target level.
//
// The merge is line based and reproduces git merge-file at its default
// settings: the same clean-or-conflict decision, the same number of
// conflicts and the same bytes, including for files without a final
// newline and for CRLF files. Matching git means a customer who checks a
// merge with git sees what the tool did. To that end the package carries
// its own Myers line diff, which follows the heuristics of git's xdiff,
// since they decide where changes land and so whether two changes touch.
//
// Archives and binary files are never merged; see Mergeable.
//
// The package is a pure function of its inputs. It must never do I/O:
// no files, no network, no environment, no logging. Reading the three
// versions and writing the result is the caller's business, and so are
// the trivial cases in which one side equals base.
package merge
