package api

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestParseReport(t *testing.T) {
	id := "0123456789abcdef0123456789abcdef"
	good := map[string]Report{
		`{"installation":"` + id + `","level":1700000100000,"result":"updated"}`: {id, 1700000100000, ReportUpdated},
		`{"installation":"` + id + `","result":"current"}`:                       {id, 0, ReportCurrent},
		`{"installation":"abcdefgh-1234567","level":0,"result":"failed"}` + "\n": {"abcdefgh-1234567", 0, ReportFailed},
		`{"installation":"` + strings.Repeat("a", 64) + `","result":"reverted"}`: {strings.Repeat("a", 64), 0, ReportReverted},
		`{"installation":"` + id + `","level":5,"result":"conflicts"}`:           {id, 5, ReportConflicts},
	}
	for in, want := range good {
		if got, err := ParseReport([]byte(in)); err != nil || got != want {
			t.Errorf("ParseReport(%s) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	bad := map[string]string{ // body -> what the error says
		``:                   "not a report",
		`null`:               "installation is missing",
		`[]`:                 "not a report",
		`{"installation":1}`: "not a report",
		`{"installation":"` + id + `","result":"updated","product":"x"}`:        `unknown field "product"`,
		`{"installation":"` + id + `","result":"updated"} {}`:                   "more than one JSON value",
		`{"installation":"` + id + `","result":"updated"`:                       "not a report",
		`{"result":"updated"}`:                                                  "installation is missing",
		`{"installation":"short","result":"updated"}`:                           "5 characters long",
		`{"installation":"` + strings.Repeat("a", 65) + `","result":"updated"}`: "65 characters long",
		`{"installation":"0123456789ABCDEF","result":"updated"}`:                "only a-z, 0-9 and -",
		`{"installation":"0123456789abcde/","result":"updated"}`:                "only a-z, 0-9 and -",
		`{"installation":"` + id + `","level":-1,"result":"updated"}`:           "negative",
		`{"installation":"` + id + `","level":1.5,"result":"updated"}`:          "not a report",
		`{"installation":"` + id + `"}`:                                         "result is missing",
		`{"installation":"` + id + `","result":"done"}`:                         `result "done" is not known`,
	}
	for in, want := range bad {
		got, err := ParseReport([]byte(in))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseReport(%s) = %+v, %v; want an error saying %q", in, got, err, want)
		}
	}
}

// FuzzParseReport: what ParseReport accepts is valid, survives a round trip
// through JSON unchanged, and holds an installation id made of a-z, 0-9
// and '-' only, so that it can go into a log line or a URL as it is.
func FuzzParseReport(f *testing.F) {
	for _, s := range []string{
		`{"installation":"0123456789abcdef","level":1700000100000,"result":"updated"}`,
		`{"installation":"0123456789abcdef","result":"current","extra":1}`,
		`{"installation":"0123456789ABCDEF","result":"failed"}`,
		`{"installation":"0123456789abcdef","level":-1,"result":"reverted"}`,
		`{"Installation":"0123456789abcdef","RESULT":"conflicts"}`,
		`{"installation":"0123456789abcdef","result":"updated"} {}`,
		`null`, `{}`, `[1]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseReport(b)
		if err != nil {
			if r != (Report{}) {
				t.Fatalf("ParseReport(%q) failed (%v) but returned %+v", b, err, r)
			}
			return
		}
		if err := r.Validate(); err != nil {
			t.Fatalf("ParseReport(%q) accepted %+v: %v", b, r, err)
		}
		if r.Level < 0 || !ValidResult(r.Result) || len(r.Installation) < MinInstallation || len(r.Installation) > MaxInstallation ||
			strings.Trim(r.Installation, "abcdefghijklmnopqrstuvwxyz0123456789-") != "" {
			t.Fatalf("ParseReport(%q) accepted %+v", b, r)
		}
		j, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		if again, err := ParseReport(j); err != nil || again != r {
			t.Fatalf("ParseReport(%s) = %+v, %v after ParseReport(%q) = %+v", j, again, err, b, r)
		}
	})
}
