package benchgen

import (
	"fmt"
	"math/rand/v2"
	"path"
	"strconv"
	"strings"
)

// binaryExts are the files whose content is random bytes after a magic
// number: images, fonts, key stores, compressed profiles.
var binaryExts = map[string]string{
	".png":   "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
	".gif":   "GIF89a",
	".jpg":   "\xff\xd8\xff\xe0\x00\x10JFIF\x00",
	".ico":   "\x00\x00\x01\x00",
	".woff2": "wOF2\x00\x01\x00\x00",
	".jks":   "\xfe\xed\xfe\xed\x00\x00\x00\x02",
	".gz":    "\x1f\x8b\x08\x00\x00\x00\x00\x00",
}

// isBinary tells whether a generated file of this name holds random bytes.
func isBinary(name string) bool {
	_, ok := binaryExts[path.Ext(name)]
	return ok
}

// makeBinary returns size bytes: the magic number of ext, then random
// bytes.
func makeBinary(ext string, size int, seed uint64) []byte {
	b := make([]byte, max(size, len(binaryExts[ext])))
	newBytes(seed).Read(b)
	copy(b, binaryExts[ext])
	return b
}

// licence is the header of most text files.
var licence = []string{
	"Copyright (c) 2023, Acme Corporation (https://www.acme.example).",
	"",
	"Licensed under the Apache License, Version 2.0 (the \"License\");",
	"you may not use this file except in compliance with the License.",
	"You may obtain a copy of the License at",
	"",
	"    http://www.apache.org/licenses/LICENSE-2.0",
	"",
	"Unless required by applicable law or agreed to in writing, software",
	"distributed under the License is distributed on an \"AS IS\" BASIS,",
	"WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.",
}

// A textMaker builds a text file line by line.
type textMaker struct {
	r    *rand.Rand
	b    []byte
	keys map[string]bool // names used in the current section
	n    int             // counts sections, to name them apart
}

func (t *textMaker) line(parts ...string) {
	for _, p := range parts {
		t.b = append(t.b, p...)
	}
	t.b = append(t.b, '\n')
}

func (t *textMaker) comment(prefix string) {
	for _, l := range licence {
		t.line(strings.TrimRight(prefix+" "+l, " "))
	}
}

// key returns a name not yet used in the section.
func (t *textMaker) key(gen func() string) string {
	for {
		k := gen()
		if !t.keys[k] {
			t.keys[k] = true
			return k
		}
	}
}

func (t *textMaker) section() {
	t.n++
	clear(t.keys)
}

// value returns a setting's value: a word, a number, a flag, a path.
func (t *textMaker) value() string {
	r := t.r
	switch r.IntN(6) {
	case 0:
		return strconv.Itoa(r.IntN(10000))
	case 1:
		return []string{"true", "false"}[r.IntN(2)]
	case 2:
		return "${carbon.home}/repository/" + word(r) + "/" + word(r)
	case 3:
		return "https://localhost:" + strconv.Itoa(8243+r.IntN(100)) + "/" + word(r)
	default:
		return lowerCamel(r, 1+r.IntN(2))
	}
}

func (t *textMaker) words(n int, list []string) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(list[t.r.IntN(len(list))])
	}
	return b.String()
}

// makeText returns a text file of about size bytes in the format its
// extension names.
func makeText(ext string, size int, r *rand.Rand) []byte {
	t := &textMaker{r: r, b: make([]byte, 0, size+512), keys: make(map[string]bool)}
	switch ext {
	case ".xml", ".j2", ".xsd", ".wsdl":
		t.xml(size, ext == ".j2")
	case ".toml":
		t.toml(size)
	case ".properties", ".conf", ".policy":
		t.properties(size)
	case ".yaml", ".yml":
		t.yaml(size)
	case ".json":
		t.json(size)
	case ".sql":
		t.sql(size)
	case ".js", ".java":
		t.code(size, ext == ".java")
	case ".css":
		t.css(size)
	case ".html", ".jsp", ".hbs", ".svg", ".vm":
		t.markup(size, ext)
	case ".sh":
		t.shell(size)
	case ".bat":
		t.batch(size)
	default:
		t.prose(size)
	}
	return t.b
}

func (t *textMaker) xml(size int, template bool) {
	r := t.r
	t.line(`<?xml version="1.0" encoding="UTF-8"?>`)
	t.line("<!--")
	t.comment("  ~")
	t.line("  -->")
	root := camel(r, 1+r.IntN(2)) + "Config"
	t.line("<", root, ` xmlns="http://acme.example/xsd/`, strings.ToLower(root), `">`)
	end := "</" + root + ">\n"
	for len(t.b) < size-len(end) {
		t.section()
		sec := camel(r, 1+r.IntN(2)) + strconv.Itoa(t.n)
		t.line("    <", sec, ">")
		for range 3 + r.IntN(10) {
			k := t.key(func() string { return camel(r, 1+r.IntN(2)) })
			v := t.value()
			if template && r.IntN(2) == 0 {
				v = "{{" + word(r) + "." + word(r) + "}}"
			}
			if r.IntN(4) == 0 {
				t.line("        <", k, ` enabled="`, []string{"true", "false"}[r.IntN(2)], `">`, v, "</", k, ">")
			} else {
				t.line("        <", k, ">", v, "</", k, ">")
			}
		}
		if template && r.IntN(3) == 0 {
			t.line("        {% if ", word(r), ".", word(r), " is defined %}")
			k := camel(r, 2) + "Enabled"
			t.line("        <", k, ">true</", k, ">")
			t.line("        {% endif %}")
		}
		t.line("    </", sec, ">")
	}
	t.b = append(t.b, end...)
}

func (t *textMaker) toml(size int) {
	r := t.r
	t.line("[server]")
	t.line(`hostname = "localhost"`)
	t.line(`node_ip = "127.0.0.1"`)
	t.line(`server_role = "default"`)
	for len(t.b) < size {
		t.section()
		t.line()
		t.line("[", word(r), ".", word(r), strconv.Itoa(t.n), "]")
		for range 2 + r.IntN(8) {
			k := t.key(func() string { return word(r) + "_" + word(r) })
			v := t.value()
			if _, err := strconv.Atoi(v); err != nil && v != "true" && v != "false" {
				v = strconv.Quote(v)
			}
			t.line(k, " = ", v)
		}
	}
}

func (t *textMaker) properties(size int) {
	r := t.r
	t.comment("#")
	t.line()
	for len(t.b) < size {
		if r.IntN(8) == 0 {
			t.line()
			t.line("# ", t.words(4+r.IntN(8), prose))
		}
		k := t.key(func() string { return word(r) + "." + word(r) + "." + word(r) })
		t.line(k, "=", t.value())
	}
}

func (t *textMaker) yaml(size int) {
	r := t.r
	t.comment("#")
	for len(t.b) < size {
		t.section()
		t.line(word(r), strconv.Itoa(t.n), ":")
		for range 2 + r.IntN(6) {
			k := t.key(func() string { return lowerCamel(r, 1+r.IntN(2)) })
			if r.IntN(5) == 0 {
				t.line("  ", k, ":")
				for i := range 1 + r.IntN(4) {
					t.line("    ", word(r), strconv.Itoa(i), ": ", t.value())
				}
				continue
			}
			t.line("  ", k, ": ", t.value())
		}
	}
}

func (t *textMaker) json(size int) {
	r := t.r
	t.line("{")
	first := true
	for len(t.b) < size {
		t.section()
		if !first {
			t.b = append(t.b[:len(t.b)-1], ",\n"...)
		}
		first = false
		t.line(`  "`, word(r), strconv.Itoa(t.n), `": {`)
		n := 2 + r.IntN(8)
		for i := range n {
			k := t.key(func() string { return lowerCamel(r, 1+r.IntN(3)) })
			comma := ","
			if i == n-1 {
				comma = ""
			}
			t.line(`    "`, k, `": "`, t.words(1+r.IntN(6), words), `"`, comma)
		}
		t.line("  }")
	}
	t.line("}")
}

func (t *textMaker) sql(size int) {
	r := t.r
	t.line("-- ", t.words(6, prose))
	for len(t.b) < size {
		t.section()
		table := strings.ToUpper("AM_" + word(r) + "_" + word(r) + strconv.Itoa(t.n))
		t.line()
		t.line("CREATE TABLE IF NOT EXISTS ", table, " (")
		t.line("    ID INTEGER AUTO_INCREMENT,")
		for range 2 + r.IntN(10) {
			col := t.key(func() string { return strings.ToUpper(word(r) + "_" + word(r)) })
			typ := []string{"VARCHAR(255)", "INTEGER", "BOOLEAN DEFAULT FALSE", "TIMESTAMP", "BLOB", "VARCHAR(1024) NOT NULL"}[r.IntN(6)]
			t.line("    ", col, " ", typ, ",")
		}
		t.line("    PRIMARY KEY (ID)")
		t.line(") ENGINE INNODB;")
		if r.IntN(3) == 0 {
			t.line("CREATE INDEX IDX_", table, " ON ", table, " (ID);")
		}
	}
}

func (t *textMaker) code(size int, java bool) {
	r := t.r
	t.line("/*")
	t.comment(" *")
	t.line(" */")
	if java {
		t.line("package org.acme.", word(r), ".", word(r), ";")
		t.line()
		t.line("public class ", camel(r, 2), " {")
	}
	for len(t.b) < size {
		f := lowerCamel(r, 2)
		a, b := word(r), word(r)
		switch r.IntN(4) {
		case 0:
			t.line("  function ", f, "(", a, ", ", b, ") { var ", word(r), " = ", a, ".", lowerCamel(r, 2), "(", b, "); return ", a, " && ", a, ".", word(r), " ? ", a, ".", word(r), " : null; }")
		case 1:
			t.line("  const ", strings.ToUpper(a+"_"+b), " = \"", t.words(2+r.IntN(4), words), "\";")
		case 2:
			t.line("  if (", a, ".", lowerCamel(r, 2), " === ", strconv.Itoa(r.IntN(1000)), ") { ", b, ".", lowerCamel(r, 2), "(\"", word(r), "\"); }")
		default:
			t.line("  // ", t.words(5+r.IntN(8), prose))
		}
	}
	if java {
		t.line("}")
	}
}

func (t *textMaker) css(size int) {
	r := t.r
	for len(t.b) < size {
		t.line(".", word(r), "-", word(r), " .", word(r), " { color: #", fmt.Sprintf("%06x", r.IntN(1<<24)), "; margin: ", strconv.Itoa(r.IntN(20)), "px ", strconv.Itoa(r.IntN(20)), "px; }")
	}
}

func (t *textMaker) markup(size int, ext string) {
	r := t.r
	end := ""
	switch ext {
	case ".jsp":
		t.line(`<%@ page contentType="text/html;charset=UTF-8" language="java" %>`)
		t.line(`<%@ taglib prefix="c" uri="http://java.sun.com/jsp/jstl/core" %>`)
	case ".svg":
		t.line(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24">`)
		end = "</svg>\n"
	case ".html":
		t.line("<!DOCTYPE html>")
		t.line(`<html lang="en"><head><meta charset="utf-8"><title>`, camel(r, 2), "</title></head><body>")
		end = "</body></html>\n"
	}
	for len(t.b) < size-len(end) {
		if ext == ".svg" {
			t.line(`  <path d="M`, strconv.Itoa(r.IntN(24)), " ", strconv.Itoa(r.IntN(24)), "l", strconv.Itoa(r.IntN(9)), ".", strconv.Itoa(r.IntN(99)), " ", strconv.Itoa(r.IntN(9)), `z" fill="#`, fmt.Sprintf("%06x", r.IntN(1<<24)), `"/>`)
			continue
		}
		t.line(`  <div class="`, word(r), "-", word(r), `"><span>`, t.words(2+r.IntN(8), prose), "</span></div>")
	}
	t.b = append(t.b, end...)
}

func (t *textMaker) shell(size int) {
	r := t.r
	t.line("#!/bin/sh")
	t.comment("#")
	t.line()
	for len(t.b) < size {
		v := strings.ToUpper(word(r) + "_" + word(r))
		switch r.IntN(3) {
		case 0:
			t.line(v, `="$CARBON_HOME/`, word(r), "/", word(r), `"`)
		case 1:
			t.line(`if [ -z "$`, v, `" ]; then`)
			t.line(`  echo "`, t.words(4+r.IntN(6), prose), `"`)
			t.line("fi")
		default:
			t.line("# ", t.words(5+r.IntN(8), prose))
		}
	}
}

func (t *textMaker) batch(size int) {
	r := t.r
	t.b = append(t.b, "@echo off\r\n"...)
	for len(t.b) < size {
		switch r.IntN(2) {
		case 0:
			t.b = append(t.b, "set "+strings.ToUpper(word(r)+"_"+word(r))+"=%CARBON_HOME%\\"+word(r)+"\r\n"...)
		default:
			t.b = append(t.b, "rem "+t.words(5+r.IntN(8), prose)+"\r\n"...)
		}
	}
}

func (t *textMaker) prose(size int) {
	r := t.r
	for len(t.b) < size {
		var l strings.Builder
		for l.Len() < 60+r.IntN(18) {
			if l.Len() > 0 {
				l.WriteByte(' ')
			}
			l.WriteString(prose[r.IntN(len(prose))])
		}
		t.line(l.String())
		if r.IntN(6) == 0 {
			t.line()
		}
	}
}
