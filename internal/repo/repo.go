// Package repo keeps the service's TUF repository: root, targets, snapshot
// and timestamp metadata, signed, versioned and expiring, stored in the
// store file by file under the names clients fetch (N.root.json,
// N.targets.json, N.snapshot.json and timestamp.json: consistent
// snapshots).
//
// The targets are whatever the caller says the service publishes (Sync);
// repo only signs. Root and targets keys sign rarely and can live offline;
// snapshot and timestamp keys are online, used by publishing and by the
// server's schedule that re-signs metadata before it expires (Refresh).
package repo

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"inplace/internal/store"
)

// Roles of the repository.
const (
	RoleRoot      = metadata.ROOT
	RoleTargets   = metadata.TARGETS
	RoleSnapshot  = metadata.SNAPSHOT
	RoleTimestamp = metadata.TIMESTAMP
)

// Expiry is how long each role's metadata stays valid once signed.
type Expiry struct {
	Root, Targets, Snapshot, Timestamp time.Duration
}

// DefaultExpiry: the offline roles for a year, snapshot for a week,
// timestamp for a day (the server re-signs both long before).
var DefaultExpiry = Expiry{Root: 365 * 24 * time.Hour, Targets: 365 * 24 * time.Hour, Snapshot: 7 * 24 * time.Hour, Timestamp: 24 * time.Hour}

// Target is one file the service publishes, as clients verify it.
type Target struct {
	SHA256 string
	Length int64
	Custom json.RawMessage // nil: none
}

// Repo is the repository kept in a store.
type Repo struct {
	Store  store.Store
	Now    func() time.Time // nil: time.Now
	Expiry Expiry           // zero fields: DefaultExpiry's
}

func (r *Repo) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

func (r *Repo) expires(role string) time.Time {
	d := r.Expiry.of(role)
	if d == 0 {
		d = DefaultExpiry.of(role)
	}
	return r.now().UTC().Add(d).Truncate(time.Second)
}

// of returns the validity of role's metadata.
func (e Expiry) of(role string) time.Duration {
	switch role {
	case RoleRoot:
		return e.Root
	case RoleTargets:
		return e.Targets
	case RoleSnapshot:
		return e.Snapshot
	}
	return e.Timestamp
}

// ErrNotInitialised: the store holds no repository yet.
var ErrNotInitialised = errors.New("the service has no signed metadata yet: run update-server init")

// Init creates version 1 of every role: root signed by rootKeys (at least
// threshold of them, all able to sign), and the public keys of the other
// roles. It fails when the store already holds a repository.
func (r *Repo) Init(ctx context.Context, rootKeys []*Key, threshold int, targets, snapshot, timestamp *Key) error {
	if threshold < 1 || threshold > len(rootKeys) {
		return fmt.Errorf("a root threshold of %d needs between 1 and %d root keys", threshold, len(rootKeys))
	}
	root := metadata.Root(r.expires(RoleRoot))
	for _, k := range rootKeys {
		if err := root.Signed.AddKey(k.Public, RoleRoot); err != nil {
			return err
		}
	}
	root.Signed.Roles[RoleRoot].Threshold = threshold
	for role, k := range map[string]*Key{RoleTargets: targets, RoleSnapshot: snapshot, RoleTimestamp: timestamp} {
		if err := root.Signed.AddKey(k.Public, role); err != nil {
			return err
		}
	}
	rootBytes, err := sign(root, &root.Signed, RoleRoot, rootKeys...)
	if err != nil {
		return err
	}
	tg := metadata.Targets(r.expires(RoleTargets))
	tgBytes, err := sign(tg, &root.Signed, RoleTargets, targets)
	if err != nil {
		return err
	}
	cur := &current{root: root}
	files := map[string][]byte{"1.root.json": rootBytes, "1.targets.json": tgBytes}
	if err := r.next(cur, tg, tgBytes, snapshot, timestamp, files); err != nil {
		return err
	}
	err = r.Store.PutMetadata(ctx, nil, files)
	if errors.Is(err, store.ErrChanged) || errors.Is(err, store.ErrExists) {
		return errors.New("the service already has signed metadata: keys are rotated with update-server keys, never re-initialised")
	}
	return err
}

// current is the repository as last stored.
type current struct {
	prev      []byte // timestamp.json as stored
	root      *metadata.Metadata[metadata.RootType]
	rootBytes []byte
	timestamp *metadata.Metadata[metadata.TimestampType]
	snapshot  *metadata.Metadata[metadata.SnapshotType]
	targets   *metadata.Metadata[metadata.TargetsType]
}

func (r *Repo) load(ctx context.Context) (*current, error) {
	cur := &current{}
	var err error
	cur.prev, err = r.Store.Metadata(ctx, store.TimestampFile)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNotInitialised
	}
	if err != nil {
		return nil, err
	}
	for v := 1; ; v++ {
		b, err := r.Store.Metadata(ctx, strconv.Itoa(v)+".root.json")
		if errors.Is(err, store.ErrNotFound) && v > 1 {
			break
		}
		if err != nil {
			return nil, err
		}
		cur.rootBytes = b
	}
	if cur.root, err = metadata.Root().FromBytes(cur.rootBytes); err != nil {
		return nil, err
	}
	if cur.timestamp, err = metadata.Timestamp().FromBytes(cur.prev); err != nil {
		return nil, err
	}
	sv := cur.timestamp.Signed.Meta["snapshot.json"].Version
	b, err := r.Store.Metadata(ctx, fmt.Sprintf("%d.snapshot.json", sv))
	if err != nil {
		return nil, err
	}
	if cur.snapshot, err = metadata.Snapshot().FromBytes(b); err != nil {
		return nil, err
	}
	tv := cur.snapshot.Signed.Meta["targets.json"].Version
	if b, err = r.Store.Metadata(ctx, fmt.Sprintf("%d.targets.json", tv)); err != nil {
		return nil, err
	}
	if cur.targets, err = metadata.Targets().FromBytes(b); err != nil {
		return nil, err
	}
	return cur, nil
}

// change loads the repository, lets fn add the files of one change, and
// stores them, again from the start when another writer got there first.
func (r *Repo) change(ctx context.Context, fn func(cur *current, files map[string][]byte) error) error {
	for range 10 {
		cur, err := r.load(ctx)
		if err != nil {
			return err
		}
		files := map[string][]byte{}
		if err := fn(cur, files); err != nil {
			return err
		}
		if len(files) == 0 {
			return nil
		}
		err = r.Store.PutMetadata(ctx, cur.prev, files)
		if !errors.Is(err, store.ErrChanged) {
			return err
		}
	}
	return errors.New("the signed metadata keeps changing under this writer: another publisher is busy; try again")
}

// next adds to files a new snapshot naming targets (whose signed bytes
// are tgBytes) and a new timestamp naming that snapshot.
func (r *Repo) next(cur *current, tg *metadata.Metadata[metadata.TargetsType], tgBytes []byte, snapshotKey, timestampKey *Key, files map[string][]byte) error {
	sn := metadata.Snapshot(r.expires(RoleSnapshot))
	if cur.snapshot != nil {
		sn.Signed.Version = cur.snapshot.Signed.Version + 1
	}
	sn.Signed.Meta["targets.json"] = metaFile(tg.Signed.Version, tgBytes)
	snBytes, err := sign(sn, &cur.root.Signed, RoleSnapshot, snapshotKey)
	if err != nil {
		return err
	}
	files[fmt.Sprintf("%d.snapshot.json", sn.Signed.Version)] = snBytes
	ts := metadata.Timestamp(r.expires(RoleTimestamp))
	if cur.timestamp != nil {
		ts.Signed.Version = cur.timestamp.Signed.Version + 1
	}
	ts.Signed.Meta["snapshot.json"] = metaFile(sn.Signed.Version, snBytes)
	tsBytes, err := sign(ts, &cur.root.Signed, RoleTimestamp, timestampKey)
	if err != nil {
		return err
	}
	files[store.TimestampFile] = tsBytes
	return nil
}

func metaFile(version int64, b []byte) *metadata.MetaFiles {
	m := metadata.MetaFile(version)
	sum := sha256.Sum256(b)
	m.Length = int64(len(b))
	m.Hashes = metadata.Hashes{"sha256": sum[:]}
	return m
}

// sign signs m afresh with keys, each of which must be one of role's keys
// in root, and returns the bytes to store.
func sign[T metadata.Roles](m *metadata.Metadata[T], root *metadata.RootType, role string, keys ...*Key) ([]byte, error) {
	m.ClearSignatures()
	for _, k := range keys {
		if k == nil || !k.CanSign() {
			return nil, fmt.Errorf("sign %s: %w", role, errNoSigner)
		}
		if !slices.Contains(root.Roles[role].KeyIDs, k.ID) {
			return nil, fmt.Errorf("sign %s: key %s is not a %s key of root version %d", role, short(k.ID), role, root.Version)
		}
		if _, err := m.Sign(k.signer); err != nil {
			return nil, err
		}
	}
	return m.ToBytes(false)
}

func short(id string) string { return id[:min(len(id), 12)] }

// Sync makes the signed targets exactly want (path -> file). When they
// already are, it changes nothing and returns false.
func (r *Repo) Sync(ctx context.Context, want map[string]Target, targetsKey, snapshotKey, timestampKey *Key) (bool, error) {
	changed := false
	err := r.change(ctx, func(cur *current, files map[string][]byte) error {
		next := make(map[string]*metadata.TargetFiles, len(want))
		for p, t := range want {
			sum, err := hex.DecodeString(t.SHA256)
			if err != nil || len(sum) != sha256.Size {
				return fmt.Errorf("target %s: bad SHA-256 %q", p, t.SHA256)
			}
			tf := metadata.TargetFile()
			tf.Path, tf.Length, tf.Hashes = p, t.Length, metadata.Hashes{"sha256": sum}
			if t.Custom != nil {
				c := json.RawMessage(bytes.Clone(t.Custom))
				tf.Custom = &c
			}
			next[p] = tf
		}
		changed = !sameTargets(cur.targets.Signed.Targets, next)
		if !changed {
			return nil
		}
		tg := metadata.Targets(r.expires(RoleTargets))
		tg.Signed.Version = cur.targets.Signed.Version + 1
		tg.Signed.Targets = next
		tgBytes, err := sign(tg, &cur.root.Signed, RoleTargets, targetsKey)
		if err != nil {
			return err
		}
		files[fmt.Sprintf("%d.targets.json", tg.Signed.Version)] = tgBytes
		return r.next(cur, tg, tgBytes, snapshotKey, timestampKey, files)
	})
	return changed, err
}

func sameTargets(a, b map[string]*metadata.TargetFiles) bool {
	return maps.EqualFunc(a, b, func(x, y *metadata.TargetFiles) bool {
		if !x.Equal(*y) {
			return false
		}
		var cx, cy []byte
		if x.Custom != nil {
			cx = *x.Custom
		}
		if y.Custom != nil {
			cy = *y.Custom
		}
		return bytes.Equal(cx, cy)
	})
}

// Refresh re-signs what would expire within half its validity: the
// snapshot (and so the timestamp) or the timestamp alone. It returns
// whether it signed anything.
func (r *Repo) Refresh(ctx context.Context, snapshotKey, timestampKey *Key) (bool, error) {
	signed := false
	err := r.change(ctx, func(cur *current, files map[string][]byte) error {
		now := r.now()
		// Re-sign when half the validity is gone, and when the metadata
		// outlives what this signer gives (a publish signed it for
		// longer): the server's expiry setting governs.
		half := func(role string, expires time.Time) bool {
			valid := r.expires(role).Sub(now)
			return expires.Sub(now) < valid/2 || expires.Sub(now) > valid+time.Minute
		}
		tgBytes, err := cur.targets.ToBytes(false)
		if err != nil {
			return err
		}
		switch {
		case half(RoleSnapshot, cur.snapshot.Signed.Expires):
			signed = true
			return r.next(cur, cur.targets, tgBytes, snapshotKey, timestampKey, files)
		case half(RoleTimestamp, cur.timestamp.Signed.Expires):
			signed = true
			ts := metadata.Timestamp(r.expires(RoleTimestamp))
			ts.Signed.Version = cur.timestamp.Signed.Version + 1
			ts.Signed.Meta = cur.timestamp.Signed.Meta
			b, err := sign(ts, &cur.root.Signed, RoleTimestamp, timestampKey)
			if err != nil {
				return err
			}
			files[store.TimestampFile] = b
		}
		return nil
	})
	return signed, err
}

// Targets returns the files the current targets metadata signs, by path.
func (r *Repo) Targets(ctx context.Context) (map[string]*metadata.TargetFiles, error) {
	cur, err := r.load(ctx)
	if err != nil {
		return nil, err
	}
	return cur.targets.Signed.Targets, nil
}

// Root returns the newest root metadata: what a vendor ships in
// PRODUCT_HOME/updates/root.json to be trusted.
func (r *Repo) Root(ctx context.Context) ([]byte, error) {
	cur, err := r.load(ctx)
	if err != nil {
		return nil, err
	}
	return cur.rootBytes, nil
}

// RotateRoot signs a new version of root in which role is held by keys
// (public halves suffice) with threshold. The new root must carry the
// signatures of a threshold of the current root keys and, when role is
// root, of a threshold of the new ones: signers must include both. When an
// online role's keys change, the snapshot and timestamp are signed afresh
// by the keys given (nil: unchanged roles' keys cannot sign here, so pass
// the new online keys when rotating them).
func (r *Repo) RotateRoot(ctx context.Context, role string, keys []*Key, threshold int, signers []*Key, snapshotKey, timestampKey *Key) (int64, error) {
	if _, ok := map[string]bool{RoleRoot: true, RoleTargets: true, RoleSnapshot: true, RoleTimestamp: true}[role]; !ok {
		return 0, fmt.Errorf("no role %q: rotate root, targets, snapshot or timestamp", role)
	}
	if threshold < 1 || threshold > len(keys) {
		return 0, fmt.Errorf("a threshold of %d needs between 1 and %d keys", threshold, len(keys))
	}
	var version int64
	err := r.change(ctx, func(cur *current, files map[string][]byte) error {
		old := cur.root
		next := metadata.Root(r.expires(RoleRoot))
		next.Signed.Version = old.Signed.Version + 1
		next.Signed.Keys = maps.Clone(old.Signed.Keys)
		next.Signed.Roles = map[string]*metadata.Role{}
		for name, rl := range old.Signed.Roles {
			next.Signed.Roles[name] = &metadata.Role{KeyIDs: slices.Clone(rl.KeyIDs), Threshold: rl.Threshold}
		}
		for _, id := range next.Signed.Roles[role].KeyIDs {
			if err := next.Signed.RevokeKey(id, role); err != nil {
				return err
			}
		}
		for _, k := range keys {
			if err := next.Signed.AddKey(k.Public, role); err != nil {
				return err
			}
		}
		next.Signed.Roles[role].Threshold = threshold
		next.ClearSignatures()
		for _, k := range signers {
			if !k.CanSign() {
				return fmt.Errorf("sign root: %w", errNoSigner)
			}
			if _, err := next.Sign(k.signer); err != nil {
				return err
			}
		}
		if err := old.VerifyDelegate(RoleRoot, next); err != nil {
			return fmt.Errorf("root version %d needs %d signature(s) of the keys of root version %d: %w",
				next.Signed.Version, old.Signed.Roles[RoleRoot].Threshold, old.Signed.Version, err)
		}
		if err := next.VerifyDelegate(RoleRoot, next); err != nil {
			return fmt.Errorf("root version %d needs %d signature(s) of its own root keys: %w",
				next.Signed.Version, next.Signed.Roles[RoleRoot].Threshold, err)
		}
		b, err := next.ToBytes(false)
		if err != nil {
			return err
		}
		files[fmt.Sprintf("%d.root.json", next.Signed.Version)] = b
		version = next.Signed.Version
		// Sign the online roles afresh under the new root, so clients
		// that trust it find metadata its keys signed.
		cur.root = next
		tg := cur.targets
		tgBytes, err := tg.ToBytes(false)
		if err != nil {
			return err
		}
		if role == RoleTargets {
			// The targets must carry the new keys' signatures.
			tg = metadata.Targets(r.expires(RoleTargets))
			tg.Signed.Version = cur.targets.Signed.Version + 1
			tg.Signed.Targets = cur.targets.Signed.Targets
			if tgBytes, err = sign(tg, &next.Signed, RoleTargets, keys[:threshold]...); err != nil {
				return fmt.Errorf("rotating the targets keys re-signs the targets: give the new private keys: %w", err)
			}
			files[fmt.Sprintf("%d.targets.json", tg.Signed.Version)] = tgBytes
		}
		return r.next(cur, tg, tgBytes, snapshotKey, timestampKey, files)
	})
	return version, err
}
