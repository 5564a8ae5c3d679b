package merge

// mergeProperties is the structure-aware merge of Properties files. Not written
// yet: it always falls back to the line merge.
func mergeProperties(base, ours, theirs []byte) ([]byte, *Report, error) {
	return nil, nil, fallback("properties merge not implemented yet")
}
