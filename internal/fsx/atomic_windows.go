//go:build windows

package fsx

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"unsafe"

	"golang.org/x/sys/windows"
)

// WriteFile replaces name with data atomically: readers see the old bytes or
// the new ones, never a mix, and the new bytes are on disk when it returns.
// renameio does not support Windows, so this writes a temporary file beside
// name, flushes it and renames it over name (MoveFileEx with replace).
func WriteFile(name string, data []byte, perm os.FileMode) error {
	return writeFile(name, data, perm, false)
}

// WritePrivate is WriteFile for secrets: the file's access list names its
// owner only and inherits nothing from the folder, before its first byte
// is written.
func WritePrivate(name string, data []byte) error {
	return writeFile(name, data, 0o600, true)
}

func writeFile(name string, data []byte, perm os.FileMode, private bool) error {
	f, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if private {
		if err := ownerOnly(tmp); err != nil {
			f.Close()
			return err
		}
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if !private {
		if err := os.Chmod(tmp, perm); err != nil {
			return err
		}
	}
	return os.Rename(tmp, name)
}

func privateDir(dir string) error {
	return setOwnerOnly(dir, windows.SUB_CONTAINERS_AND_OBJECTS_INHERIT)
}

// ownerOnly gives name a protected access list with one entry: full
// control for the user this process runs as.
func ownerOnly(name string) error { return setOwnerOnly(name, windows.NO_INHERITANCE) }

func setOwnerOnly(name string, inherit uint32) error {
	u, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		return err
	}
	acl, err := windows.ACLFromEntries([]windows.EXPLICIT_ACCESS{{
		AccessPermissions: windows.GENERIC_ALL,
		AccessMode:        windows.GRANT_ACCESS,
		Inheritance:       inherit,
		Trustee: windows.TRUSTEE{
			TrusteeForm:  windows.TRUSTEE_IS_SID,
			TrusteeType:  windows.TRUSTEE_IS_USER,
			TrusteeValue: windows.TrusteeValueFromSID(u.User.Sid),
		},
	}}, nil)
	if err != nil {
		return err
	}
	return windows.SetNamedSecurityInfo(name, windows.SE_FILE_OBJECT,
		windows.DACL_SECURITY_INFORMATION|windows.PROTECTED_DACL_SECURITY_INFORMATION, nil, nil, acl, nil)
}

// Private returns why name's access list lets in anyone but the user this
// process runs as, or nil.
func Private(name string) error {
	sd, err := windows.GetNamedSecurityInfo(name, windows.SE_FILE_OBJECT, windows.DACL_SECURITY_INFORMATION)
	if err != nil {
		return err
	}
	control, _, err := sd.Control()
	if err != nil {
		return err
	}
	if control&windows.SE_DACL_PROTECTED == 0 {
		return errors.New("its access list inherits entries from the folder")
	}
	acl, _, err := sd.DACL()
	if err != nil {
		return err
	}
	if acl == nil {
		return errors.New("it has no access list: everyone may use it")
	}
	u, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		return err
	}
	for i := range uint32(acl.AceCount) {
		var ace *windows.ACCESS_ALLOWED_ACE
		if err := windows.GetAce(acl, i, &ace); err != nil {
			return err
		}
		sid := (*windows.SID)(unsafe.Pointer(&ace.SidStart))
		if ace.Header.AceType == windows.ACCESS_ALLOWED_ACE_TYPE && !sid.Equals(u.User.Sid) {
			return fmt.Errorf("its access list lets %s in", sid)
		}
	}
	return nil
}

// Folders cannot be synced on Windows; NTFS journals the rename itself.
func isUnsupported(err error) bool { return true }
