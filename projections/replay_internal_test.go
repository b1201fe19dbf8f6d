package projections

import (
	"context"
	"testing"
)

// A lane is given a batch only from where its checkpoint stands or before
// (its events already applied are then passed over): a batch that starts
// past its checkpoint would skip events, and is refused.
func TestLaneBatchRefusesToSkipEvents(t *testing.T) {
	batch := &laneBatch{after: 5, decoded: make([]Decoded, 3)}
	for _, test := range []struct {
		checkpoint int64
		refused    bool
	}{{checkpoint: 4, refused: true}, {checkpoint: 0, refused: true}, {checkpoint: 5}, {checkpoint: 7}} {
		decoded, _, err := batch.read(context.Background(), test.checkpoint, 10)
		if refused := err != nil; refused != test.refused || (!refused && len(decoded) != 3) {
			t.Errorf("lane at %d given the batch after 5: %d events, %v; want refused %v", test.checkpoint, len(decoded), err, test.refused)
		}
	}
}
