package projections

// ForceCopy makes every replay insert go by COPY until the returned func
// restores the threshold. Only for tests that do not run in parallel.
func ForceCopy() (restore func()) {
	previous := copyMinRows
	copyMinRows = 1
	return func() { copyMinRows = previous }
}

// CopiedRows is how many rows COPY has written in this process.
func CopiedRows() int64 { return copiedRows.Load() }
