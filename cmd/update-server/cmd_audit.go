package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/user"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"

	"github.com/spf13/cobra"

	"inplace/internal/store"
)

// auditActions are the actions the audit log records, for --action.
var auditActions = []string{
	store.AuditLogin, store.AuditRefresh, store.AuditWebLogin, store.AuditDownload,
	store.AuditProductAdd, store.AuditUpdatePublish, store.AuditUserAdd, store.AuditToolPublish, store.AuditHotfixPublish,
}

func newAuditCommand(g *globalOptions) *cobra.Command {
	cmd := groupCommand("audit", "Read the audit log")
	cmd.AddCommand(newAuditListCommand(g))
	return cmd
}

type auditListOptions struct {
	Since  string
	User   string
	Action string
	Limit  int
	JSON   bool
}

func newAuditListCommand(g *globalOptions) *cobra.Command {
	var opts auditListOptions
	cmd := &cobra.Command{
		Use:   "list [--since DURATION|TIME] [--user U] [--action A] [--limit N] [--json]",
		Short: "List the events of the audit log, newest last",
		Long: `List the events of the audit log, newest last: logins of the tool and of
the web catalog and refreshes (success and failure, with the username and
the client's address), downloads (who,
which product, which blob, how many bytes) and admin actions (product add,
update publish, user add, tool publish, with the operating-system user and
the host that ran them). Passwords and tokens are never recorded.

--since takes a duration back from now (90m, 24h, 720h) or a time
(2024-05-01 or 2024-05-01T12:00:00Z). --user and --action select exact
values; the actions are ` + strings.Join(auditActions, ", ") + `.
--limit keeps the newest N events. --json prints a JSON array.`,
		Example: `  update-server audit list --since 24h
  update-server audit list --user alice --action login
  update-server audit list --action download --since 2024-05-01 --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runAuditList(cmd.Context(), g, opts, args)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Since, "since", "", "only events since this `duration` back from now, or this time")
	f.StringVar(&opts.User, "user", "", "only events of this `username`")
	f.StringVar(&opts.Action, "action", "", "only events of this `action`")
	f.IntVar(&opts.Limit, "limit", 0, "only the newest `N` events")
	f.BoolVar(&opts.JSON, "json", false, "print JSON")
	return cmd
}

// parseSince reads --since: a duration back from now, or a time.
func parseSince(v string, now time.Time) (time.Time, error) {
	if d, err := time.ParseDuration(v); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, v, time.UTC); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("--since %q: give a duration back from now (24h, 90m) or a time (2024-05-01, 2024-05-01T12:00:00Z)", v)
}

// auditJSON is an event as audit list --json prints it.
type auditJSON struct {
	ID       int64     `json:"id"`
	Time     time.Time `json:"time"`
	Action   string    `json:"action"`
	OK       bool      `json:"ok"`
	Username string    `json:"username"`
	Address  string    `json:"address"`
	Product  string    `json:"product,omitempty"`
	Detail   string    `json:"detail,omitempty"`
	Bytes    int64     `json:"bytes,omitempty"`
}

func runAuditList(ctx context.Context, g *globalOptions, opts auditListOptions, args []string) error {
	f := store.AuditFilter{Username: opts.User, Action: opts.Action, Limit: opts.Limit}
	if opts.Since != "" {
		since, err := parseSince(opts.Since, time.Now())
		if err != nil {
			return err
		}
		f.Since = since
	}
	if opts.Action != "" && !contains(auditActions, opts.Action) {
		return fmt.Errorf("--action %q: the audit log records %s", opts.Action, strings.Join(auditActions, ", "))
	}
	if opts.Limit < 0 {
		return fmt.Errorf("--limit %d: give a positive number of events", opts.Limit)
	}
	d, err := openData(ctx, g)
	if err != nil {
		return err
	}
	defer d.Close()
	events, err := d.store.Audit(ctx, f)
	if err != nil {
		return err
	}
	if opts.JSON {
		out := make([]auditJSON, len(events))
		for i, e := range events {
			out[i] = auditJSON(e)
		}
		enc := json.NewEncoder(g.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME\tACTION\tRESULT\tUSER\tADDRESS\tPRODUCT\tBYTES\tDETAIL")
	for _, e := range events {
		result, bytes := "failed", "-"
		if e.OK {
			result = "ok"
		}
		if e.Action == store.AuditDownload {
			bytes = strconv.FormatInt(e.Bytes, 10)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", e.Time.Format("2006-01-02T15:04:05.000Z07:00"),
			e.Action, result, field(e.Username), field(e.Address), field(e.Product), bytes, printable(e.Detail))
	}
	return tw.Flush()
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// field shows a value in a column: "-" when empty, quoted when it holds
// spaces or characters that could pass for other output (a failed login
// records the username as typed).
func field(s string) string {
	if s == "" {
		return "-"
	}
	for _, r := range s {
		if !unicode.IsGraphic(r) || unicode.IsSpace(r) {
			return strconv.Quote(s)
		}
	}
	return s
}

// printable shows the last column: as is unless it holds characters that
// are not printable.
func printable(s string) string {
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return strconv.Quote(s)
		}
	}
	return s
}

// recordAdmin records an admin action that is done in the audit log, with
// the operating-system user and the host that ran it. An action the log
// cannot record fails the command: none goes unrecorded unnoticed.
func (d *data) recordAdmin(ctx context.Context, action, product, detail string) error {
	host, _ := os.Hostname()
	e := store.AuditEvent{Time: time.Now().UTC(), Action: action, OK: true, Username: osUser(),
		Address: host, Product: product, Detail: detail}
	if err := d.store.AddAudit(ctx, e); err != nil {
		return fmt.Errorf("%s is done (%s), but the audit log could not record it: %w; "+
			"check the database, and note the action in your own records", action, detail, err)
	}
	return nil
}

// osUser names the operating-system user running the command, and the one
// who ran sudo.
func osUser() string {
	name := os.Getenv("USER")
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	if name == "" {
		name = os.Getenv("USERNAME") // Windows
	}
	if sudo := os.Getenv("SUDO_USER"); sudo != "" && sudo != name {
		name += " (sudo by " + sudo + ")"
	}
	return name
}
