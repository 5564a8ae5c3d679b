package benchgen

import (
	"math"
	"math/rand/v2"
	"strings"
)

// A vocab is the strings that the classes of one archive share in their
// constant pools: the JDK's names, the archive's packages, classes, methods
// and descriptors. A class repeats some of them, so that it deflates as
// real classes do.
type vocab struct {
	pieces [][]byte // the JDK's first, then the archive's
}

// jdkPieces are in most classes.
var jdkPieces = []string{
	"java/lang/Object", "java/lang/String", "Ljava/lang/String;", "()V", "<init>", "Code",
	"LineNumberTable", "LocalVariableTable", "StackMapTable", "SourceFile", "this",
	"(Ljava/lang/String;)V", "()Ljava/lang/String;", "java/util/List", "java/util/Map",
	"Ljava/util/Map;", "Ljava/util/List;", "java/util/HashMap", "java/util/ArrayList",
	"java/lang/StringBuilder", "append", "(Ljava/lang/String;)Ljava/lang/StringBuilder;",
	"toString", "org/apache/commons/logging/Log", "org/apache/commons/logging/LogFactory",
	"getLog", "(Ljava/lang/Class;)Lorg/apache/commons/logging/Log;", "isDebugEnabled", "()Z",
	"debug", "(Ljava/lang/Object;)V", "error", "(Ljava/lang/Object;Ljava/lang/Throwable;)V",
	"Exceptions", "Signature", "RuntimeVisibleAnnotations", "InnerClasses", "java/io/IOException",
	"java/lang/Exception", "equals", "(Ljava/lang/Object;)Z", "hashCode", "()I", "valueOf",
	"java/lang/Integer", "intValue", "get", "(Ljava/lang/Object;)Ljava/lang/Object;", "put",
	"(Ljava/lang/Object;Ljava/lang/Object;)Ljava/lang/Object;", "iterator", "()Ljava/util/Iterator;",
	"hasNext", "next", "()Ljava/lang/Object;", "size", "java/util/Iterator", "log",
	"Lorg/apache/commons/logging/Log;", "<clinit>", "java/lang/Throwable",
}

// newVocab returns the vocabulary of an archive whose classes are in pkg
// ("org/wso2/carbon/apimgt/impl").
func newVocab(pkg string, seed uint64) *vocab {
	r := newRand(seed)
	v := &vocab{}
	for _, p := range jdkPieces {
		v.pieces = append(v.pieces, []byte(p))
	}
	add := func(s string) { v.pieces = append(v.pieces, []byte(s)) }
	add(pkg)
	add("L" + pkg + "/")
	var classes []string
	for range 80 {
		c := camel(r, 1+r.IntN(2)) + classSuffixes[r.IntN(len(classSuffixes))]
		classes = append(classes, c)
		add(c)
		add(pkg + "/" + c)
	}
	for range 120 {
		m := lowerCamel(r, 1+r.IntN(3))
		switch r.IntN(3) {
		case 0:
			m = "get" + strings.ToUpper(m[:1]) + m[1:]
		case 1:
			m = "set" + strings.ToUpper(m[:1]) + m[1:]
		}
		add(m)
	}
	for range 60 {
		a, b := classes[r.IntN(len(classes))], classes[r.IntN(len(classes))]
		switch r.IntN(3) {
		case 0:
			add("(L" + pkg + "/" + a + ";)V")
		case 1:
			add("(Ljava/lang/String;L" + pkg + "/" + a + ";)L" + pkg + "/" + b + ";")
		default:
			add("()L" + pkg + "/" + a + ";")
		}
	}
	for range 30 {
		add(strings.ToUpper(word(r)) + "_" + strings.ToUpper(word(r)))
	}
	return v
}

// pick returns a piece, the JDK's and the first of the archive's more
// often than the rest.
func (v *vocab) pick(r *rand.Rand) int {
	return r.IntN(r.IntN(len(v.pieces)) + 1)
}

// A classMaker writes class files into deflate streams.
type classMaker struct {
	d     deflater
	seen  []int32 // per piece: 1 + where it was last written, in this class
	noise []byte
	names []int // the pieces this class uses

	// Generators, seeded again for each class.
	pcg *rand.PCG
	r   *rand.Rand
	src *rand.ChaCha8
}

// The make-up of a class: it refers to about namesPerClass names of the
// vocabulary, each many times, between runs of bytes that do not repeat
// (indices, bytecode, constants), which are randomRun percent of its
// tokens. So classes deflate about 2.8:1.
const (
	namesPerClass = 40
	randomRun     = 30
)

// class makes a class file of about size bytes, from seed, and returns the
// deflate stream; m.d.raw holds the class.
func (m *classMaker) class(v *vocab, seed uint64, size int) []byte {
	if m.pcg == nil {
		m.pcg, m.src = rand.NewPCG(0, 0), rand.NewChaCha8([32]byte{})
		m.r = rand.New(m.pcg)
	}
	m.pcg.Seed(seed, mix(seed+0x9e3779b97f4a7c15))
	m.src.Seed(chachaKey(seed))
	r, src := m.r, m.src
	if cap(m.seen) < len(v.pieces) {
		m.seen = make([]int32, len(v.pieces))
	}
	m.seen = m.seen[:len(v.pieces)]
	clear(m.seen)
	if m.noise == nil {
		m.noise = make([]byte, 512)
	}
	var noise []byte
	// A class refers to a few dozen names, each many times.
	names := m.names[:0]
	for range namesPerClass/2 + r.IntN(namesPerClass) {
		names = append(names, v.pick(r))
	}
	m.names = names
	d := &m.d
	d.reset()
	d.literal([]byte{0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 55, byte(r.IntN(4)), byte(r.IntN(256))})
	for len(d.raw) < size {
		if r.IntN(100) < randomRun {
			n := 4 + r.IntN(20)
			if len(noise) < n {
				src.Read(m.noise)
				noise = m.noise
			}
			d.literal(noise[:n])
			noise = noise[n:]
			continue
		}
		// A CONSTANT_Utf8 of one to three of the class's names.
		var tag [3]byte
		tag[0] = 1
		n := 1 + r.IntN(3)
		var ps [3]int
		length := 0
		for i := range n {
			ps[i] = names[r.IntN(len(names))]
			length += len(v.pieces[ps[i]])
		}
		tag[1], tag[2] = byte(length>>8), byte(length)
		d.literal(tag[:])
		for _, p := range ps[:n] {
			piece := v.pieces[p]
			at := int(m.seen[p]) - 1
			if dist := len(d.raw) - at; at >= 0 && dist <= maxDistance && len(piece) >= minMatch {
				m.seen[p] = int32(len(d.raw)) + 1
				d.match(dist, len(piece))
				continue
			}
			m.seen[p] = int32(len(d.raw)) + 1
			d.literal(piece)
		}
	}
	return d.finish()
}

// classSize returns the size of a class before compression: a few KB,
// sometimes tens.
func classSize(r *rand.Rand) int {
	s := 3000 * math.Exp(0.9*r.NormFloat64())
	return int(min(max(s, 300), 120_000))
}
