package repo

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/sigstore/sigstore/pkg/signature"
	"github.com/theupdateframework/go-tuf/v2/metadata"

	"inplace/internal/fsx"
)

// Key is a signing key: its TUF public key and, when the private half was
// loaded, a signer.
type Key struct {
	ID     string
	Public *metadata.Key
	signer signature.Signer // nil for a public key only
}

// CanSign reports whether the private half is loaded.
func (k *Key) CanSign() bool { return k.signer != nil }

// GenerateKey writes a new Ed25519 key pair: the private key to name (owner
// only) and the public key to name's ".pub" sibling. It refuses to replace
// an existing key.
func GenerateKey(name string) (*Key, error) {
	pub := PublicFile(name)
	for _, f := range []string{name, pub} {
		if fsx.Exists(f) {
			return nil, fmt.Errorf("%s exists: keys are never replaced; choose another name", f)
		}
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, err
	}
	pder, err := x509.MarshalPKIXPublicKey(priv.Public())
	if err != nil {
		return nil, err
	}
	if err := fsx.WritePrivate(name, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})); err != nil {
		return nil, err
	}
	if err := fsx.WriteFile(pub, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pder}), 0o644); err != nil {
		return nil, err
	}
	return newKey(priv)
}

// PublicFile is where GenerateKey puts the public half of the key at name.
func PublicFile(name string) string { return strings.TrimSuffix(name, ".key") + ".pub" }

// LoadKey reads a key file: a private key (PKCS#8 PEM, as GenerateKey
// writes) gives a key that can sign; a public key (PKIX PEM) one that
// cannot.
func LoadKey(name string) (*Key, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("read key: %w", err)
	}
	block, _ := pem.Decode(b)
	if block == nil {
		return nil, fmt.Errorf("%s is not a PEM key file", name)
	}
	switch block.Type {
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		priv, ok := k.(ed25519.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("%s: not an Ed25519 key", name)
		}
		return newKey(priv)
	case "PUBLIC KEY":
		k, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		pub, ok := k.(ed25519.PublicKey)
		if !ok {
			return nil, fmt.Errorf("%s: not an Ed25519 key", name)
		}
		return publicKey(pub)
	}
	return nil, fmt.Errorf("%s holds a %q, not a key", name, block.Type)
}

func newKey(priv ed25519.PrivateKey) (*Key, error) {
	k, err := publicKey(priv.Public())
	if err != nil {
		return nil, err
	}
	k.signer, err = signature.LoadSigner(priv, crypto.Hash(0))
	return k, err
}

func publicKey(pub crypto.PublicKey) (*Key, error) {
	tk, err := metadata.KeyFromPublicKey(pub)
	if err != nil {
		return nil, err
	}
	id, err := tk.ID()
	if err != nil {
		return nil, err
	}
	return &Key{ID: id, Public: tk}, nil
}

// errNoSigner is returned when a key that must sign holds no private half.
var errNoSigner = errors.New("this key file holds only the public key; give the private key")

// SignWith adds k's signature to m: for signing a staged root with keys
// held by different people, one at a time, and for tests that play a
// thief holding a key.
func SignWith[T metadata.Roles](m *metadata.Metadata[T], k *Key) error {
	if !k.CanSign() {
		return errNoSigner
	}
	_, err := m.Sign(k.signer)
	return err
}
