package main

import (
	"fmt"
	"io"
	"path"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/dustin/go-humanize"

	"inplace/tools/e2ebench/benchgen"
)

// result holds what one product's measurements found.
type result struct {
	opts   benchgen.Options
	runs   int
	stats  benchgen.Stats
	change benchgen.Change

	coldUpdate   time.Duration // the first update after publishing
	publishTime  time.Duration
	publishOut   string
	backupBytes  int64
	dryRun       []toolRun
	update       []toolRun
	noop         []toolRun
	revert       []toolRun
	wire         []int64  // bytes the server sent during each update
	noopRequests []string // the requests of the last no-op check
	noopBytes    int64
	payload      map[string]payload
	files        []fileBytes

	status       []toolRun       // --status on the installation as shipped
	bundleExport []time.Duration // --export-bundle
	bundleUpdate []toolRun       // --bundle
	bundleBytes  int64

	floor, git, pack []time.Duration
	big              *result // the larger product
}

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func walls(rs []toolRun) []time.Duration {
	var out []time.Duration
	for _, r := range rs {
		out = append(out, r.wall)
	}
	return out
}

func phase(rs []toolRun, name string) time.Duration {
	var out []time.Duration
	for _, r := range rs {
		out = append(out, time.Duration(r.phases[name]*float64(time.Second)))
	}
	return median(out)
}

func peak(rs []toolRun) int64 {
	var m int64
	for _, r := range rs {
		m = max(m, r.rss)
	}
	return m
}

func medianInt(ns []int64) int64 {
	s := slices.Clone(ns)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	return s[len(s)/2]
}

func ms(d time.Duration) string {
	if d >= 10*time.Second {
		return fmt.Sprintf("%.1f s", d.Seconds())
	}
	return fmt.Sprintf("%.0f ms", float64(d)/float64(time.Millisecond))
}

func ratio(a, b time.Duration) string {
	if b == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f×", float64(a)/float64(b))
}

func mib(n int64) string { return humanize.IBytes(uint64(n)) }

// write prints the Markdown section.
func (r *result) write(w io.Writer) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format+"\n", args...) }
	ch := r.change
	p("## End to end: an update of a generated product")
	p("")
	p("Machine: %s, %d cores. Medians of %d runs each; files are in the page cache for every contender.", machine(), runtime.NumCPU(), r.runs)
	p("Product: %d files, %s (%d jars). Update: %d files replaced, %d added, %d removed; %s of new content; %s of replaced and removed files.",
		r.stats.Files, mib(r.stats.Bytes), r.stats.Jars, len(ch.Replaced), len(ch.Added), len(ch.Removed), mib(ch.NewBytes), mib(ch.OldBytes))
	p("The tool talks to a real update-server on loopback (embedded storage) through a proxy that counts the bytes sent. Regenerate with `make bench`; `go run ./tools/e2ebench -h` lists the sizes (e.g. `-files 200000`).")
	p("")
	up, rv := median(walls(r.update)), median(walls(r.revert))
	apply := phase(r.update, "apply")
	floor, git, pack := median(r.floor), median(r.git), median(r.pack)
	p("| | time | vs floor (a) | vs git (b) | vs full pack (c) |")
	p("|---|---|---|---|---|")
	p("| inplace update, whole run (check, plan, download, apply) | %s | %s | %s | %s |", ms(up), ratio(up, floor), ratio(up, git), ratio(up, pack))
	p("| of which: check | %s | | | |", ms(phase(r.update, "check")))
	p("| of which: plan | %s | | | |", ms(phase(r.update, "plan")))
	p("| of which: download and rebuild | %s | | | |", ms(phase(r.update, "download")))
	p("| of which: apply (backup by rename, put in place, commit) | %s | %s | %s | %s |", ms(apply), ratio(apply, floor), ratio(apply, git), ratio(apply, pack))
	p("| inplace revert, whole run | %s | %s | | |", ms(rv), ratio(rv, floor))
	p("| inplace dry run (check and plan) | %s | | | |", ms(median(walls(r.dryRun))))
	p("| (a) floor: copy the changed files into place, fsync | %s | 1× | | |", ms(floor))
	p("| (b) git: fetch the vendor commit from a local repository, merge | %s | | 1× | |", ms(git))
	p("| (c) full pack: unzip the new distribution, rsync onto the installation | %s | | | 1× |", ms(pack))
	p("")
	p("Publishing the update took %s; it printed: %q. The first update after it took %s.", ms(r.publishTime), r.publishOut, ms(r.coldUpdate))
	p("")
	p("Bytes: the update sent %s over the wire (median; new content %s). Backup space after the update: %s (replaced and removed files: %s; the product: %s).",
		mib(medianInt(r.wire)), mib(ch.NewBytes), mib(r.backupBytes), mib(ch.OldBytes), mib(r.stats.Bytes))
	r.writeFiles(p)
	r.writeTargets(p)
	if len(r.bundleUpdate) > 0 {
		bu := median(walls(r.bundleUpdate))
		p("")
		p("Offline bundle (`--export-bundle`, then `--bundle` on the installation, which does not ask the server):")
		p("")
		p("| | time | vs online update |")
		p("|---|---|---|")
		p("| export (verify, fetch every file the installation may need, write) | %s | %s |", ms(median(r.bundleExport)), ratio(median(r.bundleExport), up))
		p("| update from the bundle, whole run | %s | %s |", ms(bu), ratio(bu, up))
		p("| of which: apply | %s | %s |", ms(phase(r.bundleUpdate, "apply")), ratio(phase(r.bundleUpdate, "apply"), apply))
		p("")
		p("The bundle is %s: %.2f of the update's new content (%s), %.1f× what the online update sent (it holds whole files, not deltas, and the vendor's versions of every file the update touches, for merges and conflicts).",
			mib(r.bundleBytes), float64(r.bundleBytes)/float64(max(ch.NewBytes, 1)), mib(ch.NewBytes), float64(r.bundleBytes)/float64(max(medianInt(r.wire), 1)))
	}
	p("")
	p("No-op check (nothing to do) and peak memory:")
	p("")
	p("A no-op check sends %d request(s) (%s), %s in all.", len(r.noopRequests), strings.Join(r.noopRequests, "; "), mib(r.noopBytes))
	p("")
	p("| product | no-op check | peak memory, update | peak memory, no-op | `--status` (hashes every file) | peak memory, `--status` |")
	p("|---|---|---|---|---|---|")
	p("| %d files, %s | %s | %s | %s | %s | %s |", r.stats.Files, mib(r.stats.Bytes), ms(median(walls(r.noop))), mib(peak(r.update)), mib(peak(r.noop)),
		ms(median(walls(r.status))), mib(peak(r.status)))
	if b := r.big; b != nil {
		p("| %d files, %s | %s | %s | %s | %s | %s |", b.stats.Files, mib(b.stats.Bytes), ms(median(walls(b.noop))), mib(peak(b.update)), mib(peak(b.noop)),
			ms(median(walls(b.status))), mib(peak(b.status)))
		p("")
		p("No-op check at %d files against %d files: %s.", b.stats.Files, r.stats.Files, ratio(median(walls(b.noop)), median(walls(r.noop))))
	}
}

// writeFiles compares the bytes sent per replaced file with zstd: for
// archives (jars, wars) against zstd's own delta, for every file against
// zstd -3 of the new file.
func (r *result) writeFiles(p func(string, ...any)) {
	if len(r.files) == 0 || !r.files[0].zstdFound {
		return
	}
	type sums struct {
		n                   int
		size, sent, z3, p19 int64
		worst3, worst19     float64
		worst3At, worst19At string
	}
	var all, archives sums
	enc := map[string]int{}
	for _, f := range r.files {
		enc[f.encoding]++
		add := func(s *sums) {
			s.n++
			s.size += f.size
			s.sent += f.sent
			s.z3 += f.zstd3
			s.p19 += f.patch19
			if q := float64(f.sent) / float64(max(f.zstd3, 1)); q > s.worst3 {
				s.worst3, s.worst3At = q, f.path
			}
			if q := float64(f.sent) / float64(max(f.patch19, 1)); q > s.worst19 {
				s.worst19, s.worst19At = q, f.path
			}
		}
		add(&all)
		if ext := path.Ext(f.path); ext == ".jar" || ext == ".war" {
			add(&archives)
		}
	}
	p("")
	p("Changed files: bytes sent, against the zstd command on the same pairs (a file renamed for a version bump is paired with its old name, as the tool pairs them). Sent as: %v.", enc)
	p("")
	p("| files | new size | inplace sent | `zstd -3` | sent / zstd -3 (worst file) | `zstd -19 --long=27 --patch-from` | sent / patch-from (worst file) |")
	p("|---|---|---|---|---|---|---|")
	for _, row := range []struct {
		name string
		s    sums
	}{{"jars and wars", archives}, {"all changed files", all}} {
		s := row.s
		if s.n == 0 {
			continue
		}
		p("| %s (%d) | %s | %s | %s | %.3f (%.3f: %s) | %s | %.3f (%.3f: %s) |", row.name, s.n, mib(s.size), mib(s.sent),
			mib(s.z3), float64(s.sent)/float64(max(s.z3, 1)), s.worst3, s.worst3At,
			mib(s.p19), float64(s.sent)/float64(max(s.p19, 1)), s.worst19, s.worst19At)
	}
}

// writeTargets checks the figures against the goals set for them (issue 6)
// and says, for each, whether this run met it.
func (r *result) writeTargets(p func(string, ...any)) {
	up, rv := median(walls(r.update)), median(walls(r.revert))
	apply := phase(r.update, "apply")
	floor, git, pack := median(r.floor), median(r.git), median(r.pack)
	met := func(ok bool) string {
		if ok {
			return "met"
		}
		return "**missed**"
	}
	type target struct{ goal, got, verdict string }
	ts := []target{
		{"apply at most 2× the floor", fmt.Sprintf("apply step %s, whole run %s", ratio(apply, floor), ratio(up, floor)),
			met(apply <= 2*floor) + wholeRun(up <= 2*floor)},
		{"revert at most 2× the floor", ratio(rv, floor), met(rv <= 2*floor)},
	}
	if git > 0 {
		ts = append(ts, target{"at least 5× faster than git (whole run)", fmt.Sprintf("%.1f× faster", float64(git)/float64(up)), met(git >= 5*up)})
	}
	if pack > 0 {
		ts = append(ts, target{"at least 20× faster than the full pack (whole run)", fmt.Sprintf("%.1f× faster", float64(pack)/float64(up)), met(pack >= 20*up)})
	}
	var jarSent, jarP19 int64
	worstJar, worst3 := 0.0, 0.0
	for _, f := range r.files {
		if ext := path.Ext(f.path); ext == ".jar" || ext == ".war" {
			jarSent += f.sent
			jarP19 += f.patch19
			worstJar = max(worstJar, float64(f.sent)/float64(max(f.patch19, 1)))
		}
		worst3 = max(worst3, float64(f.sent)/float64(max(f.zstd3, 1)))
	}
	if jarP19 > 0 {
		ts = append(ts,
			target{"bytes for a changed jar no more than zstd -19 --long=27 --patch-from", fmt.Sprintf("%.3f of it in all, worst jar %.3f", float64(jarSent)/float64(jarP19), worstJar), met(worstJar <= 1)},
			target{"any file never more than its zstd -3 size", fmt.Sprintf("worst file %.3f of it", worst3), met(worst3 <= 1)})
	}
	if b := r.big; b != nil {
		q := float64(median(walls(b.noop))) / float64(median(walls(r.noop)))
		ts = append(ts,
			target{fmt.Sprintf("no-op check at %d files within 20%% of %d files", b.stats.Files, r.stats.Files), fmt.Sprintf("%.2f×", q), met(q <= 1.2)},
			target{fmt.Sprintf("peak memory below 100 MiB at %d files", b.stats.Files), mib(max(peak(b.update), peak(b.noop))), met(max(peak(b.update), peak(b.noop)) < 100<<20)})
	}
	ts = append(ts, target{"backup space equal to the replaced and removed files", fmt.Sprintf("%s for %s", mib(r.backupBytes), mib(r.change.OldBytes)),
		met(r.backupBytes <= r.change.OldBytes+r.change.OldBytes/100)})
	p("")
	p("Goals (issue 6), checked on this run's figures:")
	p("")
	p("| goal | this run | |")
	p("|---|---|---|")
	for _, t := range ts {
		p("| %s | %s | %s |", t.goal, t.got, t.verdict)
	}
}

// wholeRun notes whether the whole run, download included, met the
// apply goal too.
func wholeRun(ok bool) string {
	if ok {
		return " (the whole run too)"
	}
	return " (the whole run, which also checks, plans and downloads over the network, did not)"
}
