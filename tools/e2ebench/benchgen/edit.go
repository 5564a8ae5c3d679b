package benchgen

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"unicode"
)

// editLines returns data with n of its lines edited the way a release edits
// a configuration file: a value changed, a setting added beside another, a
// setting removed. Settings are only added or removed where the file stays
// well formed (a whole element, key or line); elsewhere values change.
func editLines(ext string, data []byte, n int, r *rand.Rand) []byte {
	lines := strings.SplitAfter(string(data), "\n")
	var leaves []int
	for i, l := range lines {
		if isLeaf(ext, l) {
			leaves = append(leaves, i)
		}
	}
	if len(leaves) == 0 {
		return append(data, "\n"...)
	}
	edits := make(map[int]string)
	perm := r.Perm(len(leaves))
	for k := 0; k < n && k < len(perm); k++ {
		i := leaves[perm[k]]
		l := lines[i]
		op := r.IntN(10)
		switch {
		case op < 6 || !lineOriented(ext):
			edits[i] = changeValue(ext, l, r)
		case op < 9:
			edits[i] = l + addLine(ext, l, k, r)
		default:
			edits[i] = ""
		}
	}
	var b strings.Builder
	b.Grow(len(data) + 256)
	for i, l := range lines {
		if e, ok := edits[i]; ok {
			l = e
		}
		b.WriteString(l)
	}
	return []byte(b.String())
}

func isMarkup(ext string) bool {
	switch ext {
	case ".xml", ".j2", ".xsd", ".wsdl", ".html", ".jsp", ".hbs", ".svg", ".vm":
		return true
	}
	return false
}

// lineOriented tells whether whole leaf lines of a format may be added and
// removed.
func lineOriented(ext string) bool {
	switch ext {
	case ".xml", ".j2", ".toml", ".properties", ".yaml", ".yml", ".js", ".css", ".txt", ".md":
		return true
	}
	return false
}

// isLeaf tells whether line holds one setting (or, in formats without
// settings, some text) that an edit may change.
func isLeaf(ext, line string) bool {
	s := strings.TrimSpace(line)
	switch {
	case isMarkup(ext):
		return strings.HasPrefix(s, "<") && !strings.HasPrefix(s, "</") && !strings.HasPrefix(s, "<?") &&
			!strings.HasPrefix(s, "<!") && !strings.HasPrefix(s, "<%") && strings.Contains(s, "</") && strings.HasSuffix(s, ">")
	case ext == ".toml" || ext == ".properties" || ext == ".conf" || ext == ".policy":
		return strings.Contains(s, "=") && !strings.HasPrefix(s, "#") && !strings.HasPrefix(s, "[")
	case ext == ".yaml" || ext == ".yml":
		k, v, ok := strings.Cut(s, ": ")
		return ok && k != "" && v != "" && !strings.HasPrefix(s, "#") && !strings.HasPrefix(s, "-")
	case ext == ".json":
		return strings.Contains(s, `": "`)
	case ext == ".sh":
		return strings.Contains(s, `="`)
	}
	return len(s) > 3 && !strings.HasPrefix(s, "#!") && !strings.HasPrefix(s, "@")
}

func splitEOL(line string) (body, eol string) {
	body = strings.TrimRight(line, "\r\n")
	return body, line[len(body):]
}

// valueSpan returns where the value of a leaf line is.
func valueSpan(ext, body string) (int, int) {
	switch {
	case isMarkup(ext):
		start, end := strings.Index(body, ">")+1, strings.LastIndex(body, "<")
		if start > 0 && end >= start {
			return start, end
		}
	case ext == ".toml" || ext == ".properties" || ext == ".conf" || ext == ".policy" || ext == ".sh":
		return strings.Index(body, "=") + 1, len(body)
	case ext == ".yaml" || ext == ".yml" || ext == ".json":
		return strings.Index(body, ": ") + 2, len(body)
	}
	return 0, len(body)
}

// changeValue changes the value of a leaf line: its last number, or else
// its last word.
func changeValue(ext, line string, r *rand.Rand) string {
	body, eol := splitEOL(line)
	start, end := valueSpan(ext, body)
	return body[:start] + changeToken(body[start:end], r) + body[end:] + eol
}

func changeToken(v string, r *rand.Rand) string {
	if i, j := lastRun(v, unicode.IsDigit); i >= 0 {
		n, _ := strconv.Atoi(v[i:j])
		return v[:i] + strconv.Itoa(n+1+r.IntN(99)) + v[j:]
	}
	if i, j := lastRun(v, unicode.IsLetter); i >= 0 && j-i >= 3 {
		switch w := v[i:j]; w {
		case "true":
			return v[:i] + "false" + v[j:]
		case "false":
			return v[:i] + "true" + v[j:]
		default:
			nw := word(r)
			for nw == w {
				nw = word(r)
			}
			return v[:i] + nw + v[j:]
		}
	}
	return v + "1"
}

// lastRun returns the bounds of the last run of bytes that are ok, or -1.
func lastRun(s string, ok func(rune) bool) (int, int) {
	j := len(s)
	for j > 0 && !ok(rune(s[j-1])) {
		j--
	}
	if j == 0 {
		return -1, -1
	}
	i := j
	for i > 0 && ok(rune(s[i-1])) {
		i--
	}
	return i, j
}

// addLine returns a new setting to put after a leaf line: the same kind of
// setting under a new name, with another value.
func addLine(ext, line string, k int, r *rand.Rand) string {
	body, eol := splitEOL(line)
	suffix := "Ext" + strconv.Itoa(k+1)
	switch {
	case isMarkup(ext):
		s := strings.TrimLeft(body, " \t")
		indent := body[:len(body)-len(s)]
		name := s[1:strings.IndexAny(s, " >")]
		s = "<" + name + suffix + strings.TrimPrefix(s, "<"+name)
		s = strings.TrimSuffix(s, "</"+name+">") + "</" + name + suffix + ">"
		body = indent + s
	case ext == ".toml" || ext == ".yaml" || ext == ".yml":
		sep := " ="
		if ext != ".toml" {
			sep = ":"
		}
		i := strings.Index(body, sep)
		body = body[:i] + "_ext" + strconv.Itoa(k+1) + body[i:]
	case ext == ".properties":
		i := strings.Index(body, "=")
		body = body[:i] + ".ext" + strconv.Itoa(k+1) + body[i:]
	}
	return changeValue(ext, body+eol, r)
}
