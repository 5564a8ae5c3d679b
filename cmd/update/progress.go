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
	desc := fmt.Sprintf("downloading %d file(s)", n)
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
	return &lineProgress{w: w, total: total}
}

type barProgress struct{ *progressbar.ProgressBar }

func (b barProgress) Add(n int) { _ = b.ProgressBar.Add(n) }
func (b barProgress) Done()     { _ = b.ProgressBar.Finish() }

// lineProgress prints a line at each quarter, for logs.
type lineProgress struct {
	mu    sync.Mutex
	w     io.Writer
	total int64
	done  int64
	shown int
}

func (p *lineProgress) Add(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done += int64(n)
	if p.total <= 0 {
		return
	}
	for q := int(p.done * 4 / p.total); p.shown < q && p.shown < 3; {
		p.shown++
		fmt.Fprintf(p.w, "update: downloaded %d%%\n", p.shown*25)
	}
}

func (p *lineProgress) Done() {
	fmt.Fprintf(p.w, "update: downloaded %s\n", humanize.IBytes(uint64(p.done)))
}
