package httpapi

import (
	"slices"
	"testing"
)

// Every listing's key names its columns, and a Seek is a prefix of the key:
// the bound it adds to a page must follow from the key's own (>= on a prefix
// of what > holds for), or pages would skip or repeat rows.
func TestListingKeysAndSeeks(t *testing.T) {
	for _, list := range listings() {
		for _, name := range append(slices.Clone(list.Key), list.Filters...) {
			if !slices.ContainsFunc(list.Columns, func(c column) bool { return c.Name == name }) {
				t.Errorf("%s: %s is not one of its columns", list.Path, name)
			}
		}
		if len(list.Seek) >= len(list.Key) && len(list.Seek) > 0 || !slices.Equal(list.Seek, list.Key[:len(list.Seek)]) {
			t.Errorf("%s: seek %v is not a proper prefix of key %v", list.Path, list.Seek, list.Key)
		}
	}
}
