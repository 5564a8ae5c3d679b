package merge

import (
	"testing"
)

// yamlTests are small merges of YAML files with the bytes the merge must
// give, or the fallback it must take.
var yamlTests = []structuredCase{
	{
		name:   "value changed by the update, customer's comments kept",
		base:   "server:\n  port: 8080\n  host: a\n",
		ours:   "# ours\nserver:\n  port: 8080 # the port\n  host: b\n",
		theirs: "server:\n  port: 9090\n  host: a\n",
		want:   "# ours\nserver:\n  port: 9090 # the port\n  host: b\n",
		taken:  []string{"server.port"}, kept: []string{"server.host"},
	},
	{
		name:   "formatting only is no change",
		base:   "a: 'x'\nb: 1\n",
		ours:   "a: x\nb: 1\n",
		theirs: "a: \"x\"\nb: 2\n",
		want:   "a: x\nb: 2\n",
		taken:  []string{"b"},
	},
	{
		name:   "new key in a nested mapping after its predecessor",
		base:   "spring:\n  datasource:\n    url: u\n    user: a\nother: 1\n",
		ours:   "spring:\n  datasource:\n      url: u\n      user: b\nother: 1\n",
		theirs: "spring:\n  datasource:\n    url: u\n    # the pool\n    pool: 5\n    user: a\nother: 1\n",
		want:   "spring:\n  datasource:\n      url: u\n      # the pool\n      pool: 5\n      user: b\nother: 1\n",
		taken:  []string{"spring.datasource.pool"}, kept: []string{"spring.datasource.user"},
	},
	{
		name:   "new mapping at the end of the root",
		base:   "a: 1\n",
		ours:   "a: 2\n",
		theirs: "a: 1\n\n# logging\nlogging:\n  level: info\n",
		want:   "a: 2\n\n# logging\nlogging:\n  level: info\n",
		taken:  []string{"logging.level"}, kept: []string{"a"},
	},
	{
		name:   "removed mapping goes with its vendor comment",
		base:   "a: 1\n# old\nold:\n  x: 1\n  y: 2\nb: 2\n",
		ours:   "a: 1\n# old\nold:\n  x: 1\n  y: 2\nb: 3\n",
		theirs: "a: 1\nb: 2\n",
		want:   "a: 1\nb: 3\n",
		taken:  []string{"old.x", "old.y"}, kept: []string{"b"},
	},
	{
		name:   "last key of a nested mapping removed",
		base:   "a:\n  x: 1\nb: 1\n",
		ours:   "a:\n  x: 1\nb: 2\n",
		theirs: "a: {}\nb: 1\n",
		want:   "a: {}\nb: 2\n",
		taken:  []string{"a.x"}, kept: []string{"b"},
	},
	{
		name:   "block scalar changed",
		base:   "script: |\n  echo a\n  echo b\nafter: 1\n",
		ours:   "script: |\n  echo a\n  echo b\nafter: 2\n",
		theirs: "script: |\n  echo a\n  # not a comment\n  echo c\nafter: 1\n",
		want:   "script: |\n  echo a\n  # not a comment\n  echo c\nafter: 2\n",
		taken:  []string{"script"}, kept: []string{"after"},
	},
	{
		name:   "block scalar kept, new key after it",
		base:   "msg: >\n  folded\n  text\n",
		ours:   "msg: >\n  folded\n  text, ours\n",
		theirs: "msg: >\n  folded\n  text\nnext: 1\n",
		want:   "msg: >\n  folded\n  text, ours\nnext: 1\n",
		taken:  []string{"next"}, kept: []string{"msg"},
	},
	{
		name:   "sequence compared whole",
		base:   "hosts:\n  - a\n  - b\nport: 1\n",
		ours:   "hosts:\n  - a\n  - b\nport: 2\n",
		theirs: "hosts: [a, b, c]\nport: 1\n",
		want:   "hosts: [a, b, c]\nport: 2\n",
		taken:  []string{"hosts"}, kept: []string{"port"},
	},
	{
		name:   "sequence of mappings matched by name",
		base:   "servers:\n  - name: a\n    port: 1\n  - name: b\n    port: 2\n",
		ours:   "servers:\n  - name: b\n    port: 20\n  - name: a\n    port: 1\n",
		theirs: "servers:\n  - name: a\n    port: 10\n  - name: b\n    port: 2\n  - name: c\n    port: 3\n",
		want:   "servers:\n  - name: b\n    port: 20\n  - name: c\n    port: 3\n  - name: a\n    port: 10\n",
		taken:  []string{"servers[name=a].port", "servers[name=c].name", "servers[name=c].port"},
		kept:   []string{"servers[name=b].port"},
	},
	{
		name:   "item removed from a sequence matched by id",
		base:   "x:\n- id: 1\n  v: a\n- id: 2\n  v: b\ny: 1\n",
		ours:   "x:\n- id: 1\n  v: a\n- id: 2\n  v: b\ny: 2\n",
		theirs: "x:\n- id: 1\n  v: a\ny: 1\n",
		want:   "x:\n- id: 1\n  v: a\ny: 2\n",
		taken:  []string{"x[id=2].id", "x[id=2].v"}, kept: []string{"y"},
	},
	{
		name:   "reordered by the customer",
		base:   "a: 1\nb: 2\nc: 3\n",
		ours:   "c: 3\nb: 2\na: 1\n",
		theirs: "a: 1\nb: 20\nc: 3\nd: 4\n",
		want:   "c: 3\nd: 4\nb: 20\na: 1\n",
		taken:  []string{"b", "d"},
	},
	{
		name:   "type change by the update",
		base:   "a: 1\nb: 1\n",
		ours:   "a: 1\nb: 2\n",
		theirs: "a:\n  x: 1\nb: 1\n",
		want:   "a:\n  x: 1\nb: 2\n",
		taken:  []string{"a", "a.x"}, kept: []string{"b"},
	},
	{
		name:   "CRLF ours, LF theirs",
		base:   "a: 1\nb: 2\n",
		ours:   "a: 1\r\nb: 3\r\n",
		theirs: "a: 1\nb: 2\nc:\n  d: 4\n",
		want:   "a: 1\r\nb: 3\r\nc:\r\n  d: 4\r\n",
		taken:  []string{"c.d"}, kept: []string{"b"},
	},
	{
		name:   "no final newline",
		base:   "a: 1\nb: 2",
		ours:   "a: 0\nb: 2",
		theirs: "a: 1\nb: 2\nc: 3",
		want:   "a: 0\nb: 2\nc: 3",
		taken:  []string{"c"}, kept: []string{"a"},
	},
	{
		name:   "first key of a sequence item removed",
		base:   "x:\n- a: 1\n  name: n\n  b: 2\n",
		ours:   "x:\n- a: 1\n  name: n\n  b: 3\n",
		theirs: "x:\n- name: n\n  b: 2\n",
		want:   "x:\n- name: n\n  b: 3\n",
		taken:  []string{"x[name=n].a"}, kept: []string{"x[name=n].b"},
	},
	{
		name:   "new key before the first of a sequence item goes after it",
		base:   "x:\n  - name: n\n    b: 2\n",
		ours:   "x:\n  - name: n\n    b: 3\n",
		theirs: "x:\n  - a: 1\n    name: n\n    b: 2\n",
		want:   "x:\n  - name: n\n    a: 1\n    b: 3\n",
		taken:  []string{"x[name=n].a"}, kept: []string{"x[name=n].b"},
	},
	{
		name:   "new first key of the document, below the header",
		base:   "---\n# header\n\nb: 1\n",
		ours:   "---\n# header\n\nb: 2\n",
		theirs: "---\n# header\n\na: 0\nb: 1\n",
		want:   "---\n# header\n\na: 0\nb: 2\n",
		taken:  []string{"a"}, kept: []string{"b"},
	},
	{
		name:   "values on the next line and quoted keys",
		base:   "\"a.b\":\n  long value\n'c': x\n",
		ours:   "\"a.b\":\n  long value\n'c': y\n",
		theirs: "\"a.b\": other\n'c': x\n",
		want:   "\"a.b\": other\n'c': y\n",
		taken:  []string{"a.b"}, kept: []string{"c"},
	},
	{
		name:   "empty customer file takes the update's settings",
		base:   "",
		ours:   "# all ours\n",
		theirs: "a: 1\n",
		want:   "# all ours\na: 1\n",
		taken:  []string{"a"},
	},
	{
		name:      "same setting changed differently",
		base:      "a:\n  b: 1\n",
		ours:      "a:\n  b: 2\n",
		theirs:    "a:\n  b: 3\n",
		conflicts: []string{"a.b"},
	},
	{
		name:      "changed by the customer, removed by the update",
		base:      "a: 1\nb: 1\n",
		ours:      "a: 2\nb: 1\n",
		theirs:    "b: 1\n",
		conflicts: []string{"a"},
	},
	{
		name:     "anchors and aliases",
		base:     "a: &x 1\nb: *x\n",
		ours:     "a: &x 2\nb: *x\n",
		theirs:   "a: &x 1\nb: *x\nc: 1\n",
		fallback: true,
	},
	{
		name:     "merge key",
		base:     "a:\n  x: 1\nb:\n  <<: {x: 1}\n",
		ours:     "a:\n  x: 2\nb:\n  <<: {x: 1}\n",
		theirs:   "a:\n  x: 1\nb:\n  <<: {x: 1}\n  y: 2\n",
		fallback: true,
	},
	{
		name:     "duplicate key",
		base:     "a: 1\n",
		ours:     "a: 1\na: 2\n",
		theirs:   "a: 3\n",
		fallback: true,
	},
	{
		name:     "tag",
		base:     "a: 1\n",
		ours:     "a: !!str 1\n",
		theirs:   "a: 1\nb: 2\n",
		fallback: true,
	},
	{
		// Found by FuzzMergeYAML: 0 and 0000 are one integer key to a
		// reader, two keys by their text.
		name:     "keys that are not strings",
		base:     "a: 1\n",
		ours:     "0: x\n0000: y\n",
		theirs:   "a: 2\n",
		fallback: true,
	},
	{
		name:     "several documents",
		base:     "a: 1\n",
		ours:     "a: 2\n---\nb: 1\n",
		theirs:   "a: 1\nc: 1\n",
		fallback: true,
	},
	{
		name:     "flow mapping edited on both sides",
		base:     "a: {x: 1, y: 1}\n",
		ours:     "a: {x: 2, y: 1}\n",
		theirs:   "a: {x: 1, y: 2}\n",
		fallback: true,
	},
	{
		name:     "invalid input",
		base:     "a: 1\n",
		ours:     "a: [1\n",
		theirs:   "a: 2\n",
		fallback: true,
	},
}

func TestMergeYAML(t *testing.T) {
	runStructuredCases(t, yamlTests, mergeYAML)
}

func TestMergeYAMLGolden(t *testing.T) {
	propGolden(t, "yaml", ".yaml", mergeYAML)
}
