package publish

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"

	"inplace/internal/api"
)

// DescriptorFile is the name of the descriptor at the root of an update
// folder or zip; FilesFolder holds the files, laid out as in PRODUCT_HOME.
const (
	DescriptorFile = "update.yaml"
	FilesFolder    = "files"
)

// maxDescriptor bounds the size of update.yaml.
const maxDescriptor = 1 << 20

// Descriptor is the content of update.yaml:
//
//	description: "Fixes the login page redirect"
//	instructions: "Restart the server after updating."
//	security: false
//	bug_fixes:
//	  APIM-1234: "Login redirect loses the query string"
//	removed_files:
//	  - repository/conf/old.xml
//	hotfixes:
//	  - APIM-HF-17
//
// hotfixes names the hotfixes (see PublishHotfix) whose fixes the update
// carries; a hotfix's own update.yaml has neither hotfixes nor security.
type Descriptor struct {
	Description  string
	Instructions string
	Security     bool
	BugFixes     []api.BugFix // in the order written
	RemovedFiles []string     // cleaned paths
	Hotfixes     []string     // ids, in the order written
}

type rawDescriptor struct {
	Description  string    `yaml:"description"`
	Instructions string    `yaml:"instructions"`
	Security     bool      `yaml:"security"`
	BugFixes     yaml.Node `yaml:"bug_fixes"`
	RemovedFiles []string  `yaml:"removed_files"`
	Hotfixes     []string  `yaml:"hotfixes"`
}

// ParseDescriptor parses and validates update.yaml. Unknown keys, more than
// one document, bad or duplicate paths and duplicate bug fix ids are errors.
func ParseDescriptor(b []byte) (Descriptor, error) {
	if len(b) > maxDescriptor {
		return Descriptor{}, fmt.Errorf("%s is larger than %d bytes", DescriptorFile, maxDescriptor)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	var raw rawDescriptor
	if err := dec.Decode(&raw); err != nil && !errors.Is(err, io.EOF) {
		return Descriptor{}, fmt.Errorf("%s: %s", DescriptorFile, yamlMessage(err))
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return Descriptor{}, fmt.Errorf("%s: must hold one YAML document", DescriptorFile)
	}

	d := Descriptor{Description: raw.Description, Instructions: raw.Instructions, Security: raw.Security}
	fixes, err := parseBugFixes(&raw.BugFixes)
	if err != nil {
		return Descriptor{}, fmt.Errorf("%s: bug_fixes: %w", DescriptorFile, err)
	}
	d.BugFixes = fixes
	seen := map[string]bool{}
	for _, p := range raw.RemovedFiles {
		c, err := api.CleanPath(p)
		if err != nil {
			return Descriptor{}, fmt.Errorf("%s: removed_files: %w", DescriptorFile, err)
		}
		if api.ToolPath(c) {
			return Descriptor{}, fmt.Errorf("%s: removed_files: %s belongs to the update tool, not to the product", DescriptorFile, c)
		}
		if seen[c] {
			return Descriptor{}, fmt.Errorf("%s: removed_files: %s is listed twice", DescriptorFile, c)
		}
		seen[c] = true
		d.RemovedFiles = append(d.RemovedFiles, c)
	}
	seen = map[string]bool{}
	for _, id := range raw.Hotfixes {
		if !api.ValidHotfixID(id) {
			return Descriptor{}, fmt.Errorf("%s: hotfixes: %q is not a hotfix id (letters, digits, '.', '_' and '-', starting with a letter or digit, at most 64)", DescriptorFile, id)
		}
		if seen[id] {
			return Descriptor{}, fmt.Errorf("%s: hotfixes: %s is listed twice", DescriptorFile, id)
		}
		seen[id] = true
		d.Hotfixes = append(d.Hotfixes, id)
	}
	return d, nil
}

// parseBugFixes reads a mapping id -> summary, keeping the order written.
func parseBugFixes(n *yaml.Node) ([]api.BugFix, error) {
	if n.Kind == 0 || n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil, nil
	}
	if n.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("line %d: must map each bug id to its summary", n.Line)
	}
	var fixes []api.BugFix
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode || v.Kind != yaml.ScalarNode {
			return nil, fmt.Errorf("line %d: must map each bug id to its summary", k.Line)
		}
		summary := v.Value
		if v.Tag == "!!null" {
			summary = ""
		}
		fixes = append(fixes, api.BugFix{ID: k.Value, Summary: summary})
	}
	if err := checkBugFixes(fixes); err != nil {
		return nil, err
	}
	return fixes, nil
}

// checkBugFixes refuses empty and duplicate ids.
func checkBugFixes(fixes []api.BugFix) error {
	seen := map[string]bool{}
	for _, f := range fixes {
		if strings.TrimSpace(f.ID) == "" {
			return errors.New("empty bug id")
		}
		if seen[f.ID] {
			return fmt.Errorf("bug %s is listed twice", f.ID)
		}
		seen[f.ID] = true
	}
	return nil
}

// yamlMessage turns a YAML decoding error into one line for a person,
// without the names of Go types.
func yamlMessage(err error) string {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return strings.TrimPrefix(err.Error(), "yaml: ")
	}
	msgs := make([]string, len(te.Errors))
	for i, m := range te.Errors {
		msgs[i] = unknownField.ReplaceAllString(m, "${1}unknown key ${2}")
	}
	return strings.Join(msgs, "; ")
}

// unknownField matches yaml.v3's message for a key that has no field.
var unknownField = regexp.MustCompile(`^(line \d+: )field (.*) not found in type \S+$`)
