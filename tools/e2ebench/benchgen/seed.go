package benchgen

import (
	"encoding/binary"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"strconv"
)

// hashSeed derives a seed from the product's seed and some strings, so that
// each file, and each entry of each archive, has content of its own that
// does not depend on the order of generation.
func hashSeed(seed int64, parts ...string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(strconv.FormatInt(seed, 10)))
	for _, p := range parts {
		h.Write([]byte{0})
		h.Write([]byte(p))
	}
	return mix(h.Sum64())
}

// mix is the splitmix64 finalizer: it spreads close seeds apart.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// newRand returns a PCG generator. PCG and ChaCha8 are specified
// algorithms, so a seed gives the same product with every Go release.
func newRand(seed uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, mix(seed+0x9e3779b97f4a7c15)))
}

// newBytes returns a fast source of random bytes.
func newBytes(seed uint64) *rand.ChaCha8 {
	return rand.NewChaCha8(chachaKey(seed))
}

func chachaKey(seed uint64) [32]byte {
	var key [32]byte
	for i := range 4 {
		seed = mix(seed + 0x9e3779b97f4a7c15)
		binary.LittleEndian.PutUint64(key[i*8:], seed)
	}
	return key
}

// logUniform returns a number between lo and hi whose logarithm is
// uniform: as many files between 10 and 100 KB as between 100 KB and 1 MB.
func logUniform(r *rand.Rand, lo, hi float64) float64 {
	return lo * math.Pow(hi/lo, r.Float64())
}
