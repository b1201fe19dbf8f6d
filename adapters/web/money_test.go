package web

import "testing"

// Money leaves the API with two places whatever scale the NUMERIC had, and
// what is not a number is an error, not a guess.
func TestTwoPlaces(t *testing.T) {
	tests := []struct{ in, want string }{
		{"1234.50", "1234.50"}, {"0.00", "0.00"}, {"-17.25", "-17.25"},
		{"0", "0.00"}, {"42000000", "42000000.00"}, {"-3", "-3.00"},
		{"12.5", "12.50"}, {"-0.1", "-0.10"},
		{"1.005", "1.01"}, {"-1.005", "-1.01"}, {"2.004", "2.00"}, {"123456789012345678.999", "123456789012345679.00"},
	}
	for _, test := range tests {
		if got, err := twoPlaces(test.in); err != nil || got != test.want {
			t.Errorf("twoPlaces(%q) = %q, %v; want %q", test.in, got, err, test.want)
		}
	}
	for _, bad := range []string{"", "-", "NaN", "Infinity", "1,5", "abc"} {
		if got, err := twoPlaces(bad); err == nil {
			t.Errorf("twoPlaces(%q) = %q, want an error", bad, got)
		}
	}
}
