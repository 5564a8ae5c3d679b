package server

import (
	"bytes"
	"testing"

	"inplace/internal/api"
)

func FuzzTokenRequest(f *testing.F) {
	f.Add([]byte(`{"username":"alice","password":"pw","product":"wso2am-4.2.0","channel":"full"}`))
	f.Add([]byte(`{"username":"alice"}`))
	f.Add([]byte(`null`))
	f.Add([]byte(`{"username":"a"} {}`))
	f.Add([]byte(`{"username":1}`))
	f.Add([]byte(`{"refresh_token":"r"}`))
	f.Add([]byte(`{"refresh_token":"r","username":"alice","password":"pw","product":"p","channel":"full"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var req api.TokenRequest
		if err := decodeJSON(bytes.NewReader(b), &req); err != nil {
			return
		}
		if checkTokenRequest(req) != nil {
			return
		}
		login := req.Username != "" && req.Password != "" && req.Product != "" && req.Channel != ""
		refresh := req.RefreshToken != "" && req.Username == "" && req.Password == "" && req.Product == "" && req.Channel == ""
		if login == refresh {
			t.Fatalf("accepted a request that is neither a whole login nor a bare refresh: %+v", req)
		}
	})
}

func FuzzPristineRequest(f *testing.F) {
	f.Add([]byte(`{"applied":[1,3],"paths":["a.txt","lib/x.jar"]}`))
	f.Add([]byte(`{"applied":[],"paths":["../etc/passwd"]}`))
	f.Add([]byte(`{"paths":["/abs","a//b","./c"]}`))
	f.Add([]byte(`{"applied":[1e99]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var req api.PristineRequest
		if err := decodeJSON(bytes.NewReader(b), &req); err != nil {
			return
		}
		paths, err := checkPristineRequest(req)
		if err != nil {
			return
		}
		if len(paths) != len(req.Paths) {
			t.Fatalf("%d paths cleaned from %d", len(paths), len(req.Paths))
		}
		for _, p := range paths {
			if c, err := api.CleanPath(p); err != nil || c != p {
				t.Fatalf("accepted path %q", p)
			}
		}
	})
}
