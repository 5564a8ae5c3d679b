package web

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"inplace/internal/api"
	"inplace/internal/store"
)

// chartDays is how many days, at most, the chart of levels over time
// shows, ending today (UTC).
const chartDays = 30

// levelNamer names a level for people: the update that brought it, when
// one of the product's updates did.
type levelNamer map[int64]int

func newLevelNamer(updates []api.Update) levelNamer {
	n := levelNamer{}
	for _, u := range updates {
		n[u.Timestamp] = u.Number
	}
	return n
}

func (n levelNamer) name(level int64) string {
	if level == 0 {
		return "base distribution"
	}
	if num, ok := n[level]; ok {
		return fmt.Sprintf("update %d (%s)", num, formatLevel(level))
	}
	return "unknown level " + formatLevel(level)
}

// installationRow is one installation of the product.
type installationRow struct {
	store.Report
	LevelName string
}

// levelCount is how many installations are on one level.
type levelCount struct {
	Level     int64
	LevelName string
	Count     int
	Percent   string
}

// missingResult answers the form ?missing=N.
type missingResult struct {
	Number        string // as asked
	Error         string // the update cannot be used
	Update        *api.Update
	LevelName     string
	Installations []installationRow
}

type adminPage struct {
	Product       store.Product
	ProductURL    string
	AdminURL      string
	Installations []installationRow
	Levels        []levelCount // newest level first
	Chart         *chart       // nil when no report
	Missing       *missingResult
	Security      []updateRow // the security updates, newest first, for the form's hint
}

// handleAdminProduct serves GET /admin/products/{product}: the
// installations of a product, their levels, the levels over time, and
// ?missing=N, the installations below update N's level.
func (c *Catalog) handleAdminProduct(w http.ResponseWriter, r *http.Request, s *session) {
	if !s.user.Admin {
		c.notFound(w, r, s)
		return
	}
	p, _, ok, err := c.access(r.Context(), s, r.PathValue("product"))
	if err != nil {
		c.internalError(w, r, s, err)
		return
	}
	if !ok {
		c.notFound(w, r, s)
		return
	}
	updates, err := c.store.Updates(r.Context(), p.Key, store.UpdateFilter{})
	if err != nil {
		c.internalError(w, r, s, err)
		return
	}
	insts, err := c.store.Installations(r.Context(), p.Key)
	if err != nil {
		c.internalError(w, r, s, err)
		return
	}
	reports, err := c.store.Reports(r.Context(), p.Key, time.Time{})
	if err != nil {
		c.internalError(w, r, s, err)
		return
	}
	names := newLevelNamer(updates)
	data := adminPage{Product: p, ProductURL: productURL(p.Key), AdminURL: adminURL(p.Key)}
	counts := map[int64]int{}
	for _, in := range insts {
		data.Installations = append(data.Installations, installationRow{Report: in, LevelName: names.name(in.Level)})
		counts[in.Level]++
	}
	for level, n := range counts {
		data.Levels = append(data.Levels, levelCount{Level: level, LevelName: names.name(level), Count: n,
			Percent: fmt.Sprintf("%.0f%%", 100*float64(n)/float64(len(insts)))})
	}
	slices.SortFunc(data.Levels, func(a, b levelCount) int { return cmp.Compare(b.Level, a.Level) })
	data.Chart = buildChart(levelsOverTime(reports, c.now(), chartDays), names)
	for _, u := range slices.Backward(updates) {
		if u.Security {
			data.Security = append(data.Security, rowOf(u))
		}
	}

	if q := r.URL.Query(); q.Has("missing") {
		m := &missingResult{Number: strings.TrimSpace(q.Get("missing"))}
		data.Missing = m
		n, err := strconv.Atoi(m.Number)
		var u *api.Update
		for i := range updates {
			if err == nil && updates[i].Number == n {
				u = &updates[i]
			}
		}
		switch {
		case err != nil || n < 1:
			m.Error = "Enter the number of an update: a whole number from 1."
		case u == nil:
			m.Error = fmt.Sprintf("%s has no update %d.", p.Key, n)
		default:
			m.Update, m.LevelName = u, names.name(u.Timestamp)
			for _, in := range data.Installations {
				if in.Level < u.Timestamp && u.InChannel(in.Channel) {
					m.Installations = append(m.Installations, in)
				}
			}
		}
	}
	c.render(w, r, http.StatusOK, "admin", c.page(s, p.Key+": installations", data))
}

// levelSeries is how many installations were on each level at the end of
// each day.
type levelSeries struct {
	Days   []time.Time     // midnight UTC, oldest first
	Levels []int64         // every level that appears, oldest first
	Counts []map[int64]int // per day: level -> installations
}

// levelsOverTime replays the reports (oldest first) and counts, at the
// end of each of the last days days up to now's, the installations on
// each level: an installation stays on the level of its newest report
// until it reports again. The series starts at the day of the first
// report when that is later. It is empty when there is no report.
func levelsOverTime(reports []store.Report, now time.Time, days int) levelSeries {
	var ls levelSeries
	if len(reports) == 0 {
		return ls
	}
	day := func(t time.Time) time.Time {
		t = t.UTC()
		return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	}
	last := day(now)
	if l := day(reports[len(reports)-1].Time); l.After(last) {
		last = l
	}
	first := last.AddDate(0, 0, -(days - 1))
	if f := day(reports[0].Time); f.After(first) {
		first = f
	}
	state := map[string]int64{}
	seen := map[int64]bool{}
	i := 0
	for d := first; !d.After(last); d = d.AddDate(0, 0, 1) {
		end := d.AddDate(0, 0, 1)
		for ; i < len(reports) && reports[i].Time.Before(end); i++ {
			state[reports[i].Installation] = reports[i].Level
		}
		counts := map[int64]int{}
		for _, level := range state {
			counts[level]++
			seen[level] = true
		}
		ls.Days = append(ls.Days, d)
		ls.Counts = append(ls.Counts, counts)
	}
	for level := range seen {
		ls.Levels = append(ls.Levels, level)
	}
	slices.Sort(ls.Levels)
	return ls
}

// Geometry of the chart, in SVG user units; the SVG scales to its box.
const (
	chartWidth  = 640
	chartHeight = 260
	chartLeft   = 40 // room for the y axis labels
	chartRight  = 10
	chartTop    = 10
	chartBottom = 30 // room for the x axis labels
	maxSeries   = 7  // levels shown apart; older ones are summed as one
	olderLevels = -1 // the series of the older levels
)

// palette holds colours with a contrast of at least 3:1 against white,
// newest level first.
var palette = []string{"#1f4e9c", "#b34700", "#2e7d32", "#6a1b9a", "#00695c", "#9c2d5a", "#5d4037", "#455a64"}

// chart is a stacked bar chart of installations per level per day,
// computed here and drawn by the template as inline SVG.
type chart struct {
	Width, Height int
	Title, Desc   string
	Bars          []chartRect
	YTicks        []chartTick
	XTicks        []chartTick
	Legend        []legendItem // newest level first
	Table         chartTable   // the same data, for those who cannot see the chart
	Baseline      int
}

type chartRect struct {
	X, Y, W, H float64
	Fill       string
	Label      string // for the <title> of the segment
}

type chartTick struct {
	X, Y  float64
	Label string
}

type legendItem struct {
	Fill, Label string
}

type chartTable struct {
	Columns []string // series, newest first
	Rows    []chartRow
}

type chartRow struct {
	Day    string
	Counts []int
	Total  int
}

// buildChart lays out the series as stacked bars, one per day, one
// segment per level, the oldest level at the bottom.
func buildChart(ls levelSeries, names levelNamer) *chart {
	if len(ls.Days) == 0 {
		return nil
	}
	// The series: the newest maxSeries levels, and the older ones summed.
	series := slices.Clone(ls.Levels)
	if len(series) > maxSeries {
		series = append([]int64{olderLevels}, series[len(series)-maxSeries+1:]...)
	}
	seriesOf := func(level int64) int64 {
		if series[0] == olderLevels && level < series[1] {
			return olderLevels
		}
		return level
	}
	label := func(s int64) string {
		if s == olderLevels {
			return "older levels"
		}
		return names.name(s)
	}
	fill := map[int64]string{}
	for i, s := range slices.Backward(series) {
		fill[s] = palette[(len(series)-1-i)%len(palette)]
	}

	ch := &chart{Width: chartWidth, Height: chartHeight, Baseline: chartHeight - chartBottom}
	top := 0
	perDay := make([]map[int64]int, len(ls.Days))
	for i, counts := range ls.Counts {
		perDay[i] = map[int64]int{}
		total := 0
		for level, n := range counts {
			perDay[i][seriesOf(level)] += n
			total += n
		}
		top = max(top, total)
	}
	yMax := niceCeil(top)
	plotW := float64(chartWidth - chartLeft - chartRight)
	plotH := float64(chartHeight - chartTop - chartBottom)
	slot := plotW / float64(len(ls.Days))
	barW := slot * 0.7
	for i, d := range ls.Days {
		x := chartLeft + float64(i)*slot + (slot-barW)/2
		y := float64(ch.Baseline)
		for _, s := range series {
			n := perDay[i][s]
			if n == 0 {
				continue
			}
			h := plotH * float64(n) / float64(yMax)
			y -= h
			ch.Bars = append(ch.Bars, chartRect{X: round1(x), Y: round1(y), W: round1(barW), H: round1(h), Fill: fill[s],
				Label: fmt.Sprintf("%s: %d on %s", d.Format(time.DateOnly), n, label(s))})
		}
	}
	for _, v := range []int{0, yMax / 2, yMax} {
		ch.YTicks = append(ch.YTicks, chartTick{X: chartLeft - 6,
			Y: round1(float64(ch.Baseline) - plotH*float64(v)/float64(yMax)), Label: strconv.Itoa(v)})
	}
	// Label the first and the last day, and a few between.
	n := len(ls.Days)
	step := max(1, (n+3)/4)
	marks := []int{0}
	for i := step; i < n-1; i += step {
		if n-1-i >= step/2 {
			marks = append(marks, i)
		}
	}
	if n > 1 {
		marks = append(marks, n-1)
	}
	for _, i := range marks {
		ch.XTicks = append(ch.XTicks, chartTick{X: round1(chartLeft + (float64(i)+0.5)*slot),
			Y: float64(ch.Baseline + 18), Label: ls.Days[i].Format("Jan 2")})
	}

	for _, s := range slices.Backward(series) {
		ch.Legend = append(ch.Legend, legendItem{Fill: fill[s], Label: label(s)})
		ch.Table.Columns = append(ch.Table.Columns, label(s))
	}
	for i, d := range ls.Days {
		row := chartRow{Day: d.Format(time.DateOnly)}
		for _, s := range slices.Backward(series) {
			row.Counts = append(row.Counts, perDay[i][s])
			row.Total += perDay[i][s]
		}
		ch.Table.Rows = append(ch.Table.Rows, row)
	}
	first, last := ls.Days[0].Format(time.DateOnly), ls.Days[len(ls.Days)-1].Format(time.DateOnly)
	ch.Title = "Installations on each level, by day"
	newest := ch.Table.Rows[len(ch.Table.Rows)-1]
	ch.Desc = fmt.Sprintf("Stacked bars, one per day from %s to %s (UTC), one segment per level, the oldest level at the bottom. "+
		"On %s, %d installations: ", first, last, last, newest.Total)
	var parts []string
	for i, col := range ch.Table.Columns {
		if newest.Counts[i] > 0 {
			parts = append(parts, fmt.Sprintf("%d on %s", newest.Counts[i], col))
		}
	}
	ch.Desc += strings.Join(parts, ", ") + ". The table below holds every value."
	return ch
}

// niceCeil rounds n up to a number that halves evenly, at least 2.
func niceCeil(n int) int {
	if n <= 2 {
		return 2
	}
	return n + n%2
}

func round1(f float64) float64 { return float64(int(f*10+0.5)) / 10 }
