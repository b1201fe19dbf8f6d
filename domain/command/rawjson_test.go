package command

import (
	"strings"
	"testing"

	"github.com/tanahbumbu/jaminan/domain/calendar"
	"github.com/tanahbumbu/jaminan/domain/problem"
)

// What encoding/json would hide: a key given twice (the last wins), a lone
// surrogate escape (mended to U+FFFD), and text no field may hold. Each is
// refused naming the field, wherever in the command it sits.
func TestDecodeRefusesWhatDecodingWouldHide(t *testing.T) {
	const payment = `"command":"RecordPayment","payment_id":"p","payer_id":"x","paid_on":"2024-01-01","bank_reference":"B"`
	const registration = `"command":"RegisterParticipant","nik":"6310060101900009","birth_date":"1990-01-01","category":"kader","segment":"BPU","kecamatan":"Kusan Hilir","desa":"Batuah","payer_id":"x"`
	const claim = `"command":"FileClaim","claim_id":"c","nik":"6310064203820002","programme":"SCHOLARSHIP","benefit":"scholarship","incident_date":"2024-01-01"`
	tests := []struct {
		name, line, code, field string
	}{
		{"a key twice, the larger last", `{` + payment + `,"amount":"1","amount":"999999"}`, "duplicate_key", "amount"},
		{"a JSON number hidden by a string", `{` + payment + `,"amount":1,"amount":"5"}`, "duplicate_key", "amount"},
		{"a key twice in the heir", `{"command":"FileClaim","claim_id":"c","nik":"6310064203820002","programme":"JKM","benefit":"death","incident_date":"2024-01-01","heir":{"name":"A","relationship":"spouse","name":"B"}}`, "duplicate_key", "heir.name"},
		{"a key twice in the second child", `{` + claim + `,"details":{"children":[{"name":"A","birth_date":"2015-01-01","level":"SD","grade":1},{"name":"B","grade":1,"birth_date":"2015-01-01","level":"SD","grade":2}]}}`, "duplicate_key", "details.children[1].grade"},
		{"the command named twice", `{"command":"ApproveClaim","command":"RejectClaim","claim_id":"c","reason":"x"}`, "duplicate_key", "command"},
		{"a lone high surrogate", `{` + registration + `,"name":"Sa\ud800diah"}`, "invalid_text", "name"},
		{"a lone low surrogate", `{` + registration + `,"name":"\udc00"}`, "invalid_text", "name"},
		{"a high surrogate before a letter", `{` + registration + `,"name":"\ud800\u0041"}`, "invalid_text", "name"},
		{"a high surrogate at the end", `{` + registration + `,"name":"Siti\ud83d"}`, "invalid_text", "name"},
		{"a lone surrogate in a child", `{` + claim + `,"details":{"children":[{"name":"\udfff","birth_date":"2015-01-01","level":"SD","grade":1}]}}`, "invalid_text", "details.children[0].name"},
		{"a C1 control (NEL) escaped", `{` + registration + `,"name":"Sa\u0085diah"}`, "invalid_text", "name"},
		{"a C1 control as UTF-8 bytes", "{" + registration + ",\"name\":\"Sa\xc2\x9ediah\"}", "invalid_text", "name"},
		{"DEL", `{` + registration + `,"name":"Siti\u007f"}`, "invalid_text", "name"},
		{"a line break", `{"command":"RejectClaim","claim_id":"c","reason":"a\nb"}`, "invalid_text", "reason"},
		{"a line separator", `{"command":"RejectClaim","claim_id":"c","reason":"a\u2028b"}`, "invalid_text", "reason"},
		{"zero-width characters only", `{` + registration + `,"name":"\u200b\u200c\u200d"}`, "invalid_text", "name"},
		{"a word joiner and a byte-order mark with spaces", `{` + registration + `,"name":" \u2060 \ufeff "}`, "invalid_text", "name"},
		{"a Hangul filler", `{` + registration + `,"name":"\u3164"}`, "invalid_text", "name"},
		{"invisible text in a nested name", `{"command":"FileClaim","claim_id":"c","nik":"6310064203820002","programme":"JKM","benefit":"death","incident_date":"2024-01-01","heir":{"name":"\u200b","relationship":"spouse"}}`, "invalid_text", "heir.name"},
		{"a control in a statement line", `{"command":"ReconcileStatement","statement_id":"s","lines":[{"date":"2025-03-01","amount":"5","description":"Biaya\u0090"}]}`, "invalid_text", "lines[0].description"},
		{"a control in a list of codes", `{"command":"Enroll","nik":"6310064203820002","programmes":["JKK","JK\u0000M"],"effective_date":"2024-01-01","wage":"1"}`, "invalid_text", "programmes[1]"},
		{"nested past the bound", `{"command":"ApproveClaim","claim_id":"c","x":[[[[[[[[[["deep"]]]]]]]]]]}`, "too_deep", "x[0][0][0][0][0][0][0]"},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			_, err := DecodeLine([]byte(test.line))
			domainError, ok := problem.As(err)
			if !ok {
				t.Fatalf("got %v, want %s naming %s", err, test.code, test.field)
			}
			if domainError.Code != test.code || domainError.Field != test.field {
				t.Errorf("got %s/%s (%s), want %s/%s", domainError.Code, domainError.Field, domainError.Message, test.code, test.field)
			}
		})
	}
}

// The positive space: what the rule must let through, stored as sent.
func TestDecodeAcceptsTextThatLooksOdd(t *testing.T) {
	const registration = `"command":"RegisterParticipant","nik":"6310060101900009","birth_date":"1990-01-01","category":"kader","segment":"BPU","kecamatan":"Kusan Hilir","desa":"Batuah","payer_id":"x"`
	for escaped, want := range map[string]string{
		`Siti\u200dAminah`:   "Siti\u200dAminah", // a joiner between letters is text
		`\ud83d\ude00 Siti`:  "😀 Siti",           // a whole surrogate pair is one character
		`Back\\ud800slash`:   `Back\ud800slash`,  // an escaped backslash, not an escape
		"Halimatus Sa'diah":  "Halimatus Sa'diah",
		`Tab\there`:          "Tab\there",
		`\u00c9lise \u00fc`:  "Élise ü",
		`Nur\u00a0Hasanah`:   "Nur\u00a0Hasanah", // a no-break space among letters
		`\u0627\u062d\u0645`: "احم",
	} {
		decoded, err := DecodeLine([]byte(`{` + registration + `,"name":"` + escaped + `"}`))
		if err != nil {
			t.Errorf("%s: %v", escaped, err)
			continue
		}
		if got := decoded.(*RegisterParticipant).FullName; got != want {
			t.Errorf("%s: stored %q, want %q", escaped, got, want)
		}
	}
}

// CheckText is the one rule; checkText (every command's Validate, so CSV
// imports too) applies it, so a command built without JSON is held to it.
func TestValidateAppliesTheTextRule(t *testing.T) {
	for _, name := range []string{"Sa\u0085diah", "\u200b", "a\x00b", "\xffSiti"} {
		command := &RegisterParticipant{NIK: "6310060101900009", FullName: name, BirthDate: rawJSONTestDate(t, "1990-01-01"), Category: "kader", Segment: "BPU", Kecamatan: "Kusan Hilir", Desa: "Batuah", PayerID: "x"}
		err := command.Validate()
		domainError, ok := problem.As(err)
		if !ok || domainError.Code != "invalid_text" || domainError.Field != "name" {
			t.Errorf("name %q: got %v, want invalid_text naming name", name, err)
		}
	}
	if err := CheckText("name", strings.Repeat(" ", 3)); err != nil {
		t.Errorf("whitespace alone is the field's to judge (blank is missing), got %v", err)
	}
}

func rawJSONTestDate(t *testing.T, text string) calendar.Date {
	t.Helper()
	date, err := calendar.ParseDate(text)
	if err != nil {
		t.Fatal(err)
	}
	return date
}
