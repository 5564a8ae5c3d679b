//go:build !linux

package testenv

func startPostgres() (string, error) { return "", errUnsupported }
