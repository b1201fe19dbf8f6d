package httpapi

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tanahbumbu/jaminan/adapters/directory"
	pgstore "github.com/tanahbumbu/jaminan/adapters/eventstore/postgres"
	"github.com/tanahbumbu/jaminan/adapters/postgres/pgtest"
	"github.com/tanahbumbu/jaminan/adapters/tokens"
	"github.com/tanahbumbu/jaminan/app"
	"github.com/tanahbumbu/jaminan/domain/access"
	"github.com/tanahbumbu/jaminan/domain/command"
	"github.com/tanahbumbu/jaminan/domain/reference"
	"github.com/tanahbumbu/jaminan/domain/rules"
	"github.com/tanahbumbu/jaminan/projections"
)

// badInputFixture is the API (authentication off: this file is about input,
// not tokens) over a throwaway database holding one payer, one enrolled
// village official, a bill and a filed claim, so that every field of every
// command below has something real to be wrong about.
type badInputFixture struct {
	database    *pgtest.Database
	runner      *projections.Runner
	handler     http.Handler
	application *app.Application
}

func newBadInputFixture(t *testing.T) *badInputFixture {
	t.Helper()
	ctx := context.Background()
	database := pgtest.New(t)
	application, runner := badInputApplication(t, database.Pool)
	for _, line := range []string{
		`{"command":"RegisterPayer","payer_id":"desa-pakatellu","name":"Pemerintah Desa Pakatellu","kind":"village_government","risk_class":1}`,
		`{"command":"RegisterParticipant","nik":"6310064203820002","name":"Halimatus Sa'diah","birth_date":"1982-03-02","category":"perangkat_desa","segment":"PU","kecamatan":"Kusan Tengah","desa":"Pakatellu","payer_id":"desa-pakatellu"}`,
		`{"command":"Enroll","nik":"6310064203820002","programmes":["JKK","JKM","JHT"],"effective_date":"2021-01-01","wage":"3000000"}`,
		`{"command":"AssessContributions","payer_id":"desa-pakatellu","period":"2024-02"}`,
		`{"command":"ReportDeath","nik":"6310064203820002","date":"2024-03-10","cause":"other"}`,
		`{"command":"FileClaim","claim_id":"jkm-1","nik":"6310064203820002","programme":"JKM","benefit":"death","incident_date":"2024-03-10","heir":{"name":"Muhammad Ridwan","relationship":"spouse"}}`,
	} {
		decoded, err := command.DecodeLine([]byte(line))
		if err != nil {
			t.Fatalf("seed %s: %v", line, err)
		}
		if _, err := application.Execute(ctx, decoded, app.Meta{Actor: "seed", Source: "test"}); err != nil {
			t.Fatalf("seed %s: %v", line, err)
		}
	}
	handler, err := NewWithConfig(Config{Application: application, Pool: database.Pool, Runner: runner,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), AuthDisabled: true})
	if err != nil {
		t.Fatal(err)
	}
	return &badInputFixture{database: database, runner: runner, handler: handler, application: application}
}

// badInputApplication wires the command path as cmd/jaminan's wire does.
func badInputApplication(t *testing.T, pool *pgxpool.Pool) (*app.Application, *projections.Runner) {
	t.Helper()
	store, err := pgstore.New(pool, pgstore.Config{})
	if err != nil {
		t.Fatal(err)
	}
	nikDirectory, err := directory.NewPostgres(pool, directory.DevelopmentKey)
	if err != nil {
		t.Fatal(err)
	}
	application, err := app.New(app.Config{Store: store, Directory: nikDirectory, Library: rules.Default(), Places: reference.MustLoad(),
		Now: func() time.Time { return time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	runner, err := projections.NewRunner(projections.Config{Pool: pool, Store: store, Decode: application.DecodeTransient, Projections: projections.All()})
	if err != nil {
		t.Fatal(err)
	}
	return application, runner
}

// written counts what a command could leave behind: events, and NIKs reserved in the directory.
func (f *badInputFixture) written(t *testing.T) (events, reserved int) {
	t.Helper()
	err := f.database.Pool.QueryRow(context.Background(), `SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM participant_directory)`).Scan(&events, &reserved)
	if err != nil {
		t.Fatal(err)
	}
	return events, reserved
}

// badInputProblem is the part of a problem document these tests read.
type badInputProblem struct {
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Field  string `json:"field"`
}

func (f *badInputFixture) post(t *testing.T, name, body string, headers ...string) (*httptest.ResponseRecorder, badInputProblem) {
	t.Helper()
	request := httptest.NewRequest(http.MethodPost, "/api/v1/commands/"+name, strings.NewReader(body))
	request.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		request.Header.Set(headers[i], headers[i+1])
	}
	recorder := httptest.NewRecorder()
	f.handler.ServeHTTP(recorder, request)
	var document badInputProblem
	if recorder.Code != http.StatusOK {
		if err := json.Unmarshal(recorder.Body.Bytes(), &document); err != nil {
			t.Errorf("%d answer is not a problem document: %v\n%s", recorder.Code, err, recorder.Body)
		}
	}
	return recorder, document
}

// badInputCase is one row of docs/bad-input.md.
type badInputCase struct {
	class, name, command, body string
	headers                    []string
	status                     int
	code, field                string
}

// A valid payment and a valid registration, spoilt one field at a time below.
const (
	payment      = `"payment_id":"pay-x","payer_id":"desa-pakatellu","paid_on":"2024-03-10","bank_reference":"BPD-1"`
	registration = `"nik":"6310060101900009","birth_date":"1990-01-01","category":"kader","segment":"BPU","kecamatan":"Kusan Hilir","desa":"Batuah","payer_id":"desa-pakatellu"`
)

// badInputCases: every class of docs/bad-input.md. Whole-body errors
// (not JSON, not an object, too large) have no field, or "body".
var badInputCases = []badInputCase{
	{"malformed JSON", "cut short", "RecordPayment", `{"payment_id":"pay-x",`, nil, 400, "malformed_json", ""},
	{"malformed JSON", "not an object", "RecordPayment", `["pay-x"]`, nil, 400, "malformed_json", ""},
	{"malformed JSON", "empty body", "RecordPayment", ``, nil, 400, "malformed_json", ""},
	{"malformed JSON", "two objects", "ApproveClaim", `{"claim_id":"jkm-1"}{"claim_id":"jkm-1"}`, nil, 400, "malformed_json", ""},
	{"malformed JSON", "single quotes", "ApproveClaim", `{'claim_id':'jkm-1'}`, nil, 400, "malformed_json", ""},
	{"wrong types", "risk class as a string", "RegisterPayer", `{"payer_id":"p2","name":"P","kind":"regency","risk_class":"1"}`, nil, 400, "invalid_type", "risk_class"},
	{"wrong types", "programmes as a string", "Enroll", `{"nik":"6310064203820002","programmes":"JKK","effective_date":"2024-01-01","wage":"3000000"}`, nil, 400, "invalid_type", "programmes"},
	{"wrong types", "NIK as a number", "ReportDeath", `{"nik":6310064203820002,"date":"2024-03-10","cause":"other"}`, nil, 400, "invalid_type", "nik"},
	{"wrong types", "heir as a string", "FileClaim", `{"claim_id":"jkm-2","nik":"6310064203820002","programme":"JKM","benefit":"death","incident_date":"2024-03-10","heir":"Ridwan"}`, nil, 400, "invalid_type", "heir"},
	{"wrong types", "period as a number", "AssessContributions", `{"payer_id":"desa-pakatellu","period":202401}`, nil, 400, "invalid_type", "period"},
	{"wrong types", "a date as a list", "ReportDeath", `{"nik":"6310064203820002","date":["2024-03-10"],"cause":"other"}`, nil, 400, "invalid_type", "date"},
	{"wrong types", "a rate as a number", "CreditJHTReturn", `{"nik":"6310064203820002","year":2024,"rate_percent":5.63,"source":"x"}`, nil, 400, "rate_not_string", "rate_percent"},
	{"wrong types", "money as true", "RecordPayment", `{"payment_id":"pay-x","payer_id":"desa-pakatellu","paid_on":"2024-03-01","bank_reference":"BPD-1","amount":true}`, nil, 400, "money_not_string", "amount"},
	{"floats for money", "amount as a JSON number with cents", "RecordPayment", `{` + payment + `,"amount":187200.5}`, nil, 400, "money_not_string", "amount"},
	{"floats for money", "amount as a whole JSON number", "RecordPayment", `{` + payment + `,"amount":187200}`, nil, 400, "money_not_string", "amount"},
	{"floats for money", "three decimals", "RecordPayment", `{` + payment + `,"amount":"187200.005"}`, nil, 422, "invalid_money", "amount"},
	{"huge numbers", "1e400 as a JSON number", "RecordPayment", `{` + payment + `,"amount":1e400}`, nil, 400, "money_not_string", "amount"},
	{"huge numbers", "1e400 as a string", "RecordPayment", `{` + payment + `,"amount":"1e400"}`, nil, 422, "invalid_money", "amount"},
	{"huge numbers", "40 digits", "RecordPayment", `{` + payment + `,"amount":"1234567890123456789012345678901234567890"}`, nil, 422, "invalid_money", "amount"},
	{"huge numbers", "17 digits, over NUMERIC(18,2)", "RecordPayment", `{` + payment + `,"amount":"12345678901234567"}`, nil, 422, "invalid_money", "amount"},
	{"huge numbers", "risk class of 40 digits", "RegisterPayer", `{"payer_id":"p2","name":"P","kind":"regency","risk_class":1234567890123456789012345678901234567890}`, nil, 400, "invalid_type", "risk_class"},
	{"huge numbers", "grade of 1e400", "FileClaim", `{"claim_id":"s-1","nik":"6310064203820002","programme":"SCHOLARSHIP","benefit":"scholarship","incident_date":"2024-03-10","details":{"children":[{"name":"A","birth_date":"2015-01-01","level":"SD","grade":1e400}]}}`, nil, 400, "invalid_type", "details.children[0].grade"},
	{"negative amounts", "negative payment", "RecordPayment", `{` + payment + `,"amount":"-187200"}`, nil, 422, "negative_amount", "amount"},
	{"negative amounts", "negative wage", "ChangeWage", `{"nik":"6310064203820002","effective_date":"2024-04-01","wage":"-1"}`, nil, 422, "negative_amount", "wage"},
	{"negative amounts", "zero payout", "RecordPayout", `{"payout_id":"po-1","claim_id":"jkm-1","amount":"0","paid_on":"2026-11-28","bank_reference":"B"}`, nil, 422, "invalid_money", "amount"},
	{"negative amounts", "NaN", "RecordPayment", `{` + payment + `,"amount":"NaN"}`, nil, 422, "invalid_money", "amount"},
	{"dates out of range", "30 February", "ReportDeath", `{"nik":"6310064203820002","date":"2026-02-30","cause":"other"}`, nil, 422, "invalid_value", "date"},
	{"dates out of range", "month 13", "AssessContributions", `{"payer_id":"desa-pakatellu","period":"2024-13"}`, nil, 422, "invalid_value", "period"},
	{"dates out of range", "year 0001", "RecordPayment", `{"payment_id":"pay-x","payer_id":"desa-pakatellu","paid_on":"0001-01-01","bank_reference":"BPD-1","amount":"1000"}`, nil, 422, "invalid_value", "paid_on"},
	{"dates out of range", "five-digit year", "RecordPayment", `{"payment_id":"pay-x","payer_id":"desa-pakatellu","paid_on":"10000-01-01","bank_reference":"BPD-1","amount":"1000"}`, nil, 422, "invalid_value", "paid_on"},
	{"dates out of range", "born in year 0001", "RegisterParticipant", `{"nik":"6310060101900009","name":"X","birth_date":"0001-01-01","category":"kader","segment":"BPU","kecamatan":"Kusan Hilir","desa":"Batuah","payer_id":"desa-pakatellu"}`, nil, 422, "invalid_value", "birth_date"},
	{"dates out of range", "a local date format", "ReportDeath", `{"nik":"6310064203820002","date":"10/03/2024","cause":"other"}`, nil, 422, "invalid_value", "date"},
	{"unknown enums", "payer kind", "RegisterPayer", `{"payer_id":"p2","name":"P","kind":"bank","risk_class":1}`, nil, 422, "unknown_value", "kind"},
	{"unknown enums", "category", "RegisterParticipant", `{"nik":"6310060101900009","name":"X","birth_date":"1990-01-01","category":"lurah","segment":"BPU","kecamatan":"Kusan Hilir","desa":"Batuah","payer_id":"desa-pakatellu"}`, nil, 422, "unknown_value", "category"},
	{"unknown enums", "programme", "Enroll", `{"nik":"6310064203820002","programmes":["JKK","JKP"],"effective_date":"2024-01-01","wage":"3000000"}`, nil, 422, "unknown_value", "programmes"},
	{"unknown enums", "heir relationship", "FileClaim", `{"claim_id":"jkm-2","nik":"6310064203820002","programme":"JKM","benefit":"death","incident_date":"2024-03-10","heir":{"name":"A","relationship":"friend"}}`, nil, 422, "unknown_value", "heir.relationship"},
	{"unknown enums", "risk class 6", "RegisterPayer", `{"payer_id":"p2","name":"P","kind":"regency","risk_class":6}`, nil, 422, "invalid_risk_class", "risk_class"},
	{"unknown enums", "no risk class", "RegisterPayer", `{"payer_id":"p2","name":"P","kind":"regency"}`, nil, 422, "missing_field", "risk_class"},
	{"unknown enums", "the member's own NIK as the heir's", "FileClaim", `{"claim_id":"jkm-2","nik":"6310064203820002","programme":"JKM","benefit":"death","incident_date":"2024-03-10","heir":{"name":"A","relationship":"spouse","nik":"6310064203820002"}}`, nil, 422, "heir_is_member", "heir.nik"},
	{"unknown enums", "command", "DeleteEverything", `{}`, nil, 400, "unknown_command", "command"},
	{"unknown enums", "field", "ApproveClaim", `{"claim_id":"jkm-1","amount":"1"}`, nil, 400, "unknown_field", "amount"},
	{"injection", "SQL in an id", "ApproveClaim", `{"claim_id":"x'); DROP TABLE events;--"}`, nil, 422, "invalid_id", "claim_id"},
	{"injection", "SQL in a NIK", "ReportDeath", `{"nik":"1' OR '1'='1","date":"2024-03-10","cause":"other"}`, nil, 422, "invalid_nik", "nik"},
	{"injection", "script in a payer id", "RegisterPayer", `{"payer_id":"<script>alert(1)</script>","name":"P","kind":"regency","risk_class":1}`, nil, 422, "invalid_id", "payer_id"},
	{"injection", "NUL in a reason", "RejectClaim", `{"claim_id":"jkm-1","reason":"a\u0000b"}`, nil, 422, "invalid_text", "reason"},
	{"wrong encodings", "a Latin-1 name", "RegisterParticipant", "{" + registration + ",\"name\":\"Sa\xe9diah\"}", nil, 422, "invalid_utf8", "name"},
	{"wrong encodings", "a Latin-1 key", "RegisterParticipant", "{" + registration + ",\"n\xe4me\":\"Sadiah\"}", nil, 422, "invalid_utf8", ""},
	{"oversized", "body over 64 KiB", "RejectClaim", `{"claim_id":"jkm-1","reason":"` + strings.Repeat("x", command.MaxCommandBytes) + `"}`, nil, 413, "too_large", "body"},
	{"oversized", "a name of 10,000 characters", "RegisterParticipant", `{` + registration + `,"name":"` + strings.Repeat("a", 10_000) + `"}`, nil, 422, "too_long", "name"},
	{"oversized", "17 children", "FileClaim", `{"claim_id":"s-1","nik":"6310064203820002","programme":"SCHOLARSHIP","benefit":"scholarship","incident_date":"2024-03-10","details":{"children":[` + strings.TrimSuffix(strings.Repeat(`{"name":"A","birth_date":"2015-01-01","level":"SD","grade":1},`, 17), ",") + `]}}`, nil, 422, "too_many", "details.children"},
	{"oversized", "Idempotency-Key of 201 characters", "ApproveClaim", `{"claim_id":"jkm-1"}`, []string{"Idempotency-Key", strings.Repeat("k", 201)}, 400, "invalid_idempotency_key", "Idempotency-Key"},
	{"invalid header", "a Latin-1 byte in an Idempotency-Key", "ApproveClaim", `{"claim_id":"jkm-1"}`, []string{"Idempotency-Key", "k\xff"}, 400, "invalid_header", "Idempotency-Key"},
	{"invalid header", "a Latin-1 byte in an If-Match", "ApproveClaim", `{"claim_id":"jkm-1"}`, []string{"If-Match", "\"claim-jkm\xff@1\""}, 400, "invalid_header", "If-Match"},
	{"invalid header", "broken UTF-8 in an If-Match's stream", "ApproveClaim", `{"claim_id":"jkm-1"}`, []string{"If-Match", "\"claim-\xc3\x28@1\""}, 400, "invalid_header", "If-Match"},
	{"invalid header", "a tab in a correlation id", "ApproveClaim", `{"claim_id":"jkm-1"}`, []string{"X-Correlation-ID", "a\tb"}, 400, "invalid_header", "X-Correlation-ID"},
	{"duplicate keys", "amount twice, the larger last", "RecordPayment", `{` + payment + `,"amount":"1","amount":"999999"}`, nil, 400, "duplicate_key", "amount"},
	{"duplicate keys", "a JSON number behind a string", "RecordPayment", `{` + payment + `,"amount":1,"amount":"5"}`, nil, 400, "duplicate_key", "amount"},
	{"duplicate keys", "twice in the heir", "FileClaim", `{"claim_id":"jkm-2","nik":"6310064203820002","programme":"JKM","benefit":"death","incident_date":"2024-03-10","heir":{"name":"A","relationship":"spouse","relationship":"child"}}`, nil, 400, "duplicate_key", "heir.relationship"},
	{"control and invisible text", "a C1 control (U+0085) in a name", "RegisterParticipant", `{` + registration + `,"name":"Sa\u0085diah"}`, nil, 422, "invalid_text", "name"},
	{"control and invisible text", "a C1 control as UTF-8 bytes", "RegisterParticipant", "{" + registration + ",\"name\":\"Sa\xc2\x9ediah\"}", nil, 422, "invalid_text", "name"},
	{"control and invisible text", "a lone surrogate in a name", "RegisterParticipant", `{` + registration + `,"name":"Sa\ud800diah"}`, nil, 422, "invalid_text", "name"},
	{"control and invisible text", "a name of zero-width characters", "RegisterParticipant", `{` + registration + `,"name":"\u200b\u200c\u200d"}`, nil, 422, "invalid_text", "name"},
	{"control and invisible text", "a reason of a byte-order mark and spaces", "RejectClaim", `{"claim_id":"jkm-1","reason":" \ufeff "}`, nil, 422, "invalid_text", "reason"},
	{"media types", "text/plain", "RecordPayment", `{` + payment + `,"amount":"1000"}`, []string{"Content-Type", "text/plain"}, 415, "unsupported_media_type", "Content-Type"},
	{"media types", "a form", "RecordPayment", `{` + payment + `,"amount":"1000"}`, []string{"Content-Type", "application/x-www-form-urlencoded"}, 415, "unsupported_media_type", "Content-Type"},
	{"media types", "a multipart form", "RecordPayment", `{` + payment + `,"amount":"1000"}`, []string{"Content-Type", "multipart/form-data; boundary=x"}, 415, "unsupported_media_type", "Content-Type"},
	{"media types", "no Content-Type", "RecordPayment", `{` + payment + `,"amount":"1000"}`, []string{"Content-Type", ""}, 415, "unsupported_media_type", "Content-Type"},
	{"media types", "JSON in Latin-1", "RecordPayment", `{` + payment + `,"amount":"1000"}`, []string{"Content-Type", "application/json; charset=iso-8859-1"}, 415, "unsupported_media_type", "Content-Type"},
}

// TestBadInputIsRefusedAndWritesNothing posts every case of docs/bad-input.md
// to the real handler: each is a 4xx problem document (never a 500) naming
// the field at fault, and neither the log nor the NIK directory moves.
func TestBadInputIsRefusedAndWritesNothing(t *testing.T) {
	t.Parallel()
	fixture := newBadInputFixture(t)
	events, reserved := fixture.written(t)
	for _, test := range badInputCases {
		t.Run(test.class+"/"+test.name, func(t *testing.T) {
			recorder, document := fixture.post(t, test.command, test.body, test.headers...)
			if recorder.Code < 400 || recorder.Code > 499 {
				t.Fatalf("status %d, want 4xx: %s", recorder.Code, recorder.Body)
			}
			if recorder.Code != test.status || document.Title != test.code || document.Field != test.field {
				t.Errorf("got %d %s field %q (%s), want %d %s field %q", recorder.Code, document.Title, document.Field, document.Detail,
					test.status, test.code, test.field)
			}
			if document.Status != recorder.Code || document.Detail == "" {
				t.Errorf("problem document: status %d and detail %q, want %d and a reason", document.Status, document.Detail, recorder.Code)
			}
			if afterEvents, afterReserved := fixture.written(t); afterEvents != events || afterReserved != reserved {
				t.Errorf("refused, yet %d event(s) and %d NIK(s) were written", afterEvents-events, afterReserved-reserved)
			}
		})
	}
}

// TestInjectionInTextIsStoredAsData: a name that is also SQL or a script is a
// valid name. It is stored verbatim as data, not executed (the events table
// is still there and counts one participant more), read back byte for byte,
// and the API's JSON escapes it so no page that shows it runs it.
func TestInjectionInTextIsStoredAsData(t *testing.T) {
	t.Parallel()
	fixture := newBadInputFixture(t)
	ctx := context.Background()
	for i, name := range []string{`Robert'); DROP TABLE events;--`, `<script>alert("x")</script>`, `Siti" OR 1=1; --`} {
		nik := "631006010190001" + string(rune('0'+i))
		events, _ := fixture.written(t)
		recorder, document := fixture.post(t, "RegisterParticipant", `{"nik":"`+nik+`","name":`+jsonString(name)+`,"birth_date":"1990-01-01","category":"kader","segment":"BPU","kecamatan":"Kusan Hilir","desa":"Batuah","payer_id":"desa-pakatellu"}`)
		if recorder.Code != http.StatusOK {
			t.Fatalf("%q: got %d %+v, want it registered", name, recorder.Code, document)
		}
		if after, _ := fixture.written(t); after != events+1 {
			t.Errorf("%q: %d event(s) appended, want 1", name, after-events)
		}
		if strings.Contains(recorder.Body.String(), "<script>") {
			t.Errorf("%q: the JSON answer carries the markup unescaped: %s", name, recorder.Body)
		}
		var stored string
		if err := fixture.database.Pool.QueryRow(ctx, `SELECT data->>'name' FROM events WHERE type = 'ParticipantRegistered' AND data->>'nik' = $1`, nik).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if stored != name {
			t.Errorf("stored name %q, want %q verbatim", stored, name)
		}
	}
	if _, err := fixture.runner.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	var names int
	if err := fixture.database.Pool.QueryRow(ctx, `SELECT count(*) FROM rm_participants WHERE name IN ($1, $2, $3)`,
		`Robert'); DROP TABLE events;--`, `<script>alert("x")</script>`, `Siti" OR 1=1; --`).Scan(&names); err != nil {
		t.Fatal(err)
	}
	if names != 3 {
		t.Errorf("read model: %d of the 3 names stored verbatim", names)
	}
}

// TestUnreachableDatabaseIs503 is the outage in miniature (make soak restarts
// PostgreSQL for real): with the database gone, a command is answered 503
// with Retry-After, never 500, so a client knows to retry it.
func TestUnreachableDatabaseIs503(t *testing.T) {
	t.Parallel()
	fixture := newBadInputFixture(t)
	// Port 1 on loopback: nothing listens there, so every connection is refused at once.
	gone, err := pgxpool.New(context.Background(), "postgres://postgres@127.0.0.1:1/none?sslmode=disable&connect_timeout=2")
	if err != nil {
		t.Fatal(err)
	}
	defer gone.Close()
	application, runner := badInputApplication(t, gone)
	handler, err := NewWithConfig(Config{Application: application, Pool: gone, Runner: runner,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), AuthDisabled: true})
	if err != nil {
		t.Fatal(err)
	}
	fixture.handler = handler
	for _, idempotencyKey := range []string{"", "retry-1"} {
		recorder, document := fixture.post(t, "ApproveClaim", `{"claim_id":"jkm-1"}`, "Idempotency-Key", idempotencyKey)
		if recorder.Code != http.StatusServiceUnavailable || recorder.Header().Get("Retry-After") == "" {
			t.Errorf("Idempotency-Key %q: got %d (Retry-After %q) %+v, want 503 with Retry-After", idempotencyKey, recorder.Code,
				recorder.Header().Get("Retry-After"), document)
		}
	}
}

func jsonString(text string) string {
	encoded, _ := json.Marshal(text) // a string always encodes
	return string(encoded)
}

// badRequestCase is one row of docs/bad-input.md about a request rather
// than a command body: its path, its query, its media type, a token body.
type badRequestCase struct {
	class, name, method, path, contentType, body string
	status                                       int
	code, field                                  string
}

// cursorOf is a next_cursor as lists.go writes one, around any raw JSON.
func cursorOf(rawJSON string) string { return base64.RawURLEncoding.EncodeToString([]byte(rawJSON)) }

var badRequestCases = []badRequestCase{
	{"invalid path", "NUL in a claim id", "GET", "/api/v1/claims/%00", "", "", 400, "invalid_path", "path"},
	{"invalid path", "a Latin-1 byte in a NIK", "GET", "/api/v1/participants/%FF", "", "", 400, "invalid_path", "path"},
	{"invalid path", "NUL in a NIK's history", "GET", "/api/v1/participants/%00/history", "", "", 400, "invalid_path", "path"},
	{"invalid path", "NUL inside a payer id", "GET", "/api/v1/payers/desa%00x", "", "", 400, "invalid_path", "path"},
	{"invalid path", "broken UTF-8 in a statement id", "GET", "/api/v1/reconciliations/%C3%28", "", "", 400, "invalid_path", "path"},
	{"invalid path", "a C1 control in a claim's history", "GET", "/api/v1/claims/jkm%C2%851/history", "", "", 400, "invalid_path", "path"},
	{"invalid path", "NUL in a token id", "DELETE", "/api/v1/tokens/%00", "", "", 400, "invalid_path", "path"},
	{"invalid path", "NUL in a command's name", "POST", "/api/v1/commands/Approve%00Claim", "application/json", `{"claim_id":"jkm-1"}`, 400, "invalid_path", "path"},
	{"invalid query", "NUL in a filter", "GET", "/api/v1/participants?kecamatan=%00", "", "", 400, "invalid_query", "kecamatan"},
	{"unknown parameter", "a misspelt filter of a list", "GET", "/api/v1/participants?kecamatn=Kusan%20Hilir", "", "", 400, "unknown_filter", "kecamatn"},
	{"unknown parameter", "a parameter the history does not take", "GET", "/api/v1/claims/jkm-1/history?as_at=2024-01-01", "", "", 400, "unknown_parameter", "as_at"},
	{"unknown parameter", "a parameter the route does not take", "GET", "/api/v1/status?verbose=1", "", "", 400, "unknown_parameter", "verbose"},
	{"invalid query", "a Latin-1 byte in a filter", "GET", "/api/v1/claims?status=%FF", "", "", 400, "invalid_query", "status"},
	{"invalid query", "NUL in a bundle's kecamatan", "GET", "/api/v1/audit/bundle?kecamatan=%00", "", "", 400, "invalid_query", "kecamatan"},
	{"invalid query", "NUL in a bundle's NIK", "GET", "/api/v1/audit/bundle?participant=6310064203820002%00", "", "", 400, "invalid_query", "participant"},
	{"invalid query", "NUL in an export's statement id", "GET", "/api/v1/exports/reconciliation?statement_id=%00", "", "", 400, "invalid_query", "statement_id"},
	{"invalid query", "NUL in a statement id of a CSV statement", "POST", "/api/v1/reconciliations?statement_id=s%00", "text/csv", "date,reference,amount,counterparty_account,description\n2024-03-01,R,5,,\n", 400, "invalid_query", "statement_id"},
	{"invalid query", "NUL in a parameter's name", "GET", "/api/v1/participants?kec%00amatan=x", "", "", 400, "invalid_query", "query"},
	{"invalid query", "a malformed escape", "GET", "/api/v1/participants?kecamatan=%zz", "", "", 400, "invalid_query", "kecamatan"},
	{"invalid cursor", "a cursor holding NUL", "GET", "/api/v1/participants?after=" + cursorOf(`["\u0000"]`), "", "", 400, "invalid_cursor", "after"},
	{"invalid cursor", "a cursor holding a C1 control", "GET", "/api/v1/claims?after=" + cursorOf(`["jkm\u0085"]`), "", "", 400, "invalid_cursor", "after"},
	{"invalid cursor", "a cursor holding a Latin-1 byte", "GET", "/api/v1/payouts?after=" + cursorOf("[\"\xff\"]"), "", "", 400, "invalid_cursor", "after"},
	{"media types", "a token as text/plain", "POST", "/api/v1/tokens", "text/plain", `{"name":"plain","role":"auditor"}`, 415, "unsupported_media_type", "Content-Type"},
	{"media types", "a statement with no Content-Type", "POST", "/api/v1/reconciliations", "", `{"statement_id":"s","lines":[{"date":"2024-03-01","amount":"5"}]}`, 415, "unsupported_media_type", "Content-Type"},
	{"media types", "a statement as a form", "POST", "/api/v1/reconciliations?statement_id=s", "application/x-www-form-urlencoded", "date,reference,amount,counterparty_account,description\n2024-03-01,R,5,,\n", 415, "unsupported_media_type", "Content-Type"},
	{"duplicate keys", "a token's role twice", "POST", "/api/v1/tokens", "application/json", `{"name":"twice","role":"auditor","role":"admin"}`, 400, "duplicate_key", "role"},
	{"duplicate keys", "a statement line's amount twice", "POST", "/api/v1/reconciliations", "application/json", `{"statement_id":"s","lines":[{"date":"2024-03-01","amount":"5","amount":"500"}]}`, 400, "duplicate_key", "lines[0].amount"},
}

// TestBadRequestsAreRefusedAndWriteNothing sends every request case of
// docs/bad-input.md through the whole router: each is a 4xx problem document
// naming the field (never a 500, never a database encoding error), and
// neither the log, the NIK directory nor the tokens move.
func TestBadRequestsAreRefusedAndWriteNothing(t *testing.T) {
	t.Parallel()
	fixture := newBadInputFixture(t)
	written := func() [3]int {
		events, reserved := fixture.written(t)
		var tokens int
		if err := fixture.database.Pool.QueryRow(context.Background(), `SELECT count(*) FROM api_tokens`).Scan(&tokens); err != nil {
			t.Fatal(err)
		}
		return [3]int{events, reserved, tokens}
	}
	before := written()
	for _, test := range badRequestCases {
		t.Run(test.class+"/"+test.name, func(t *testing.T) {
			request := httptest.NewRequest(test.method, "http://jaminan.test"+test.path, strings.NewReader(test.body))
			if test.contentType != "" {
				request.Header.Set("Content-Type", test.contentType)
			}
			recorder := httptest.NewRecorder()
			fixture.handler.ServeHTTP(recorder, request)
			var document badInputProblem
			_ = json.Unmarshal(recorder.Body.Bytes(), &document)
			if recorder.Code != test.status || document.Title != test.code || document.Field != test.field {
				t.Errorf("got %d %s field %q (%s), want %d %s field %q", recorder.Code, document.Title, document.Field, document.Detail,
					test.status, test.code, test.field)
			}
			if document.Status != recorder.Code || document.Detail == "" {
				t.Errorf("not a problem document: %s", recorder.Body)
			}
			if after := written(); after != before {
				t.Errorf("refused, yet events, directory and tokens went from %v to %v", before, after)
			}
		})
	}
}

// TestJSONWithACharsetIsAccepted: the media type's parameters are allowed
// when they say UTF-8, in any spelling.
func TestJSONWithACharsetIsAccepted(t *testing.T) {
	t.Parallel()
	fixture := newBadInputFixture(t)
	for i, contentType := range []string{"application/json; charset=utf-8", "Application/JSON;charset=UTF-8", "application/json"} {
		recorder, document := fixture.post(t, "RegisterPayer", fmt.Sprintf(`{"payer_id":"charset-%d","name":"P","kind":"regency","risk_class":1}`, i), "Content-Type", contentType)
		if recorder.Code != http.StatusOK {
			t.Errorf("%s: %d %+v, want 200", contentType, recorder.Code, document)
		}
	}
}

// TestSlowBodyIsCutOff: a client that trickles its body one byte at a time
// is answered 408 once the body read timeout passes, long before it has sent
// the whole body, and nothing is written. The pacing below is the slow
// client's, not an assertion on time: the test asserts only that it ends.
func TestSlowBodyIsCutOff(t *testing.T) {
	t.Parallel()
	fixture := newBadInputFixture(t)
	handler, err := NewWithConfig(Config{Application: fixture.application, Pool: fixture.database.Pool, Runner: fixture.runner,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), AuthDisabled: true, BodyReadTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	server := httptest.NewServer(handler)
	defer server.Close()
	events, reserved := fixture.written(t)
	connection, err := net.Dial("tcp", server.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer connection.Close()
	body := `{"claim_id":"jkm-1","reason":"` + strings.Repeat("x", 1000) + `"}`
	if _, err := fmt.Fprintf(connection, "POST /api/v1/commands/RejectClaim HTTP/1.1\r\nHost: jaminan.test\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", len(body)); err != nil {
		t.Fatal(err)
	}
	answered := make(chan *http.Response, 1)
	go func() {
		response, err := http.ReadResponse(bufio.NewReader(connection), nil)
		if err != nil {
			response = nil
		}
		answered <- response
	}()
	sent := 0
	var response *http.Response
trickle:
	for sent < len(body) {
		select {
		case response = <-answered:
			break trickle
		case <-time.After(10 * time.Millisecond):
			if _, err := connection.Write([]byte{body[sent]}); err != nil {
				response = <-answered // the server hung up: its answer, if any, is on the way
				break trickle
			}
			sent++
		}
	}
	if sent == len(body) {
		t.Fatalf("the server read all %d trickled bytes: the body has no read timeout", sent)
	}
	if response == nil {
		t.Fatalf("the connection closed after %d of %d bytes without an answer, want 408", sent, len(body))
	}
	defer response.Body.Close()
	var document badInputProblem
	_ = json.NewDecoder(response.Body).Decode(&document)
	if response.StatusCode != http.StatusRequestTimeout || document.Title != "body_timeout" || document.Field != "body" {
		t.Errorf("after %d of %d bytes: %d %+v, want 408 body_timeout", sent, len(body), response.StatusCode, document)
	}
	if afterEvents, afterReserved := fixture.written(t); afterEvents != events || afterReserved != reserved {
		t.Errorf("a cut-off body wrote %d event(s)", afterEvents-events)
	}
}

// TestTokenRevokeTakesTheExactID: a token named like another's id is not
// revoked with it, and a name is not an id.
func TestTokenRevokeTakesTheExactID(t *testing.T) {
	t.Parallel()
	fixture := newBadInputFixture(t)
	ctx := context.Background()
	store := tokens.New(fixture.database.Pool)
	_, first, err := store.Create(ctx, "first.holder", access.Auditor)
	if err != nil {
		t.Fatal(err)
	}
	_, namesake, err := store.Create(ctx, first.ID, access.Auditor) // named like first's id
	if err != nil {
		t.Fatal(err)
	}
	revoke := func(id string) (int, badInputProblem) {
		request := httptest.NewRequest(http.MethodDelete, "/api/v1/tokens/"+id, nil)
		recorder := httptest.NewRecorder()
		fixture.handler.ServeHTTP(recorder, request)
		var document badInputProblem
		_ = json.Unmarshal(recorder.Body.Bytes(), &document)
		return recorder.Code, document
	}
	if status, document := revoke(first.ID); status != http.StatusOK {
		t.Fatalf("revoke %s: %d %+v", first.ID, status, document)
	}
	if status, document := revoke("first.holder"); status != http.StatusNotFound || document.Field != "id" {
		t.Errorf("revoke by name: %d %+v, want 404 naming id (tokens are revoked by id)", status, document)
	}
	list, err := store.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, token := range list {
		if revoked := token.RevokedAt != nil; revoked != (token.ID == first.ID) {
			t.Errorf("token %s (%s): revoked %t; only %s should be", token.ID, token.Name, revoked, first.ID)
		}
	}
	if len(list) != 2 || namesake.ID == first.ID {
		t.Fatalf("tokens: %+v", list)
	}
}
