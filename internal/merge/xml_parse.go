package merge

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// This file reads an XML document into a tree of elements that remembers
// where each piece sits in the source bytes, so that the merge can edit
// the customer's text in place. It accepts only what it can edit safely:
// well-formed, namespace-well-formed XML without mixed content or a
// DOCTYPE internal subset.

// xmlNamespaceXML is the namespace the reserved prefix xml is bound to.
const xmlNamespaceXML = "http://www.w3.org/XML/1998/namespace"

// xmlBOM is the UTF-8 byte order mark a document may start with.
const xmlBOM = "\ufeff"

// xmlSpan is a byte range [start, end) of a document's source.
type xmlSpan struct{ start, end int }

// xmlName is an expanded name: namespace URI and local name. Elements and
// attributes are compared by it, never by prefix.
type xmlName struct{ space, local string }

// xmlAttr is one attribute of a start tag.
type xmlAttr struct {
	name  xmlName
	raw   string  // the name as written, prefix included
	value string  // the decoded value
	decl  bool    // a namespace declaration (xmlns, xmlns:p): not a setting
	span  xmlSpan // name="value"
	val   xmlSpan // the value between the quotes
	quote byte
}

// xmlNode is one element.
type xmlNode struct {
	name     xmlName
	raw      string            // the qualified name as written
	attrs    []xmlAttr         // in source order, namespace declarations included
	ns       map[string]string // prefixes in scope here ("" is the default namespace)
	start    xmlSpan           // the start tag (the whole element if self-closing)
	end      xmlSpan           // the end tag; empty at start.end if self-closing
	parent   *xmlNode
	children []*xmlNode

	// text is the element's character data with surrounding white
	// space trimmed: a leaf's value, "" for an element with children.
	text string
	// core is the source of the text, from its first to its last
	// non-space byte (CDATA sections whole); valid if hasCore.
	core    xmlSpan
	hasCore bool

	// Filled by xmlIdentify once the siblings are known.
	key   string   // identity among siblings, unique per parent
	keyed bool     // identified by a name, id or key attribute
	step  string   // the path step naming it in a report, e.g. Connector[2]
	hash  [16]byte // digest of the element's settings, subtree included
}

// xmlDoc is a parsed document.
type xmlDoc struct {
	src  []byte
	root *xmlNode
	nl   string // the line ending new text gets: that of the first line

	// values are the spans holding values (attribute values, non-space
	// character data, CDATA): re-indenting a copied fragment must not
	// touch them. Sorted by start.
	values []xmlSpan
}

// selfClosing reports whether the element is written <a/>.
func (n *xmlNode) selfClosing() bool { return n.end.start == n.end.end }

// outer is the element's whole source, start tag to end tag.
func (n *xmlNode) outer() xmlSpan { return xmlSpan{n.start.start, n.end.end} }

// attr returns the element's attribute with the expanded name, or nil.
func (n *xmlNode) attr(name xmlName) *xmlAttr {
	for i := range n.attrs {
		if !n.attrs[i].decl && n.attrs[i].name == name {
			return &n.attrs[i]
		}
	}
	return nil
}

// xmlParser holds the state of one parse.
type xmlParser struct {
	doc     *xmlDoc
	stack   []*xmlNode
	nonText map[*xmlNode]bool // elements holding non-space character data
}

// xmlParse reads src, which must be a single well-formed document.
func xmlParse(src []byte) (*xmlDoc, error) {
	p := &xmlParser{doc: &xmlDoc{src: src, nl: "\n"}, nonText: map[*xmlNode]bool{}}
	if i := bytes.IndexByte(src, '\n'); i > 0 && src[i-1] == '\r' {
		p.doc.nl = "\r\n"
	}
	origin := 0
	if bytes.HasPrefix(src, []byte(xmlBOM)) {
		origin = len(xmlBOM)
	}
	d := xml.NewDecoder(bytes.NewReader(src[origin:]))
	d.Strict = true
	d.CharsetReader = func(label string, input io.Reader) (io.Reader, error) {
		return xmlCharset(label, input, src)
	}
	for {
		start := origin + int(d.InputOffset())
		tok, err := d.RawToken()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		span := xmlSpan{start, origin + int(d.InputOffset())}
		if err := p.token(tok, span, origin); err != nil {
			return nil, err
		}
	}
	if len(p.stack) > 0 {
		return nil, fmt.Errorf("element <%s> not closed", p.stack[len(p.stack)-1].raw)
	}
	if p.doc.root == nil {
		return nil, errors.New("no root element")
	}
	if err := xmlIdentify(p.doc.root); err != nil {
		return nil, err
	}
	return p.doc, nil
}

// token takes one token found at span.
func (p *xmlParser) token(tok xml.Token, span xmlSpan, origin int) error {
	switch t := tok.(type) {
	case xml.StartElement:
		return p.startElement(t, span)
	case xml.EndElement:
		return p.endElement(t, span)
	case xml.CharData:
		return p.charData(t, span)
	case xml.ProcInst:
		if strings.EqualFold(t.Target, "xml") && span.start != origin {
			return errors.New("XML declaration not at the start")
		}
	case xml.Directive:
		if len(p.stack) > 0 || p.doc.root != nil {
			return errors.New("declaration inside the document")
		}
		if bytes.ContainsRune(t, '[') {
			return errors.New("DOCTYPE with an internal subset")
		}
	}
	return nil // comments
}

// startElement opens an element.
func (p *xmlParser) startElement(t xml.StartElement, span xmlSpan) error {
	var parent *xmlNode
	if len(p.stack) > 0 {
		parent = p.stack[len(p.stack)-1]
	} else if p.doc.root != nil {
		return errors.New("more than one root element")
	}
	n := &xmlNode{raw: xmlRawName(t.Name), start: span, parent: parent}
	if err := p.readAttrs(n, t.Attr); err != nil {
		return err
	}
	if err := n.resolveNames(t); err != nil {
		return err
	}
	if parent == nil {
		p.doc.root = n
	} else {
		// An element with children has no text: what it held so far
		// was white space, else it is mixed content.
		parent.children = append(parent.children, n)
		parent.text = ""
	}
	p.stack = append(p.stack, n)
	return nil
}

// readAttrs fills n.attrs and n.ns from the start tag.
func (p *xmlParser) readAttrs(n *xmlNode, attrs []xml.Attr) error {
	spans, err := xmlLexAttrs(p.doc.src, n.start, n.raw)
	if err != nil {
		return err
	}
	if len(spans) != len(attrs) {
		return errors.New("attributes of <" + n.raw + "> not understood")
	}
	n.ns = map[string]string{}
	if n.parent != nil {
		for k, v := range n.parent.ns {
			n.ns[k] = v
		}
	}
	for i, a := range attrs {
		at := spans[i]
		at.raw, at.value = xmlRawName(a.Name), a.Value
		if string(p.doc.src[at.span.start:at.span.start+len(at.raw)]) != at.raw {
			return errors.New("attributes of <" + n.raw + "> not understood")
		}
		switch {
		case a.Name.Space == "xmlns":
			at.decl = true
			n.ns[a.Name.Local] = a.Value
		case a.Name.Space == "" && a.Name.Local == "xmlns":
			at.decl = true
			n.ns[""] = a.Value
		}
		n.attrs = append(n.attrs, at)
		p.doc.values = append(p.doc.values, at.val)
	}
	return nil
}

// resolveNames expands the element's and its attributes' names in the
// namespaces in scope and rejects duplicate attributes.
func (n *xmlNode) resolveNames(t xml.StartElement) error {
	var err error
	if n.name, err = n.expand(t.Name, true); err != nil {
		return err
	}
	seen := map[xmlName]bool{}
	for i := range n.attrs {
		a := &n.attrs[i]
		if a.decl {
			a.name = xmlName{"xmlns", t.Attr[i].Name.Local}
		} else if a.name, err = n.expand(t.Attr[i].Name, false); err != nil {
			return err
		}
		if seen[a.name] {
			return fmt.Errorf("attribute %s repeated in <%s>", a.raw, n.raw)
		}
		seen[a.name] = true
	}
	return nil
}

// expand resolves a prefixed name in the element's scope. Unprefixed
// attributes are in no namespace; unprefixed elements in the default one.
func (n *xmlNode) expand(name xml.Name, element bool) (xmlName, error) {
	if strings.Contains(name.Local, ":") {
		return xmlName{}, fmt.Errorf("name %q has more than one colon", name.Local)
	}
	switch {
	case name.Space == "xml":
		return xmlName{xmlNamespaceXML, name.Local}, nil
	case name.Space == "" && !element:
		return xmlName{"", name.Local}, nil
	}
	uri, ok := n.ns[name.Space]
	if name.Space != "" && (!ok || uri == "") {
		return xmlName{}, fmt.Errorf("prefix %q not bound", name.Space)
	}
	return xmlName{uri, name.Local}, nil
}

// endElement closes the open element, which must be the one named.
func (p *xmlParser) endElement(t xml.EndElement, span xmlSpan) error {
	if len(p.stack) == 0 {
		return errors.New("end tag without start tag")
	}
	n := p.stack[len(p.stack)-1]
	p.stack = p.stack[:len(p.stack)-1]
	if xmlRawName(t.Name) != n.raw {
		return fmt.Errorf("</%s> closes <%s>", xmlRawName(t.Name), n.raw)
	}
	n.end = span
	if len(n.children) > 0 && p.nonText[n] {
		return fmt.Errorf("mixed content in <%s>", n.raw)
	}
	n.text = strings.Trim(n.text, xmlSpace)
	return nil
}

// xmlSpace is the set of XML white-space characters.
const xmlSpace = " \t\r\n"

// charData adds character data to the open element.
func (p *xmlParser) charData(t xml.CharData, span xmlSpan) error {
	src := p.doc.src
	if len(p.stack) == 0 {
		if len(bytes.Trim(src[span.start:span.end], xmlSpace)) > 0 {
			return errors.New("text outside the root element")
		}
		return nil
	}
	n := p.stack[len(p.stack)-1]
	if len(n.children) == 0 {
		n.text += string(t)
	}
	core := span
	if !bytes.HasPrefix(src[span.start:], []byte("<![CDATA[")) {
		raw := src[span.start:span.end]
		trimmed := bytes.TrimLeft(raw, xmlSpace)
		if len(trimmed) == 0 {
			return nil // white space between elements
		}
		core.start += len(raw) - len(trimmed)
		core.end -= len(trimmed) - len(bytes.TrimRight(trimmed, xmlSpace))
	}
	if !n.hasCore {
		n.core.start, n.hasCore = core.start, true
	}
	n.core.end = core.end
	p.nonText[n] = true
	p.doc.values = append(p.doc.values, core)
	return nil
}

// xmlCharset reads a document declaring an encoding other than UTF-8.
// The merge works on bytes, so it takes only documents whose bytes mean
// the same in UTF-8: pure ASCII in an encoding that extends ASCII.
func xmlCharset(label string, input io.Reader, src []byte) (io.Reader, error) {
	label = strings.ToLower(label)
	compatible := strings.HasPrefix(label, "iso-8859-") || strings.HasPrefix(label, "iso8859-") ||
		strings.HasPrefix(label, "windows-125") || strings.HasPrefix(label, "cp125") ||
		strings.HasPrefix(label, "latin") || label == "us-ascii" || label == "ascii" || label == "utf8"
	if !compatible {
		return nil, fmt.Errorf("encoding %q not supported", label)
	}
	for _, c := range src {
		if c >= 0x80 {
			return nil, fmt.Errorf("encoding %q with non-ASCII bytes", label)
		}
	}
	return input, nil
}

// xmlRawName is a name as written, prefix:local.
func xmlRawName(n xml.Name) string {
	if n.Space == "" {
		return n.Local
	}
	return n.Space + ":" + n.Local
}

// xmlLexAttrs finds the attributes in the start tag at tag, whose name
// is raw. The decoder has checked the syntax; this finds the offsets it
// does not report, and insists on the white space XML requires between
// attributes, which the decoder lets pass.
func xmlLexAttrs(src []byte, tag xmlSpan, raw string) ([]xmlAttr, error) {
	var attrs []xmlAttr
	i := tag.start + 1 + len(raw)
	for {
		j := i
		for j < tag.end && strings.IndexByte(xmlSpace, src[j]) >= 0 {
			j++
		}
		if j >= tag.end || src[j] == '/' || src[j] == '>' {
			return attrs, nil
		}
		if j == i {
			return nil, errors.New("no space between attributes of <" + raw + ">")
		}
		a, next, err := xmlLexAttr(src, j, tag.end)
		if err != nil {
			return nil, fmt.Errorf("attributes of <%s>: %w", raw, err)
		}
		attrs = append(attrs, a)
		i = next
	}
}

// xmlLexAttr reads one name="value" starting at i.
func xmlLexAttr(src []byte, i, limit int) (xmlAttr, int, error) {
	a := xmlAttr{span: xmlSpan{start: i}}
	for i < limit && src[i] != '=' && strings.IndexByte(xmlSpace, src[i]) < 0 {
		i++
	}
	for i < limit && strings.IndexByte(xmlSpace, src[i]) >= 0 {
		i++
	}
	if i >= limit || src[i] != '=' {
		return a, 0, errors.New("missing =")
	}
	i++
	for i < limit && strings.IndexByte(xmlSpace, src[i]) >= 0 {
		i++
	}
	if i >= limit || (src[i] != '"' && src[i] != '\'') {
		return a, 0, errors.New("missing quote")
	}
	a.quote = src[i]
	end := bytes.IndexByte(src[i+1:limit], a.quote)
	if end < 0 {
		return a, 0, errors.New("missing closing quote")
	}
	a.val = xmlSpan{i + 1, i + 1 + end}
	a.span.end = a.val.end + 1
	return a, a.span.end, nil
}
