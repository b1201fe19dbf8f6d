// Package reference holds the places of Kabupaten Tanah Bumbu: its 12
// kecamatan and 157 desa/kelurahan, used to validate registrations.
package reference

import (
	_ "embed"
	"encoding/csv"
	"fmt"
	"sort"
	"strings"
)

//go:embed tanah-bumbu-desa.csv
var desaCSV string

// Places is the validated list; build it with Load.
type Places struct {
	desaByKecamatan map[string]map[string]bool
	kecamatan       []string
	canonical       map[string]string // lower-case -> canonical spelling
}

// Load parses the embedded list.
func Load() (*Places, error) {
	records, err := csv.NewReader(strings.NewReader(desaCSV)).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("read desa list: %w", err)
	}
	places := &Places{desaByKecamatan: map[string]map[string]bool{}, canonical: map[string]string{}}
	for i, record := range records {
		if i == 0 {
			continue // header: kecamatan,desa
		}
		if len(record) != 2 {
			return nil, fmt.Errorf("desa list row %d: want 2 columns, got %d", i+1, len(record))
		}
		kecamatan, desa := strings.TrimSpace(record[0]), strings.TrimSpace(record[1])
		if places.desaByKecamatan[kecamatan] == nil {
			places.desaByKecamatan[kecamatan] = map[string]bool{}
			places.kecamatan = append(places.kecamatan, kecamatan)
		}
		places.desaByKecamatan[kecamatan][desa] = true
		places.canonical[strings.ToLower(kecamatan)] = kecamatan
		places.canonical[strings.ToLower(kecamatan)+"/"+strings.ToLower(desa)] = desa
	}
	sort.Strings(places.kecamatan)
	return places, nil
}

// MustLoad is Load for the embedded list, which a test proves valid.
func MustLoad() *Places {
	places, err := Load()
	if err != nil {
		panic(err)
	}
	return places
}

// Kecamatan lists the kecamatan in alphabetical order.
func (p *Places) Kecamatan() []string { return append([]string(nil), p.kecamatan...) }

// Desa lists the desa of one kecamatan in alphabetical order.
func (p *Places) Desa(kecamatan string) []string {
	var names []string
	for name := range p.desaByKecamatan[kecamatan] {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// Resolve returns the canonical spellings of a kecamatan and desa, matched
// without regard to case, and whether the pair exists.
func (p *Places) Resolve(kecamatan, desa string) (string, string, bool) {
	canonicalKecamatan, ok := p.canonical[strings.ToLower(strings.TrimSpace(kecamatan))]
	if !ok {
		return "", "", false
	}
	canonicalDesa, ok := p.canonical[strings.ToLower(canonicalKecamatan)+"/"+strings.ToLower(strings.TrimSpace(desa))]
	return canonicalKecamatan, canonicalDesa, ok
}

// HasKecamatan reports whether the kecamatan exists.
func (p *Places) HasKecamatan(kecamatan string) bool {
	_, ok := p.canonical[strings.ToLower(strings.TrimSpace(kecamatan))]
	return ok
}
