package main

import (
	"fmt"
	"io"
	"sync"

	"github.com/dustin/go-humanize"
	"github.com/schollz/progressbar/v3"

	"inplace/internal/updater"
)

// newProgress shows a download: a bar on a terminal, plain lines otherwise.
func newProgress(w io.Writer, tty bool, total int64, n int) updater.Progress {
	return startProgress(w, tty, progressWords{"downloading", "downloaded"}, total, n)
}

// Hashing shows progress only from this much work on: below it, a run
// takes a moment and lines about it would be noise.
const (
	hashProgressBytes = 256 << 20
	hashProgressFiles = 20000
)

// newHashProgress shows the hashing of a whole product (--status).
func newHashProgress(w io.Writer, tty bool, total int64, n int) updater.Progress {
	if total < hashProgressBytes && n < hashProgressFiles {
		return noProgress{}
	}
	return startProgress(w, tty, progressWords{"hashing", "hashed"}, total, n)
}

// progressWords name the work in progress and done.
type progressWords struct{ doing, done string }

func startProgress(w io.Writer, tty bool, words progressWords, total int64, n int) updater.Progress {
	desc := fmt.Sprintf("%s %d file(s)", words.doing, n)
	if tty {
		return barProgress{progressbar.NewOptions64(total,
			progressbar.OptionSetWriter(w),
			progressbar.OptionSetDescription(desc),
			progressbar.OptionShowBytes(true),
			progressbar.OptionSetWidth(30),
			progressbar.OptionThrottle(100_000_000),
			progressbar.OptionClearOnFinish(),
		)}
	}
	fmt.Fprintf(w, "update: %s, %s\n", desc, humanize.IBytes(uint64(total)))
	return &lineProgress{w: w, total: total, done: words.done}
}

type noProgress struct{}

func (noProgress) Add(int) {}
func (noProgress) Done()   {}

type barProgress struct{ *progressbar.ProgressBar }

func (b barProgress) Add(n int) { _ = b.ProgressBar.Add(n) }
func (b barProgress) Done()     { _ = b.ProgressBar.Finish() }

// lineProgress prints a line at each quarter, for logs.
type lineProgress struct {
	mu    sync.Mutex
	w     io.Writer
	total int64
	got   int64
	shown int
	done  string // the verb for work done: "downloaded"
}

func (p *lineProgress) Add(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.got += int64(n)
	if p.total <= 0 {
		return
	}
	for q := int(p.got * 4 / p.total); p.shown < q && p.shown < 3; {
		p.shown++
		fmt.Fprintf(p.w, "update: %s %d%%\n", p.done, p.shown*25)
	}
}

func (p *lineProgress) Done() {
	fmt.Fprintf(p.w, "update: %s %s\n", p.done, humanize.IBytes(uint64(p.got)))
}
