package reference

import "testing"

func TestEmbeddedListHas12KecamatanAnd157Desa(t *testing.T) {
	places, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if got := len(places.Kecamatan()); got != 12 {
		t.Fatalf("kecamatan: got %d, want 12", got)
	}
	total := 0
	for _, kecamatan := range places.Kecamatan() {
		total += len(places.Desa(kecamatan))
	}
	if total != 157 {
		t.Fatalf("desa: got %d, want 157", total)
	}
}

func TestResolve(t *testing.T) {
	places := MustLoad()
	tests := []struct {
		kecamatan, desa string
		ok              bool
	}{
		{"Kusan Hilir", "Muara Pagatan Tengah", true},
		{"kusan hilir", "muara pagatan tengah", true},
		{"Kusan Hilir", "Bunati", false}, // Bunati is in Angsana
		{"Atlantis", "Bunati", false},
	}
	for _, test := range tests {
		_, _, ok := places.Resolve(test.kecamatan, test.desa)
		if ok != test.ok {
			t.Errorf("Resolve(%q, %q) = %v, want %v", test.kecamatan, test.desa, ok, test.ok)
		}
	}
}
