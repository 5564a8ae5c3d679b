// Command loadtest is `make loadtest`: simulated customers check for
// updates and download against two update-server replicas behind nginx,
// sharing a real PostgreSQL and a real S3-compatible store, all on this
// machine; then the same requests against nginx serving the same metadata
// and blobs as static files, the practical ceiling. It writes the figures
// into a section of docs/benchmarks.md.
//
// It is a benchmark, not a test: it reports and asserts nothing about time.
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"inplace/internal/api"
	"inplace/internal/testenv"
	"inplace/tools/loadtest/cluster"
	"inplace/tools/loadtest/load"
)

type options struct {
	server   string
	out      string
	clients  int
	duration time.Duration
	warmup   time.Duration
	blobs    int
	blobSize int
	keep     bool
	env      []string
}

func main() {
	var o options
	flag.StringVar(&o.server, "server", "bin/update-server", "the update-server binary")
	flag.StringVar(&o.out, "out", "docs/benchmarks.md", "the page whose load-test section is rewritten; - prints the section")
	flag.IntVar(&o.clients, "clients", 200, "simulated customers at once")
	flag.DurationVar(&o.duration, "duration", 15*time.Second, "how long each scenario is measured")
	flag.DurationVar(&o.warmup, "warmup", 3*time.Second, "how long each scenario runs before measuring")
	flag.IntVar(&o.blobs, "blobs", 32, "how many files the downloads pick from")
	flag.IntVar(&o.blobSize, "blob-size", 256<<10, "the size of each file, in bytes")
	flag.BoolVar(&o.keep, "keep", false, "keep the work folder (logs of the replicas and nginx)")
	flag.Func("replica-env", "an environment `VAR=value` for the replicas (repeatable), e.g. GOMAXPROCS=1", func(v string) error {
		o.env = append(o.env, v)
		return nil
	})
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "loadtest: %s "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
}

// fixture is what the scenarios need: the files to download and a token
// per simulated customer.
type fixture struct {
	sums   []string
	tokens []string
}

func run(ctx context.Context, o options) error {
	dir, err := os.MkdirTemp("", "loadtest-")
	if err != nil {
		return err
	}
	if o.keep {
		logf("work folder %s", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	logf("starting PostgreSQL and versitygw")
	db, err := testenv.PostgresDatabase()
	if err != nil {
		return fmt.Errorf("PostgreSQL: %w (scripts/test-deps.sh installs it)", err)
	}
	blobs, err := testenv.S3Bucket()
	if err != nil {
		return fmt.Errorf("S3 server: %w", err)
	}
	static := filepath.Join(dir, "static")
	logf("starting two replicas and nginx")
	c, err := cluster.Start(ctx, cluster.Options{Server: o.server, Dir: dir, DB: db, Blobs: blobs, StaticRoot: static,
		// Like for like: nginx keeps no access log, the replicas no
		// line per request.
		Serve: []string{"--metadata-ttl", "1s", "--log-level", "warn"}, Env: o.env})
	if err != nil {
		return err
	}
	defer c.Stop()

	logf("publishing a product of %d files of %d KiB; %d customers log in", o.blobs, o.blobSize>>10, o.clients)
	f, err := publish(ctx, c, dir, static, o)
	if err != nil {
		return err
	}

	// Each scenario against each way of serving it; the last is nginx's
	// static files, the ceiling.
	type target struct{ who, url string }
	direct := target{"2 replicas via nginx", c.URL}
	cached := target{"2 replicas via nginx keeping what they mark public", c.CachedURL}
	ceiling := target{staticWho, c.StaticURL}
	var results [][]row
	for _, sc := range []struct {
		name    string
		step    func(url string, f *fixture) func(context.Context, *http.Client, int, int) error
		targets []target
	}{
		{"update check", checkStep, []target{direct, cached, ceiling}},
		{fmt.Sprintf("download (%d KiB)", o.blobSize>>10), downloadStep, []target{direct, ceiling}},
	} {
		var rows []row
		for _, tg := range sc.targets {
			logf("%s against %s: %d clients, %v + %v warmup", sc.name, tg.who, o.clients, o.duration, o.warmup)
			r := load.Run(ctx, load.Scenario{Name: sc.name, Clients: o.clients, Duration: o.duration, Warmup: o.warmup,
				Step: sc.step(tg.url, f)})
			logf("  %.0f/s, p50 %v, p99 %v, %d errors %v", r.Throughput, r.P50, r.P99, r.Errors, r.FirstErrors)
			if ctx.Err() != nil {
				return ctx.Err()
			}
			rows = append(rows, row{tg.who, r})
		}
		results = append(results, rows)
	}
	section := report(o, results)
	if o.out == "-" {
		fmt.Print(section)
		return nil
	}
	if err := writeSection(o.out, section); err != nil {
		return err
	}
	logf("wrote %s", o.out)
	return nil
}

// publish adds the product whose files the customers download, a user and
// a token per customer, and copies the metadata and the files into the
// static folder under the same paths.
func publish(ctx context.Context, c *cluster.Cluster, dir, static string, o options) (*fixture, error) {
	base := filepath.Join(dir, "base")
	f := &fixture{}
	for i := range o.blobs {
		b := make([]byte, o.blobSize)
		rand.Read(b)
		name := filepath.Join(base, "lib", fmt.Sprintf("part%03d.jar", i))
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(name, b, 0o644); err != nil {
			return nil, err
		}
		h := sha256.Sum256(b)
		f.sums = append(f.sums, hex.EncodeToString(h[:]))
		if err := copyInto(static, "v1/blobs/"+f.sums[i], b); err != nil {
			return nil, err
		}
	}
	if _, err := c.Admin(ctx, "", "product", "add", "--name", "loadtest", "--version", "1.0", base); err != nil {
		return nil, err
	}
	if _, err := c.Admin(ctx, "pw\n", "user", "add", "--username", "customer", "--password-stdin", "--product", "loadtest-1.0", "--channel", "full"); err != nil {
		return nil, err
	}
	for _, name := range []string{"timestamp.json", "1.root.json"} {
		b, err := get(ctx, c.URL+"/v1/metadata/"+name, "")
		if err != nil {
			return nil, err
		}
		if err := copyInto(static, "v1/metadata/"+name, b); err != nil {
			return nil, err
		}
	}
	body, _ := json.Marshal(api.TokenRequest{Username: "customer", Password: "pw", Product: "loadtest-1.0", Channel: api.ChannelFull})
	for range o.clients {
		resp, err := http.Post(c.URL+"/v1/token", "application/json", bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		var tr api.TokenResponse
		err = json.NewDecoder(resp.Body).Decode(&tr)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("login: status %d, %v", resp.StatusCode, err)
		}
		f.tokens = append(f.tokens, tr.Token)
	}
	return f, nil
}

// checkStep is the update tool's check when there is nothing new: is
// there a newer root (404: no), and the signed timestamp, with the
// customer's token.
func checkStep(url string, f *fixture) func(context.Context, *http.Client, int, int) error {
	return func(ctx context.Context, c *http.Client, client, i int) error {
		h := http.Header{"Authorization": {"Bearer " + f.tokens[client]}}
		if _, err := load.GetOK(ctx, c, url+"/v1/metadata/2.root.json", h, http.StatusNotFound, ""); err != nil {
			return err
		}
		_, err := load.GetOK(ctx, c, url+"/v1/metadata/timestamp.json", h, http.StatusOK, "")
		return err
	}
}

// downloadStep downloads one of the product's files, with the customer's
// token, and checks its SHA-256.
func downloadStep(url string, f *fixture) func(context.Context, *http.Client, int, int) error {
	return func(ctx context.Context, c *http.Client, client, i int) error {
		sum := f.sums[(client+i)%len(f.sums)]
		h := http.Header{"Authorization": {"Bearer " + f.tokens[client]}}
		_, err := load.GetOK(ctx, c, url+"/v1/blobs/"+sum, h, http.StatusOK, sum)
		return err
	}
}

func get(ctx context.Context, url, token string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		return nil, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("GET %s: status %d", url, resp.StatusCode)
	}
	return b, err
}

func copyInto(root, rel string, b []byte) error {
	name := filepath.Join(root, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return err
	}
	return os.WriteFile(name, b, 0o644)
}

// row is one scenario against one way of serving it.
type row struct {
	who string
	res load.Result
}

// staticWho names the ceiling: nginx's static files.
const staticWho = "nginx static files"

// Goals of issue 7 for update checks.
const (
	goalCheckRatio = 0.5
	goalCheckP99   = 50 * time.Millisecond
)

func report(o options, results [][]row) string {
	var b strings.Builder
	fmt.Fprintf(&b, "## Load: two replicas behind nginx\n\n")
	fmt.Fprintf(&b, "Written by `make loadtest` on %s (%s, %d cores, %s). Everything runs on this one machine at once: "+
		"the load generator (%d simulated customers, each with its own token and keep-alive connection, one operation after another), "+
		"nginx, two `update-server serve` replicas (`--metadata-ttl 1s --log-level warn`; nginx keeps no access log), PostgreSQL and versitygw (S3). "+
		"Each scenario: %v of warmup, then %v measured. The ceiling is the same nginx serving the same metadata and files as static files.\n\n",
		time.Now().UTC().Format("2006-01-02"), runtime.Version(), runtime.NumCPU(), cpuModel(), o.clients, o.warmup, o.duration)
	fmt.Fprintf(&b, "An update check is what the tool sends when there is nothing new: `GET /v1/metadata/2.root.json` (404) and `GET /v1/metadata/timestamp.json`. "+
		"A download is `GET /v1/blobs/{sha256}` of one of %d files of %d KiB, with its SHA-256 checked. "+
		"\"Keeping what they mark public\" is nginx with a cache in front of the replicas, as a CDN would be: the replicas let shared caches keep timestamp.json and \"no next root\" for `--metadata-ttl`, and nothing private (blobs, tokens).\n\n", o.blobs, o.blobSize>>10)
	b.WriteString("| scenario | served by | operations/s | p50 | p99 | max | errors | throughput vs nginx static |\n|---|---|---|---|---|---|---|---|\n")
	for _, rows := range results {
		ceiling := rows[len(rows)-1].res.Throughput
		for _, r := range rows {
			ratio := ""
			if r.who != staticWho && ceiling > 0 {
				ratio = fmt.Sprintf("%.2f", r.res.Throughput/ceiling)
			}
			fmt.Fprintf(&b, "| %s | %s | %.0f | %s | %s | %s | %d | %s |\n", r.res.Name, r.who, r.res.Throughput,
				ms(r.res.P50), ms(r.res.P99), ms(r.res.Max), r.res.Errors, ratio)
		}
	}
	if len(results) > 0 && len(results[0]) == 3 {
		fmt.Fprintf(&b, "\nGoals (issue 7), update checks at %d clients:\n\n| goal | replicas via nginx | the same, nginx keeping what they mark public |\n|---|---|---|\n", o.clients)
		ceiling := results[0][2].res.Throughput
		var ratio, p99, errs [2]string
		for i, r := range results[0][:2] {
			x := r.res.Throughput / ceiling
			ratio[i] = fmt.Sprintf("%.0f%%: %s", x*100, met(x >= goalCheckRatio))
			p99[i] = fmt.Sprintf("%s: %s", ms(r.res.P99), met(r.res.P99 < goalCheckP99))
			errs[i] = fmt.Sprintf("%d: %s", r.res.Errors, met(r.res.Errors == 0))
		}
		fmt.Fprintf(&b, "| at least %.0f%% of nginx's static throughput | %s | %s |\n", goalCheckRatio*100, ratio[0], ratio[1])
		fmt.Fprintf(&b, "| p99 under %v | %s | %s |\n", goalCheckP99, p99[0], p99[1])
		fmt.Fprintf(&b, "| zero errors | %s | %s |\n", errs[0], errs[1])
	}
	for _, rows := range results {
		for _, r := range rows {
			if len(r.res.FirstErrors) > 0 {
				fmt.Fprintf(&b, "\nFirst errors of %s, %s: %s\n", r.res.Name, r.who, strings.Join(r.res.FirstErrors, "; "))
			}
		}
	}
	b.WriteString("\nRerun with `make loadtest` (`go run ./tools/loadtest -h` lists the flags: clients, duration, file sizes).\n")
	return b.String()
}

func met(ok bool) string {
	if ok {
		return "met"
	}
	return "**missed**"
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond)) }

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "model name"); ok {
			return strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
		}
	}
	return runtime.GOARCH
}

// The load-test section of docs/benchmarks.md lies between these lines;
// make bench keeps it as it is.
const (
	beginMark = "<!-- make loadtest: begin -->"
	endMark   = "<!-- make loadtest: end -->"
)

// writeSection replaces the load-test section of the page, or appends it.
func writeSection(page, section string) error {
	b, err := os.ReadFile(page)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	s := string(b)
	block := beginMark + "\n" + section + endMark + "\n"
	if i, j := strings.Index(s, beginMark), strings.Index(s, endMark); i >= 0 && j > i {
		s = s[:i] + block + s[j+len(endMark)+1:]
	} else {
		s = strings.TrimRight(s, "\n") + "\n\n" + block
	}
	tmp := page + ".tmp"
	if err := os.WriteFile(tmp, []byte(s), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, page)
}
