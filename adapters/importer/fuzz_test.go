package importer

import (
	"bytes"
	"testing"
)

// FuzzReadCSV: no input makes the CSV reader panic; every row it returns is
// a pair of commands that passed validation, or a row error naming the row.
func FuzzReadCSV(f *testing.F) {
	f.Add([]byte("nik,name,birth_date,category,segment,kecamatan,desa,payer_id,programmes,effective_date,wage,declared_income\n" +
		"6310064203820002,Halimatus,1982-03-02,perangkat_desa,PU,Kusan Tengah,Pakatellu,desa-pakatellu,JKK;JKM;JHT,2024-01-01,3000000,\n"))
	f.Add([]byte("\xef\xbb\xbfnik;name\n1;2\n"))
	f.Add([]byte("nik,nik\n\"unterminated\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		batch, err := ReadCSV(bytes.NewReader(data))
		if err != nil {
			return
		}
		for _, row := range batch.Rows {
			if row.Register == nil || row.Enroll == nil {
				t.Fatalf("row %d came back without its commands", row.Number)
			}
		}
		for _, rowError := range batch.Rejected {
			if rowError.Row < 1 || rowError.Message == "" {
				t.Fatalf("a row error without a row or a reason: %+v", rowError)
			}
		}
	})
}
