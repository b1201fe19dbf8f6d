package bankstatement

import (
	"bytes"
	"errors"
	"testing"

	"github.com/tanahbumbu/jaminan/domain/command"
)

// FuzzParseStatement: no input makes the parser panic; every rejection is a
// *Error (line and column) or a read error, and every accepted statement is
// one ReconcileStatement takes.
func FuzzParseStatement(f *testing.F) {
	f.Add([]byte("date,reference,amount,counterparty_account,description\n2026-11-03,BPD-1,16800.00,0012,Iuran\n"), false)
	f.Add([]byte("\xef\xbb\xbfdate;reference;amount;counterparty_account;description\n2026-11-03;R;-1.500,50;;\n"), true)
	f.Add([]byte("date,reference,amount\n\"unterminated\n"), false)
	mappings := map[bool]Mapping{false: {}, true: {DecimalComma: true, Delimiter: ";"}}
	f.Fuzz(func(t *testing.T, data []byte, decimalComma bool) {
		lines, err := Parse(bytes.NewReader(data), mappings[decimalComma])
		if err != nil {
			var parseError *Error
			if !errors.As(err, &parseError) || err.Error() == "" {
				t.Fatalf("a rejection that is not a *bankstatement.Error: %v", err)
			}
			return
		}
		statement := command.ReconcileStatement{StatementID: "fuzz", Lines: command.StatementLines{Items: lines}}
		if err := statement.Validate(); err != nil {
			t.Fatalf("an accepted statement that ReconcileStatement refuses: %v", err)
		}
	})
}
