package merge

// mergeXML is the structure-aware merge of XML files.
//
// The settings of an XML file are each element's attributes, the text of
// each element (a leaf's value; elements with children have none) and the
// presence of each element. Elements are told apart by their expanded
// name (namespace URI and local name, never the prefix) and by their
// name, id or key attribute, in that order; unnamed siblings of the same
// name by their place among their kind, aligned so that one added or
// removed in the middle does not shift the others (see xml_match.go).
// Namespace declarations, comments, processing instructions, white space
// and the order of elements are not settings.
//
// The report names settings by path: /Server/Service[@name='Catalina']/
// Connector[2]/@port, /config/datasource[@id='WSO2_DB']/url/text(). An
// unnamed element's index is its place among its kind in base, or, for
// one base lacks, in the version that added it. An element added or
// removed by one side is one setting, its presence, valued by its source.
//
// The merge edits ours: a setting only the vendor changed gets the
// vendor's value in place, an element the vendor removed is cut out with
// its lines, and an element the vendor added is copied from theirs, with
// the comment directly before it, after the sibling it follows in theirs
// and indented like its neighbours in ours. Everything else of ours stays
// byte for byte. When settings conflict it returns the report and no
// bytes.
//
// It falls back (ErrFallback) on input that is not well-formed, that
// declares a DOCTYPE internal subset or an encoding whose bytes differ
// from UTF-8's, holds mixed content or repeats an identifying attribute
// among siblings, wherever which element is which cannot be told for
// sure, and when the merged file would not be well-formed.
func mergeXML(base, ours, theirs []byte) ([]byte, *Report, error) {
	var docs [3]*xmlDoc
	for i, src := range [][]byte{base, ours, theirs} {
		d, err := xmlParse(src)
		if err != nil {
			return nil, nil, fallback("xml: %s: %v", [...]string{"base", "ours", "theirs"}[i], err)
		}
		docs[i] = d
	}
	b, o, t := docs[0], docs[1], docs[2]
	if b.root.name != o.root.name || b.root.name != t.root.name {
		return nil, nil, fallback("xml: the root elements differ")
	}
	m := &xmlMerger{base: b, ours: o, theirs: t, report: &Report{Format: "xml"}, removed: map[*xmlNode]bool{}}
	if err := m.element(b.root, o.root, t.root, "/"+b.root.step); err != nil {
		return nil, nil, fallback("xml: %v", err)
	}
	if len(m.report.Conflicts) > 0 {
		return nil, m.report, nil
	}
	merged, err := xmlApply(o.src, m.edits)
	if err != nil {
		return nil, nil, fallback("xml: %v", err)
	}
	if d, err := xmlParse(merged); err != nil || d.root.name != o.root.name {
		return nil, nil, fallback("xml: the merged file would not be well-formed: %v", err)
	}
	return merged, m.report, nil
}
