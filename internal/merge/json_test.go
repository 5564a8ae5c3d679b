package merge

import (
	"testing"
)

// jsonTests are small merges of JSON files with the bytes the merge must
// give, or the fallback it must take.
var jsonTests = []structuredCase{
	{
		name:   "value changed by the update, customer's layout kept",
		base:   "{\n  \"a\": 1,\n  \"b\": \"x\"\n}\n",
		ours:   "{\n    \"a\" : 1,\n    \"b\" : \"y\"\n}\n",
		theirs: "{\n  \"a\": 2,\n  \"b\": \"x\"\n}\n",
		want:   "{\n    \"a\" : 2,\n    \"b\" : \"y\"\n}\n",
		taken:  []string{"a"}, kept: []string{"b"},
	},
	{
		name:   "formatting only is no change",
		base:   `{"a": 1.0, "b": "\u0041"}`,
		ours:   `{"a": 1, "b": "A"}`,
		theirs: `{"a": 1e0, "b": "B"}`,
		want:   `{"a": 1, "b": "B"}`,
		taken:  []string{"b"},
	},
	{
		name:   "new member after its predecessor, in the middle",
		base:   "{\n  \"a\": 1,\n  \"c\": 3\n}\n",
		ours:   "{\n  \"a\": 10,\n  \"c\": 3\n}\n",
		theirs: "{\n  \"a\": 1,\n  \"b\": 2,\n  \"c\": 3\n}\n",
		want:   "{\n  \"a\": 10,\n  \"b\": 2,\n  \"c\": 3\n}\n",
		taken:  []string{"b"}, kept: []string{"a"},
	},
	{
		name:   "new member at the end gets the comma",
		base:   "{\n  \"a\": 1\n}\n",
		ours:   "{\n  \"a\": 10\n}\n",
		theirs: "{\n  \"a\": 1,\n  \"z\": true\n}\n",
		want:   "{\n  \"a\": 10,\n  \"z\": true\n}\n",
		taken:  []string{"z"}, kept: []string{"a"},
	},
	{
		name:   "new member first",
		base:   `{"b": 1}`,
		ours:   `{"b": 2}`,
		theirs: `{"a": 0, "b": 1}`,
		want:   `{"a": 0, "b": 2}`,
		taken:  []string{"a"}, kept: []string{"b"},
	},
	{
		name:   "nested objects, new object re-indented",
		base:   "{\n  \"s\": {\n    \"x\": 1\n  }\n}\n",
		ours:   "{\n\t\"s\": {\n\t\t\"x\": 2\n\t}\n}\n",
		theirs: "{\n  \"s\": {\n    \"x\": 1,\n    \"n\": {\n      \"y\": [1, 2]\n    }\n  }\n}\n",
		want:   "{\n\t\"s\": {\n\t\t\"x\": 2,\n\t\t\"n\": {\n\t\t  \"y\": [1, 2]\n\t\t}\n\t}\n}\n",
		taken:  []string{"s.n.y"}, kept: []string{"s.x"},
	},
	{
		name:   "removed members, first and last",
		base:   "{\n  \"a\": 1,\n  \"b\": 2,\n  \"c\": 3\n}\n",
		ours:   "{\n  \"a\": 1,\n  \"b\": 20,\n  \"c\": 3\n}\n",
		theirs: "{\n  \"b\": 2\n}\n",
		want:   "{\n  \"b\": 20\n}\n",
		taken:  []string{"a", "c"}, kept: []string{"b"},
	},
	{
		name:   "removed object",
		base:   `{"a": {"x": 1, "y": 2}, "b": 1}`,
		ours:   `{"a": {"x": 1, "y": 2}, "b": 2}`,
		theirs: `{"b": 1}`,
		want:   `{"b": 2}`,
		taken:  []string{"a.x", "a.y"}, kept: []string{"b"},
	},
	{
		name:   "member added to an empty object",
		base:   "{\n  \"time\": {\n  }\n}\n",
		ours:   "{\n  \"time\": {\n  },\n  \"mine\": 1\n}\n",
		theirs: "{\n  \"time\": {\n    \"x\": \"m\"\n  }\n}\n",
		want:   "{\n  \"time\": {\n    \"x\": \"m\"\n  },\n  \"mine\": 1\n}\n",
		taken:  []string{"time.x"}, kept: []string{"mine"},
	},
	{
		name:   "dotted member names",
		base:   `{"a.b": 1, "a": {"c": 2}}`,
		ours:   `{"a.b": 1, "a": {"c": 3}}`,
		theirs: `{"a.b": 4, "a": {"c": 2}}`,
		want:   `{"a.b": 4, "a": {"c": 3}}`,
		taken:  []string{"a.b"}, kept: []string{"a.c"},
	},
	{
		// A report could not tell them apart.
		name:     "two settings that print alike",
		base:     `{"a.b": 1, "a": {"b": 2}}`,
		ours:     `{"a.b": 1, "a": {"b": 3}}`,
		theirs:   `{"a.b": 4, "a": {"b": 2}}`,
		fallback: true,
	},
	{
		// Found by FuzzMergeJSON: the empty name below the empty name
		// prints as the root.
		name:     "empty member names",
		base:     `{"":{"":false}}`,
		ours:     `{"":{"" :true}}`,
		theirs:   `0 `,
		fallback: true,
	},
	{
		name:   "array compared whole",
		base:   `{"l": [1, 2], "x": 1}`,
		ours:   `{"l": [1, 2], "x": 2}`,
		theirs: `{"l": [1, 2, 3], "x": 1}`,
		want:   `{"l": [1, 2, 3], "x": 2}`,
		taken:  []string{"l"}, kept: []string{"x"},
	},
	{
		name:   "array of objects matched by name",
		base:   "{\"f\": [\n  {\"name\": \"a\", \"v\": false},\n  {\"name\": \"b\", \"v\": false}\n]}\n",
		ours:   "{\"f\": [\n  {\"name\": \"b\", \"v\": true},\n  {\"name\": \"a\", \"v\": false}\n]}\n",
		theirs: "{\"f\": [\n  {\"name\": \"a\", \"v\": false},\n  {\"name\": \"c\", \"v\": 1},\n  {\"name\": \"b\", \"v\": false}\n]}\n",
		want:   "{\"f\": [\n  {\"name\": \"b\", \"v\": true},\n  {\"name\": \"a\", \"v\": false},\n  {\"name\": \"c\", \"v\": 1}\n]}\n",
		taken:  []string{"f[name=c].name", "f[name=c].v"}, kept: []string{"f[name=b].v"},
	},
	{
		name:   "CRLF ours, LF theirs",
		base:   "{\n  \"a\": 1\n}",
		ours:   "{\r\n  \"a\": 2\r\n}",
		theirs: "{\n  \"a\": 1,\n  \"o\": {\n    \"p\": 1\n  }\n}",
		want:   "{\r\n  \"a\": 2,\r\n  \"o\": {\r\n    \"p\": 1\r\n  }\r\n}",
		taken:  []string{"o.p"}, kept: []string{"a"},
	},
	{
		name:   "new member in an inline object, customer's spacing kept",
		base:   `{"tls": {"enabled": false}}`,
		ours:   `{"tls": {"enabled" : true}}`,
		theirs: `{"tls": {"enabled": false, "protocols": ["TLSv1.3"]}}`,
		want:   `{"tls": {"enabled" : true, "protocols": ["TLSv1.3"]}}`,
		taken:  []string{"tls.protocols"}, kept: []string{"tls.enabled"},
	},
	{
		name:   "all members of an object removed",
		base:   "{\n  \"o\": {\n    \"a\": 1,\n    \"b\": 2\n  },\n  \"x\": 1\n}",
		ours:   "{\n  \"o\": {\n    \"a\": 1,\n    \"b\": 2\n  },\n  \"x\": 2\n}",
		theirs: "{\n  \"o\": {},\n  \"x\": 1\n}",
		want:   "{\n  \"o\": {},\n  \"x\": 2\n}",
		taken:  []string{"o.a", "o.b"}, kept: []string{"x"},
	},
	{
		name:   "value becomes an object, re-indented",
		base:   "{\n  \"a\": 1,\n  \"b\": 1\n}",
		ours:   "{\n    \"a\": 1,\n    \"b\": 2\n}",
		theirs: "{\n  \"a\": {\n    \"x\": 1\n  },\n  \"b\": 1\n}",
		want:   "{\n    \"a\": {\n      \"x\": 1\n    },\n    \"b\": 2\n}",
		taken:  []string{"a", "a.x"}, kept: []string{"b"},
	},
	{
		name:   "root array of objects matched by numeric id",
		base:   `[{"id": 1, "v": "a"}, {"id": 2, "v": "b"}]`,
		ours:   `[{"id": 2, "v": "B"}, {"id": 1, "v": "a"}]`,
		theirs: `[{"id": 1, "v": "A"}, {"id": 2, "v": "b"}]`,
		want:   `[{"id": 2, "v": "B"}, {"id": 1, "v": "A"}]`,
		taken:  []string{"[id=1].v"}, kept: []string{"[id=2].v"},
	},
	{
		// Found by FuzzMergeJSON.
		name:   "object the customer emptied and the update removed goes",
		base:   `{"tls":{"enabled":false}}`,
		ours:   `{"tls":{}}`,
		theirs: `{"x":{"0":[]}}`,
		want:   `{"x":{"0":[]}}`,
		taken:  []string{"x.0"}, kept: []string{"tls.enabled"},
	},
	{
		name:      "same member changed differently",
		base:      `{"a": 1}`,
		ours:      `{"a": 2}`,
		theirs:    `{"a": 3}`,
		conflicts: []string{"a"},
	},
	{
		name:      "changed by the customer, removed by the update",
		base:      `{"a": {"x": 1}, "b": 1}`,
		ours:      `{"a": {"x": 2}, "b": 1}`,
		theirs:    `{"b": 1}`,
		conflicts: []string{"a.x"},
	},
	{
		name:     "duplicate member",
		base:     `{"a": 1}`,
		ours:     `{"a": 1, "a": 2}`,
		theirs:   `{"a": 3}`,
		fallback: true,
	},
	{
		name:     "invalid JSON",
		base:     `{"a": 1}`,
		ours:     `{"a": 1,}`,
		theirs:   `{"a": 3}`,
		fallback: true,
	},
}

func TestMergeJSON(t *testing.T) {
	runStructuredCases(t, jsonTests, mergeJSON)
}

func TestMergeJSONGolden(t *testing.T) {
	propGolden(t, "json", ".json", mergeJSON)
}
