package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/tanahbumbu/jaminan/adapters/tokens"
	"github.com/tanahbumbu/jaminan/app"
	"github.com/tanahbumbu/jaminan/domain/access"
)

// concurrentRequests is how many requests each case sends at once.
const concurrentRequests = 20

// answer is what one of the concurrent requests got back.
type answer struct {
	status   int
	replayed bool
	code     string // the problem's title, for a problem document
	body     string
}

// sendAll sends every request at once through the fixture's listener and
// returns the answers in the requests' order.
func sendAll(t *testing.T, requests []*http.Request) []answer {
	t.Helper()
	answers := make([]answer, len(requests))
	errs := make([]error, len(requests))
	var ready, done sync.WaitGroup
	start := make(chan struct{})
	for i, request := range requests {
		ready.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			ready.Done()
			<-start
			response, err := http.DefaultClient.Do(request)
			if err != nil {
				errs[i] = err
				return
			}
			defer response.Body.Close()
			text, err := io.ReadAll(response.Body)
			errs[i] = err
			answers[i] = answer{status: response.StatusCode, replayed: response.Header.Get("Idempotent-Replayed") == "true", body: string(text)}
			if response.StatusCode >= 400 {
				var document problemDocument
				_ = json.Unmarshal(text, &document)
				answers[i].code = document.Title
			}
		}()
	}
	ready.Wait()
	close(start)
	done.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
	}
	return answers
}

func (f *apiFixture) request(t *testing.T, bearer, path, contentType, key, body string) *http.Request {
	t.Helper()
	request, err := http.NewRequest(http.MethodPost, f.http.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	request.Header.Set("Authorization", "Bearer "+bearer)
	request.Header.Set("Content-Type", contentType)
	request.Header.Set("Idempotency-Key", key)
	return request
}

func idempotentPayment(id string) string {
	return `{"payment_id":"` + id + `","payer_id":"` + fixturePayer + `","amount":"1000.00","paid_on":"2025-02-20","bank_reference":"BRI-` + id + `"}`
}

// count runs a count query on the fixture's database.
func (f *apiFixture) count(t *testing.T, sql string, arguments ...any) int {
	t.Helper()
	var n int
	if err := f.database.Pool.QueryRow(context.Background(), sql, arguments...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// tally counts answers by status, code and whether they were replayed.
func tally(answers []answer) map[string]int {
	counts := map[string]int{}
	for _, a := range answers {
		counts[fmt.Sprintf("%d %s replayed=%t", a.status, a.code, a.replayed)]++
	}
	return counts
}

// TestIdempotencyUnderConcurrency: twenty requests at once per case, through
// the real listener, router, authentication and database.
func TestIdempotencyUnderConcurrency(t *testing.T) {
	t.Parallel()
	f := newAPIFixture(t)
	finance := f.tokens[access.Finance]

	t.Run("one key, twenty bodies: one effect, nineteen refused", func(t *testing.T) {
		requests := make([]*http.Request, concurrentRequests)
		for i := range requests {
			requests[i] = f.request(t, finance, "/api/v1/commands/RecordPayment", "application/json", "key-bodies", idempotentPayment(fmt.Sprintf("idem-bodies-%02d", i)))
		}
		answers := sendAll(t, requests)
		counts := tally(answers)
		if counts["200  replayed=false"] != 1 || counts["409 idempotency_key_reused replayed=false"] != concurrentRequests-1 {
			t.Errorf("answers %v, want one 200 and %d × 409 idempotency_key_reused", counts, concurrentRequests-1)
		}
		if n := f.count(t, `SELECT count(DISTINCT data->>'payment_id') FROM events WHERE data->>'payment_id' LIKE 'idem-bodies-%'`); n != 1 {
			t.Errorf("%d payments recorded under one Idempotency-Key, want 1", n)
		}
	})

	t.Run("one key, one body: one effect, nineteen replays of the same answer", func(t *testing.T) {
		requests := make([]*http.Request, concurrentRequests)
		for i := range requests {
			requests[i] = f.request(t, finance, "/api/v1/commands/RecordPayment", "application/json", "key-same", idempotentPayment("idem-same"))
		}
		before := f.head(t)
		answers := sendAll(t, requests)
		counts := tally(answers)
		if counts["200  replayed=false"] != 1 || counts["200  replayed=true"] != concurrentRequests-1 {
			t.Errorf("answers %v, want one 200 and %d replayed", counts, concurrentRequests-1)
		}
		for _, a := range answers[1:] {
			if a.body != answers[0].body {
				t.Fatalf("replies differ:\n%s\n%s", answers[0].body, a.body)
			}
		}
		var first struct {
			Events []app.EventView `json:"events"`
		}
		if err := json.Unmarshal([]byte(answers[0].body), &first); err != nil || len(first.Events) == 0 {
			t.Fatalf("the answer lists no events: %s", answers[0].body)
		}
		if after := f.head(t); after != before+int64(len(first.Events)) {
			t.Errorf("the log grew by %d, want the %d event(s) of one payment", after-before, len(first.Events))
		}
	})

	t.Run("the query string is part of the request: another statement_id is refused", func(t *testing.T) {
		statement := "date,reference,amount,counterparty_account,description\n2025-02-10,FEE-IDEM,-1000.00,,Biaya\n"
		requests := make([]*http.Request, concurrentRequests)
		for i := range requests {
			id := []string{"stmt-a", "stmt-b"}[i%2]
			requests[i] = f.request(t, finance, "/api/v1/reconciliations?statement_id="+id, "text/csv", "key-statement", statement)
		}
		answers := sendAll(t, requests)
		reconciled := f.count(t, `SELECT count(DISTINCT stream_id) FROM events WHERE stream_id IN ($1, $2)`, app.StatementStream("stmt-a"), app.StatementStream("stmt-b"))
		if reconciled != 1 {
			t.Fatalf("%d statements reconciled under one key, want 1", reconciled)
		}
		winner := 0 // the parity of the request whose statement was reconciled
		for i, a := range answers {
			if a.status == http.StatusCreated && !a.replayed {
				winner = i
			}
		}
		for i, a := range answers {
			sameQuery := i%2 == winner%2
			switch {
			case sameQuery && a.status != http.StatusCreated:
				t.Errorf("request %d (the winner's statement_id): %d %s, want 201", i, a.status, a.body)
			case !sameQuery && (a.status != http.StatusConflict || a.code != "idempotency_key_reused"):
				t.Errorf("request %d (the other statement_id): %d %s, want 409 idempotency_key_reused", i, a.status, a.body)
			}
		}
		if counts := tally(answers); counts["201  replayed=false"] != 1 || counts["201  replayed=true"] != concurrentRequests/2-1 {
			t.Errorf("answers %v, want one 201 and %d replays of it", counts, concurrentRequests/2-1)
		}
	})

	t.Run("keys belong to their token: two holders of one key are independent", func(t *testing.T) {
		store := tokens.New(f.database.Pool)
		holders := make([]string, 2)
		for i := range holders {
			plain, _, err := store.Create(context.Background(), fmt.Sprintf("finance-holder-%d", i), access.Finance)
			if err != nil {
				t.Fatal(err)
			}
			holders[i] = plain
		}
		requests := make([]*http.Request, concurrentRequests)
		for i := range requests {
			requests[i] = f.request(t, holders[i%2], "/api/v1/commands/RecordPayment", "application/json", "key-shared", idempotentPayment(fmt.Sprintf("idem-holder-%d", i%2)))
		}
		answers := sendAll(t, requests)
		if counts := tally(answers); counts["200  replayed=false"] != 2 || counts["200  replayed=true"] != concurrentRequests-2 {
			t.Errorf("answers %v, want one fresh 200 per holder and every other request a replay", counts)
		}
		for i, a := range answers[2:] {
			if a.body != answers[i%2].body {
				t.Errorf("holder %d got another holder's answer:\n%s\nwant\n%s", i%2, a.body, answers[i%2].body)
			}
		}
		if n := f.count(t, `SELECT count(DISTINCT data->>'payment_id') FROM events WHERE data->>'payment_id' LIKE 'idem-holder-%'`); n != 2 {
			t.Errorf("%d payments recorded, want one per holder", n)
		}
	})

	t.Run("a transient answer is not stored: the retry runs the command", func(t *testing.T) {
		checkTransientAnswersAreNotStored(t, f)
	})
}

// checkTransientAnswersAreNotStored drives withIdempotency with a command that
// answers "try again" the first time it runs and succeeds after: of twenty
// concurrent requests with one key, one gets the transient 409, the command
// runs exactly twice, and every other request replays the success. Then one
// status at a time: transient answers run the command again, final ones replay.
func checkTransientAnswersAreNotStored(t *testing.T, f *apiFixture) {
	call := func(key string, command func(http.ResponseWriter)) answer {
		request := httptest.NewRequest(http.MethodPost, "/api/v1/commands/ApproveClaim", strings.NewReader(`{"claim_id":"c"}`))
		request.Header.Set("Content-Type", "application/json")
		request.Header.Set("Idempotency-Key", key)
		recorder := httptest.NewRecorder()
		f.server.withIdempotency(recorder, request, []byte(`{"claim_id":"c"}`), command)
		var document problemDocument
		_ = json.Unmarshal(recorder.Body.Bytes(), &document)
		return answer{status: recorder.Code, replayed: recorder.Header().Get("Idempotent-Replayed") == "true", code: document.Title, body: recorder.Body.String()}
	}
	var runs atomic.Int32
	flaky := func(w http.ResponseWriter) {
		if runs.Add(1) == 1 {
			writeProblem(w, http.StatusConflict, app.ErrorView{Code: "concurrent_update", Message: "try again"})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"ok": true})
	}
	answers := make([]answer, concurrentRequests)
	var wait sync.WaitGroup
	for i := range answers {
		wait.Add(1)
		go func() {
			defer wait.Done()
			answers[i] = call("key-transient", flaky)
		}()
	}
	wait.Wait()
	counts := tally(answers)
	if runs.Load() != 2 || counts["409 concurrent_update replayed=false"] != 1 || counts["200  replayed=false"] != 1 || counts["200  replayed=true"] != concurrentRequests-2 {
		t.Errorf("the command ran %d times; answers %v; want it run twice, one 409 concurrent_update, one 200 and %d replays", runs.Load(), counts, concurrentRequests-2)
	}
	for status, final := range map[int]bool{http.StatusServiceUnavailable: false, http.StatusInternalServerError: false, http.StatusTooManyRequests: false,
		http.StatusRequestTimeout: false, http.StatusUnprocessableEntity: true, http.StatusPreconditionFailed: true, http.StatusNotFound: true, http.StatusCreated: true} {
		var ran int
		command := func(w http.ResponseWriter) {
			ran++
			writeProblem(w, status, app.ErrorView{Code: "some_code", Message: "an answer"})
		}
		key := fmt.Sprintf("key-status-%d", status)
		first, second := call(key, command), call(key, command)
		if first.status != status || second.status != status {
			t.Errorf("%d: answered %d then %d", status, first.status, second.status)
		}
		if wantRuns := map[bool]int{true: 1, false: 2}[final]; ran != wantRuns || second.replayed != final {
			t.Errorf("%d: the command ran %d times (replayed %t), want %d: final answers are stored, transient ones are not", status, ran, second.replayed, wantRuns)
		}
	}
}
