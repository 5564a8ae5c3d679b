package packed

import (
	"context"

	"inplace/internal/api"
)

// Warm computes the forms that customers at the level before update u will
// ask for: each file u brings as a delta from the file it replaces (or, for
// a file renamed with its version, from the file of its old name), else
// compressed. It runs when the update is published, so that the first
// customer does not wait for it. before is the product's level before u
// (path -> entry); done, when set, is called after each file.
func (p *Packer) Warm(ctx context.Context, u api.Update, before map[string]api.Entry, done func()) error {
	removed := make(map[string][]string) // stem -> hashes of the files u removes
	for _, c := range u.Files {
		if e, ok := before[c.Path]; ok && c.Remove && e.Kind == api.KindFile {
			removed[api.Stem(c.Path)] = append(removed[api.Stem(c.Path)], e.SHA256)
		}
	}
	for _, c := range u.Files {
		if c.Remove || c.Kind != api.KindFile {
			continue
		}
		from := ""
		if e, ok := before[c.Path]; ok && e.Kind == api.KindFile {
			from = e.SHA256
		} else if r := removed[api.Stem(c.Path)]; !ok && len(r) == 1 {
			from = r[0]
		}
		if from == c.SHA256 {
			from = ""
		}
		if _, err := p.Get(ctx, c.SHA256, c.Size, from); err != nil {
			return err
		}
		if done != nil {
			done()
		}
	}
	return nil
}
