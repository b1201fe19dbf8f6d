package snapshottest

import (
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

type inner struct {
	amount decimal.Decimal
	at     time.Time
	tags   map[string]int
}

type outer struct {
	Name  string
	parts map[string]*inner
	list  []inner
}

func sample() outer {
	return outer{Name: "a", parts: map[string]*inner{"x": {amount: decimal.RequireFromString("1.50"), at: time.Unix(0, 0), tags: map[string]int{"k": 1}}},
		list: []inner{{amount: decimal.RequireFromString("2")}}}
}

func TestDiff(t *testing.T) {
	if d := Diff(sample(), sample()); d != "" {
		t.Fatalf("equal values differ: %s", d)
	}
	same := sample()
	same.parts["x"].amount = decimal.RequireFromString("1.5")
	same.parts["x"].at = time.Unix(0, 0).In(time.FixedZone("WITA", 8*3600))
	if d := Diff(same, sample()); d != "" {
		t.Errorf("1.5 and 1.50, one instant in two zones: %s", d)
	}
	for name, change := range map[string]func(*outer){
		"unexported map value deep inside": func(o *outer) { o.parts["x"].tags["k"] = 2 },
		"unexported slice decimal":         func(o *outer) { o.list[0].amount = decimal.RequireFromString("3") },
		"exported string":                  func(o *outer) { o.Name = "b" },
		"missing entry":                    func(o *outer) { o.parts = map[string]*inner{"y": o.parts["x"]} },
	} {
		changed := sample()
		change(&changed)
		if d := Diff(changed, sample()); d == "" || !strings.HasPrefix(d, "state") {
			t.Errorf("%s: no difference found (%q)", name, d)
		}
	}
}
