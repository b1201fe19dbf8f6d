package bankstatement

import (
	"errors"
	"strconv"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name    string
		mapping Mapping
		text    string
		// want is each line as "number date reference amount"
		want []string
	}{
		{
			name: "the default mapping",
			text: "date,reference,amount,counterparty_account,description\n" +
				"2026-11-03,BPD-KALSEL-002,16800.00,0012-01-000123,Iuran Oktober\n" +
				"2026-11-28,BTL-0042,-29998499.50,,\"Santunan JKM, termin 1\"\n",
			want: []string{"2 2026-11-03 BPD-KALSEL-002 16800.00", "3 2026-11-28 BTL-0042 -29998499.50"},
		},
		{
			name: "a byte-order mark, headers in another order and case, thousands separators",
			text: "\ufeffReference,DATE,Description,Amount,Counterparty_Account\r\nX-1,2026-11-03,fee,\"-1,500.50\",\r\n",
			want: []string{"2 2026-11-03 X-1 -1500.50"},
		},
		{
			name: "an Indonesian bank's export: debit and credit, decimal comma, DD/MM/YYYY, semicolons",
			mapping: Mapping{Date: "Tanggal", Reference: "No. Referensi", Debit: "Debet", Credit: "Kredit", CounterpartyAccount: "Rekening Lawan",
				Description: "Keterangan", DateLayout: "02/01/2006", DecimalComma: true, Delimiter: ";"},
			text: "Tanggal;No. Referensi;Keterangan;Rekening Lawan;Debet;Kredit\n" +
				"28/11/2026;BTL-0042;Santunan;0012;29.998.499,50;\n" +
				"03/11/2026;BPD-2;Iuran;0013;;16.800\n" +
				"04/11/2026;BPD-3;Iuran;0013;0;1.234.567,8\n",
			// debit is money out: negative
			want: []string{"2 2026-11-28 BTL-0042 -29998499.50", "3 2026-11-03 BPD-2 16800.00", "4 2026-11-04 BPD-3 1234567.80"},
		},
		{
			name:    "a file without reference and description columns",
			mapping: Mapping{Reference: Absent, Description: Absent, CounterpartyAccount: Absent},
			text:    "date,amount\n2026-11-03,5\n",
			want:    []string{"2 2026-11-03  5.00"},
		},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			lines, err := Parse(strings.NewReader(test.text), test.mapping)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, line := range lines {
				got = append(got, strings.Join([]string{strconv.Itoa(line.Line), line.Date.String(), line.Reference, line.Amount.StringFixed(2)}, " "))
			}
			if strings.Join(got, "|") != strings.Join(test.want, "|") {
				t.Errorf("got %q, want %q", got, test.want)
			}
		})
	}
}

func TestParseRejects(t *testing.T) {
	header := "date,reference,amount,counterparty_account,description\n"
	comma := Mapping{DecimalComma: true, Delimiter: ";"}
	tests := []struct {
		name    string
		mapping Mapping
		text    string
		line    int
		column  string
		message string
	}{
		{"empty", Mapping{}, "", 0, "", "empty"},
		{"header only", Mapping{}, header, 0, "", "no lines"},
		{"a missing column", Mapping{}, "date,reference,counterparty_account,description\n", 1, "amount", "no such column"},
		{"a column twice", Mapping{}, "date,amount,amount,reference,counterparty_account,description\n", 1, "amount", "twice"},
		{"three decimals", Mapping{}, header + "2026-11-03,R,1.005,,\n", 2, "amount", "decimals"},
		{"a float's exponent", Mapping{}, header + "2026-11-03,R,1e6,,\n", 2, "amount", "not an amount"},
		{"a zero amount", Mapping{}, header + "2026-11-03,R,0.00,,\n", 2, "amount", "zero"},
		{"bad grouping", Mapping{}, header + "2026-11-03,R,\"12,34.00\",,\n", 2, "amount", "by three"},
		{"a decimal point in comma mode", comma, "date;reference;amount;counterparty_account;description\n2026-11-03;R;1.500,505;;\n", 2, "amount", "decimals"},
		{"a wrong date", Mapping{}, header + "2026-11-03,R,5,,\n03/11/2026,R,5,,\n", 3, "date", "layout"},
		{"no date", Mapping{}, header + ",R,5,,\n", 2, "date", "empty"},
		{"a short line", Mapping{}, header + "2026-11-03,R,5\n", 2, "", "number of fields"},
		{"an unterminated quote", Mapping{}, header + "2026-11-03,\"R,5,,\n", 2, "", "quote"},
		{"invalid UTF-8", Mapping{}, header + "2026-11-03,R,5,,\xff\n", 2, "", "UTF-8"},
		{"a line break in a reference", Mapping{}, header + "2026-11-03,\"R\nS\",5,,\n", 2, "reference", "control"},
		{"both debit and credit", Mapping{Debit: "debit", Credit: "credit"}, "date,reference,debit,credit,counterparty_account,description\n2026-11-03,R,5,6,,\n", 2, "debit", "both"},
		{"a signed credit", Mapping{Debit: "debit", Credit: "credit"}, "date,reference,debit,credit,counterparty_account,description\n2026-11-03,R,,-6,,\n", 2, "credit", "no sign"},
		{"neither debit nor credit", Mapping{Debit: "debit", Credit: "credit"}, "date,reference,debit,credit,counterparty_account,description\n2026-11-03,R,,,,\n", 2, "debit", "neither"},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(test.text), test.mapping)
			var parseError *Error
			if !errors.As(err, &parseError) {
				t.Fatalf("got %v, want a *bankstatement.Error", err)
			}
			if parseError.Line != test.line || parseError.Column != test.column || !strings.Contains(err.Error(), test.message) {
				t.Errorf("got line %d column %q: %v; want line %d column %q mentioning %q", parseError.Line, parseError.Column, err, test.line, test.column, test.message)
			}
		})
	}
}

func TestParseBoundsTheLines(t *testing.T) {
	text := "date,reference,amount,counterparty_account,description\n" + strings.Repeat("2026-11-03,R,5,,\n", MaxLines+1)
	_, err := Parse(strings.NewReader(text), Mapping{})
	var parseError *Error
	if !errors.As(err, &parseError) || parseError.Line != MaxLines+2 || !strings.Contains(err.Error(), "more than") {
		t.Errorf("%d lines: got %v, want a refusal at line %d", MaxLines+1, err, MaxLines+2)
	}
	_, err = Parse(strings.NewReader(strings.Repeat("x", MaxBytes+1)), Mapping{})
	if err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("an oversized file: got %v", err)
	}
}

func TestMapping(t *testing.T) {
	if got := DefaultMapping(); got.Amount != "amount" || got.DateLayout != "2006-01-02" || got.Delimiter != "," {
		t.Errorf("default mapping: got %+v", got)
	}
	mapping, err := ReadMapping(strings.NewReader(`{"date":"Tanggal","debit":"Debet","credit":"Kredit","date_layout":"02/01/2006","decimal_comma":true,"delimiter":";"}`))
	if err != nil || mapping.Amount != "" || mapping.Reference != "reference" {
		t.Errorf("a bank's mapping: got %+v, %v", mapping, err)
	}
	bad := []struct{ name, json, message string }{
		{"unknown key", `{"datum":"x"}`, "unknown field"},
		{"amount and debit", `{"amount":"a","debit":"d","credit":"c"}`, "not both"},
		{"debit alone", `{"debit":"d"}`, "go together"},
		{"a layout without the day", `{"date_layout":"2006-01"}`, "whole date"},
		{"a two-character delimiter", `{"delimiter":";;"}`, "one character"},
		{"one column twice", `{"reference":"date"}`, "both name"},
	}
	for _, test := range bad {
		t.Run(test.name, func(t *testing.T) {
			if _, err := ReadMapping(strings.NewReader(test.json)); err == nil || !strings.Contains(err.Error(), test.message) {
				t.Errorf("got %v, want an error mentioning %q", err, test.message)
			}
		})
	}
}
