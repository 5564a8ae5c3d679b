// Command e2ebench measures the update tool end to end on a generated
// product (default 20,000 files, about 1 GiB) and an update touching about
// 200 files, published on a real update-server on loopback, against three
// baselines run in the same process on the same files: the floor (copying
// the changed files into place and syncing them), git (fetch and merge of a
// vendor branch) and the full pack (unzip and rsync). It writes a Markdown
// section with medians and ratios; `make bench` puts it in
// docs/benchmarks.md. It asserts nothing: benchmarks are not tests.
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"time"

	"inplace/tools/e2ebench/benchgen"
)

func main() {
	o := benchgen.Options{}
	var (
		runs      = flag.Int("runs", 5, "timed runs of each measurement (medians are reported)")
		bigFiles  = flag.Int("noop-files", 200000, "files of the second, larger product for the no-op check and peak memory (0: skip)")
		bigBytes  = flag.Int64("noop-bytes", 2<<30, "about how many bytes the larger product holds")
		work      = flag.String("work", "", "working folder (default: a new temporary folder, removed at the end)")
		binDir    = flag.String("bin", "bin", "folder holding the update and update-server binaries")
		out       = flag.String("out", "", "write the Markdown section here (default standard output)")
		skipBases = flag.Bool("no-baselines", false, "skip the git and full-pack baselines (the floor is always measured)")
	)
	flag.IntVar(&o.Files, "files", 20000, "files in the product")
	flag.Int64Var(&o.Bytes, "bytes", 1<<30, "about how many bytes the product holds")
	flag.IntVar(&o.Changed, "changed", 200, "files the update touches")
	flag.Int64Var(&o.ChangedBytes, "changed-bytes", 50<<20, "about how many bytes of new content the update brings")
	flag.Int64Var(&o.Seed, "seed", 1, "seed of the generated product")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("e2ebench: ")

	dir := *work
	if dir == "" {
		d, err := os.MkdirTemp("", "e2ebench-")
		if err != nil {
			log.Fatal(err)
		}
		dir = d
		defer os.RemoveAll(d)
	}
	bins, err := filepath.Abs(*binDir)
	if err != nil {
		log.Fatal(err)
	}
	b := &bench{dir: dir, bin: bins, runs: *runs, opts: o, baselines: !*skipBases}
	res, err := b.run()
	if err != nil {
		log.Fatal(err)
	}
	if *bigFiles > 0 {
		big := o
		big.Files, big.Bytes, big.Seed = *bigFiles, *bigBytes, o.Seed+1
		bb := &bench{dir: filepath.Join(dir, "big"), bin: bins, runs: *runs, opts: big, toolOnly: true}
		if res.big, err = bb.run(); err != nil {
			log.Fatal(err)
		}
	}
	var w io.Writer = os.Stdout
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			log.Fatal(err)
		}
		defer f.Close()
		w = f
	}
	res.write(w)
}

// logf reports progress on standard error: generating and publishing a
// gigabyte takes minutes.
func logf(format string, args ...any) {
	log.Printf("%s "+format, append([]any{time.Now().Format("15:04:05")}, args...)...)
}

func fatalf(format string, args ...any) error { return fmt.Errorf(format, args...) }
