package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"inplace/internal/api"
)

// decodeJSON decodes exactly one JSON value from body into v. Unknown fields
// are ignored so that newer clients can send more.
func decodeJSON(body io.Reader, v any) error {
	dec := json.NewDecoder(body)
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("more than one JSON value")
	}
	return nil
}

// readBody decodes the JSON body of r into v, reading at most limit bytes.
// It returns the status to answer with on error.
func readBody(w http.ResponseWriter, r *http.Request, limit int64, v any) (int, error) {
	err := decodeJSON(http.MaxBytesReader(w, r.Body, limit), v)
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return http.StatusRequestEntityTooLarge, fmt.Errorf("the request body is larger than %d bytes", limit)
	}
	if err != nil {
		return http.StatusBadRequest, fmt.Errorf("the request body is not valid JSON for this endpoint: %v", err)
	}
	return 0, nil
}

// checkTokenRequest refuses a token request with a missing field, or a
// refresh that carries more than its refresh token.
func checkTokenRequest(req api.TokenRequest) error {
	if req.RefreshToken != "" {
		if req.Username != "" || req.Password != "" || req.Product != "" || req.Channel != "" {
			return errors.New("a refresh request carries refresh_token alone: the product and channel stay those of the login")
		}
		return nil
	}
	var missing []string
	for _, f := range []struct{ name, value string }{
		{"username", req.Username}, {"password", req.Password},
		{"product", req.Product}, {"channel", req.Channel},
	} {
		if f.value == "" {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("missing %v in the request", missing)
	}
	return nil
}

func parseTokenRequest(w http.ResponseWriter, r *http.Request) (api.TokenRequest, int, error) {
	var req api.TokenRequest
	if status, err := readBody(w, r, maxTokenBody, &req); err != nil {
		return req, status, err
	}
	if err := checkTokenRequest(req); err != nil {
		return req, http.StatusBadRequest, err
	}
	return req, 0, nil
}

// checkPristineRequest validates a pristine request and returns the cleaned
// form of each path, in order.
func checkPristineRequest(req api.PristineRequest) ([]string, error) {
	if len(req.Paths) > api.MaxPaths {
		return nil, fmt.Errorf("too many paths: %d, at most %d per request", len(req.Paths), api.MaxPaths)
	}
	clean := make([]string, len(req.Paths))
	for i, p := range req.Paths {
		c, err := api.CleanPath(p)
		if err != nil {
			return nil, err
		}
		clean[i] = c
	}
	return clean, nil
}
