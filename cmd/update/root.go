package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"inplace/internal/client"
	"inplace/internal/home"
	"inplace/internal/txn"
	"inplace/internal/updater"
)

// options are the tool's flags.
type options struct {
	timestamp      int64
	reexec         bool
	dryRun         bool
	details        bool
	cont           bool
	revert         bool
	hotfix         string
	username       string
	passwordStdin  bool
	channel        string
	server         string
	home           string
	nonInteractive bool
	json           bool
	version        bool
	timeout        time.Duration
	keepRuns       int
	caFile         string // --ca-file, or UPDATE_CA_FILE
	allowHTTP      bool   // --allow-http, or UPDATE_ALLOW_HTTP
	noReport       bool   // --no-report (also UPDATE_REPORT=false, report = false in updates/config)
	exportBundle   string // --export-bundle FILE
	from           int64  // --from LEVEL for --export-bundle; -1: this home's level
	bundle         string // --bundle FILE
	status         bool   // --status
	export         string // --export DIR, with --status
	applyOverlay   string // --apply-overlay DIR

	// The hooks (updates/hooks, see hooks.go).
	hookTimeout     time.Duration // --hook-timeout: the time limit of each hook
	revertOnFailure bool          // --revert-on-failure: revert when post-update fails
}

const examples = `  ./update_linux                      update to the newest level, asking for credentials the first time
  ./update_linux --dry-run            show what an update would do; change nothing
  ./update_linux -d                   list applied and available updates
  ./update_linux -t 1700000000000     update only up to that level
  ./update_linux --continue           after writing each F.final, finish an update stopped on conflicts
  ./update_linux --revert             undo the last update or overlay (again: the run before it)
  ./update_linux --hotfix HF-1234     apply the hotfix support published for your account (level unchanged)
  ./update_linux --revert --hotfix HF-1234   undo that hotfix alone, even after later updates
  ./update_linux --status             list what you changed: files modified, added, removed, settings
  ./update_linux --status --export ~/acme-custom
                                      write what you changed as an overlay folder
  ./update_linux --apply-overlay ~/acme-custom
                                      bring those changes into a fresh installation (same or later level)
  ./update_linux --ca-file ca.pem     trust the private certificate authority of your update server
  ./update_linux --no-report          update without telling the update server the result
  ./update_linux --export-bundle b.zip --from 1700000100000
                                      on a connected machine: write an offline bundle for an
                                      installation at that level (see --details on it)
  ./update_linux --bundle b.zip       on the machine without network: update from the bundle
                                      (with -d: list what it brings; with --dry-run: simulate)
  ./update_linux --revert-on-failure  update, and revert it if the health check (updates/hooks/post-update) fails
  UPDATE_USERNAME=u UPDATE_PASSWORD=p ./update_linux --non-interactive -c security --server https://updates.example.com

Exit codes:
  0  success
  1  error, a failed hook included (nothing was changed unless the message says otherwise)
  2  the tool updated itself: run it again
  3  merge conflicts to resolve (see --continue); --apply-overlay: conflicts, nothing was changed
  4  reverted

Conflicts: for a file F that you and the update both changed, F stays as you had it, F.old holds
the vendor's previous version and F.updated the new one. Write the result to F.final, then run
--continue; or run --revert to undo the whole update.

Hooks: updates/hooks/pre-update and updates/hooks/post-update, when present (executable; on
Windows pre-update.cmd, .bat, .exe or .ps1), run around each update (online or from a bundle),
--continue and hotfix that changes the product, in PRODUCT_HOME, with PRODUCT_HOME, UPDATE_PRODUCT,
UPDATE_ACTION (update, continue or hotfix), UPDATE_FROM_LEVEL, UPDATE_TO_LEVEL and UPDATE_CHANNEL set. pre-update runs just before
the first file changes: if it fails, nothing is changed. post-update runs once the new level is
in place, as a health check: if it fails, --revert-on-failure reverts the update, a terminal asks
"revert? [y/N]", otherwise the update stays; the exit code is 1 in each case. Neither runs on
--dry-run, --details, --revert, or when the product is up to date. --hook-timeout bounds each.

Overlays: --status --export DIR writes DIR/overlay.json (product, level, and each changed path with
its vendor's and your hashes), DIR/files/ (your version of each modified or added file) and
DIR/pristine/ (the vendor's version of each modified file). --apply-overlay DIR re-applies it to a
fresh installation of the same product, merging where the vendor changed the file since; it changes
nothing when a file conflicts (exit 3), and --revert undoes it. The level stays as it was.

Report: after an update, --continue or --revert the tool tells the update server this
installation's random id (kept in updates/installation-id), its update level and the result
(updated, current, conflicts, reverted or failed); the server knows the product, channel and
account from the session. Nothing else is sent, and a failed report never fails the run. To turn
it off: --no-report, UPDATE_REPORT=false, or a line "report = false" in updates/config.`

func newRootCommand(stdin *os.File, stdout, stderr io.Writer) *cobra.Command {
	var o options
	cmd := &cobra.Command{
		Use:   "update",
		Short: "Update this product in place, keeping your customisations",
		Long: "update fetches the updates your subscription receives from the vendor's update server and\n" +
			"applies them to this product (PRODUCT_HOME, the parent of the folder holding this tool),\n" +
			"merging them with your changes. Stop the product's server first.",
		Example:       examples,
		Args:          cobra.NoArgs,
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.version {
				fmt.Fprintf(stdout, "update %s\n", toolVersion())
				return nil
			}
			if o.export != "" && !o.status {
				return errors.New("--export goes with --status: --status --export DIR")
			}
			return runTool(cmd.Context(), &o, stdin, stdout, stderr)
		},
	}
	cmd.SetOut(stdout)
	cmd.SetErr(stderr)
	f := cmd.Flags()
	f.Int64VarP(&o.timestamp, "timestamp", "t", 0, "update only up to this update level (ms since the epoch); default the newest")
	f.BoolVar(&o.reexec, "reexec", false, "when the tool updates itself, go on with the new binary (exit code: the new run's) instead of exiting 2")
	f.BoolVar(&o.dryRun, "dry-run", false, "simulate: print what would be added, replaced, merged, kept, removed and what would conflict; change nothing")
	f.BoolVarP(&o.details, "details", "d", false, "show the applied and available updates (number, level, security flag, description, instructions, bug fixes, files) and hotfixes")
	f.BoolVar(&o.cont, "continue", false, "put each resolved F.final in place of F and finish the update stopped on conflicts")
	f.BoolVar(&o.revert, "revert", false, "undo the last run that changed the product; each further --revert goes one more back")
	f.StringVar(&o.hotfix, "hotfix", "", "apply the hotfix with this `ID`, published for your account by the vendor's support; with --revert, undo that hotfix alone")
	f.StringVarP(&o.username, "username", "u", "", "username of your subscription (or UPDATE_USERNAME)")
	f.BoolVar(&o.passwordStdin, "password-stdin", false, "read the password from standard input (or set UPDATE_PASSWORD)")
	f.StringVarP(&o.channel, "channel", "c", "", "channel: full or security (or UPDATE_CHANNEL); remembered")
	f.StringVar(&o.server, "server", "", "update server URL, https:// (http:// only to this machine, see --allow-http) (or UPDATE_SERVER); remembered")
	f.StringVar(&o.home, "home", "", "PRODUCT_HOME (default: the parent of the folder holding this tool)")
	f.BoolVar(&o.nonInteractive, "non-interactive", false, "never prompt; missing input is an error")
	f.BoolVar(&o.json, "json", false, "print the result as JSON on standard output")
	f.BoolVar(&o.version, "version", false, "print the tool's version")
	f.IntVar(&o.keepRuns, "keep-runs", -1, "keep backups for only the last N runs that --revert can undo (0: all); remembered")
	f.DurationVar(&o.timeout, "timeout", time.Hour, "give up a run that takes longer (downloads resume on the next run)")
	f.StringVar(&o.caFile, "ca-file", "", "also trust the certificate authority in this PEM `file` for the update server's certificate, besides the system's (or UPDATE_CA_FILE)")
	f.DurationVar(&o.hookTimeout, "hook-timeout", 10*time.Minute, "kill a pre-update or post-update hook (updates/hooks) that runs longer, with what it started; it counts as failed (0: no limit)")
	f.BoolVar(&o.revertOnFailure, "revert-on-failure", false, "when the post-update hook (updates/hooks/post-update, a health check) fails, revert the update as --revert would; exit 1")
	f.BoolVar(&o.noReport, "no-report", false, "do not tell the update server this installation's level and the run's result (or UPDATE_REPORT=false, or report = false in updates/config)")
	f.BoolVar(&o.allowHTTP, "allow-http", false, "allow a plain http:// server beyond this machine: anyone on the way could read your password and change downloads; only on a network you trust (or UPDATE_ALLOW_HTTP=1)")
	f.StringVar(&o.exportBundle, "export-bundle", "", "write an offline bundle to `file`: everything an installation at --from needs to reach the newest level of your channel (or -t), signed by the vendor; changes nothing here")
	f.Int64Var(&o.from, "from", -1, "with --export-bundle: the `level` of the installation the bundle is for (0: the base distribution; default this installation's level)")
	f.StringVar(&o.bundle, "bundle", "", "update from the offline bundle in `file` instead of the update server: the same checks, merges, conflicts and --revert")
	f.BoolVar(&o.status, "status", false, "list every file that differs from the vendor's files at this level (modified, added, removed) and the settings changed; change nothing")
	f.StringVar(&o.export, "export", "", "with --status: write the changes as an overlay into `DIR` (new or empty; see Overlays above)")
	f.StringVar(&o.applyOverlay, "apply-overlay", "", "re-apply the changes an overlay `DIR` holds (from --status --export) to this installation; --revert undoes it")
	cmd.MarkFlagsMutuallyExclusive("continue", "revert", "details", "dry-run", "export-bundle", "status")
	cmd.MarkFlagsMutuallyExclusive("continue", "revert", "export-bundle", "bundle", "apply-overlay", "status")
	cmd.MarkFlagsMutuallyExclusive("continue", "revert", "timestamp")
	cmd.MarkFlagsMutuallyExclusive("hotfix", "bundle", "export-bundle", "apply-overlay", "status")
	for _, pair := range [][2]string{{"hotfix", "continue"}, {"hotfix", "details"}, {"hotfix", "timestamp"},
		{"apply-overlay", "details"}, {"apply-overlay", "timestamp"}, {"status", "timestamp"}} {
		cmd.MarkFlagsMutuallyExclusive(pair[0], pair[1])
	}
	return cmd
}

// fromEnv fills the connection flags not given from the environment:
// UPDATE_CA_FILE and UPDATE_ALLOW_HTTP.
func (o *options) fromEnv() error {
	if o.caFile == "" {
		o.caFile = os.Getenv("UPDATE_CA_FILE")
	}
	if v := os.Getenv("UPDATE_ALLOW_HTTP"); v != "" && !o.allowHTTP {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("UPDATE_ALLOW_HTTP=%q: use 1 to allow plain http://, or 0", v)
		}
		o.allowHTTP = b
	}
	return nil
}

// clientOptions are the connection flags, for client.NewWith.
func (o *options) clientOptions() client.Options {
	return client.Options{CAFile: o.caFile, AllowHTTP: o.allowHTTP}
}

// homeDir finds PRODUCT_HOME: --home, or the parent of the binary's folder.
func homeDir(o *options) (string, error) {
	if o.home != "" {
		return o.home, nil
	}
	exe, err := os.Executable()
	if err != nil {
		return "", err
	}
	if real, err := filepath.EvalSymlinks(exe); err == nil {
		exe = real
	}
	return filepath.Dir(filepath.Dir(exe)), nil
}

func runTool(ctx context.Context, o *options, stdin *os.File, stdout, stderr io.Writer) error {
	if err := o.fromEnv(); err != nil {
		return err
	}
	if o.from != -1 && o.exportBundle == "" {
		return errors.New("--from goes with --export-bundle: it names the level of the installation the bundle is for")
	}
	if o.from < -1 {
		return fmt.Errorf("--from %d: give a level (0 for the base distribution)", o.from)
	}
	if o.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, o.timeout,
			fmt.Errorf("gave up after %v (--timeout): the update server or the network is too slow; run again to resume the downloads, or allow more time", o.timeout))
		defer cancel()
	}
	err := runHome(ctx, o, stdin, stdout, stderr)
	// A failed health check says itself whether the update stayed.
	if err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) && !isHealthError(err) {
		return context.Cause(ctx)
	}
	return err
}

func runHome(ctx context.Context, o *options, stdin *os.File, stdout, stderr io.Writer) error {
	dir, err := homeDir(o)
	if err != nil {
		return err
	}
	h, err := home.Open(dir)
	if err != nil {
		return err
	}
	product, err := h.Product()
	if err != nil {
		return err
	}
	lock, err := h.Lock()
	if err != nil {
		return err
	}
	defer lock.Unlock()
	if r, err := txn.Recover(h); err != nil {
		return err
	} else if r != nil {
		what := "finished"
		if r.RolledBack {
			what = "rolled back"
		}
		fmt.Fprintf(stderr, "update: found an interrupted %s (%s) and %s it\n", r.Action, r.Txn, what)
	}
	if !o.details && o.exportBundle == "" && !o.status {
		if pid, ok := h.ServerRunning(); ok {
			return fmt.Errorf("the product's server is running (pid %d in %s): stop it, then run the tool again", pid, h.Path(home.PidFile))
		}
	}
	st, err := h.LoadState()
	if err != nil {
		return err
	}
	if o.keepRuns >= 0 && o.keepRuns != st.Keep {
		st.Keep = o.keepRuns
		if err := h.SaveState(st); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "update: keeping backups for %s\n", keepString(st.Keep))
	}
	if err := updater.Prune(h); err != nil {
		return err
	}
	if st.Pending != nil && !o.cont && !o.revert && !o.details && o.exportBundle == "" {
		return updater.PendingError(st.Pending)
	}

	u := &updater.Updater{Home: h, Product: product, Channel: st.Channel, Out: stdout, Log: stderr}
	rp := &reporter{h: h, product: product, o: o, stderr: stderr}
	hk := &hookRunner{h: h, o: o, stdin: stdin, stderr: stderr}
	u.BeforeChange = hk.beforeChange
	isTTY := term.IsTerminal(int(os.Stderr.Fd()))
	u.NewProgress = func(total int64, n int) updater.Progress { return newProgress(stderr, isTTY, total, n) }
	u.NewHashProgress = func(total int64, n int) updater.Progress { return newHashProgress(stderr, isTTY, total, n) }
	print := func(rep interface{ WriteText(io.Writer) }, err error) error {
		if rep != nil && !isNil(rep) {
			if o.json {
				enc := json.NewEncoder(stdout)
				enc.SetIndent("", "  ")
				_ = enc.Encode(rep)
			} else {
				rep.WriteText(stdout)
			}
		}
		return err
	}
	// The report of the revert after a failed health check, in text only:
	// --json prints one document, the run's.
	printRevert := func(rep *updater.Report) {
		if !o.json {
			rep.WriteText(stdout)
		}
	}
	switch {
	case o.revert && o.hotfix == "":
		rep, err := u.Revert(ctx)
		err = print(rep, err)
		rp.send(ctx, nil, result(rep, err))
		return err
	case o.cont:
		rep, err := u.Continue(ctx)
		err = print(rep, err)
		if err == nil {
			err = hk.afterChange(ctx, u, rep, printRevert)
		}
		rp.send(ctx, nil, result(rep, err))
		return err
	case o.applyOverlay != "":
		// The overlay brings its own versions: no server is needed, and
		// the level does not change, so there is nothing to report.
		rep, err := u.ApplyOverlay(ctx, updater.ApplyOptions{Dir: o.applyOverlay, DryRun: o.dryRun})
		return print(rep, err)
	}

	if o.bundle != "" {
		// Offline: no server, no self-update, no report.
		src, b, upto, err := bundleSource(h, product, st, o, stderr)
		if err != nil {
			return err
		}
		defer b.Close()
		u.Src, u.Channel = src, b.Manifest.Channel
		if o.details {
			d, err := u.Details(ctx, upto)
			return print(d, err)
		}
		if st.Level >= upto {
			return print(&updater.Report{Action: "update", Product: product, Channel: u.Channel, From: st.Level, To: st.Level,
				Result: fmt.Sprintf("up to date with the bundle: %s is at level %s, and the bundle brings it up to %s",
					product, updater.LevelString(st.Level), updater.LevelString(upto))}, nil)
		}
		rep, err := u.Update(ctx, updater.UpdateOptions{Upto: upto, DryRun: o.dryRun})
		err = print(rep, err)
		if err == nil {
			err = hk.afterChange(ctx, u, rep, printRevert)
		}
		return err
	}

	sess, err := connect(ctx, h, product, st, o, stdin, stderr)
	if err != nil {
		return err
	}
	if o.exportBundle != "" {
		u.Channel = sess.channel
		rep, err := exportBundle(ctx, u, h, sess, o)
		return print(rep, sessionError(h, err))
	}
	// An update reports how it went once it reached the server.
	report := func(rep *updater.Report, err error) {
		if !o.details && !o.status && !o.dryRun && !errors.Is(err, client.ErrUnauthorized) {
			rp.send(ctx, sess.client, result(rep, err))
		}
	}
	src, err := trustedSource(ctx, h, sess)
	if err != nil {
		report(nil, err)
		return err
	}
	u.Src, u.Channel, u.Server = src, sess.channel, sess.client.URL()
	if o.details {
		d, err := u.Details(ctx, o.timestamp)
		return print(d, sessionError(h, err))
	}
	if o.status {
		s, err := u.Status(ctx, updater.StatusOptions{Export: o.export})
		return print(s, sessionError(h, err))
	}
	if o.hotfix != "" {
		var rep *updater.Report
		if o.revert {
			u.BeforeChange = nil // hooks run around updates, not reverts
			rep, err = u.RevertHotfix(ctx, o.hotfix)
		} else {
			rep, err = u.ApplyHotfix(ctx, o.hotfix, o.dryRun)
		}
		err = print(rep, err)
		if err == nil && !o.revert {
			err = hk.afterChange(ctx, u, rep, printRevert)
		}
		report(rep, err)
		return sessionError(h, err)
	}
	if !o.dryRun {
		exe, err := os.Executable()
		if err == nil {
			v, err := u.SelfUpdate(ctx, toolVersion(), exe)
			if err != nil {
				report(nil, err)
				return sessionError(h, err)
			}
			if v != "" && o.reexec {
				fmt.Fprintf(stderr, "update: the tool updated itself from %s to %s; going on with it (--reexec)\n", toolVersion(), v)
				return &reexecError{exe: exe}
			}
			if v != "" {
				fmt.Fprintf(stderr, "update: the tool updated itself from %s to %s; run it again to update the product\n", toolVersion(), v)
				return updater.ErrToolUpdated
			}
		}
	}
	rep, err := u.Update(ctx, updater.UpdateOptions{Upto: o.timestamp, DryRun: o.dryRun})
	err = print(rep, err)
	if err == nil {
		err = hk.afterChange(ctx, u, rep, printRevert)
	}
	report(rep, err)
	return sessionError(h, err)
}

func isNil(v any) bool {
	switch r := v.(type) {
	case *updater.Report:
		return r == nil
	case *updater.Details:
		return r == nil
	case *updater.ExportReport:
		return r == nil
	case *updater.Status:
		return r == nil
	}
	return v == nil
}

var errSessionExpired = errors.New("your session has expired or was revoked: run the tool again to log in")

// sessionError turns a refused token into advice, forgetting the session.
func sessionError(h *home.Home, err error) error {
	if err != nil && errors.Is(err, clientErrUnauthorized) {
		_ = h.ForgetSession()
		return fmt.Errorf("%w (%v)", errSessionExpired, err)
	}
	return err
}

func keepString(n int) string {
	if n == 0 {
		return "every run"
	}
	return fmt.Sprintf("the last %d run(s)", n)
}
