package httpapi

// financeRoutes are the reconciliation and export routes (finance.go).
func (s *Server) financeRoutes() []route {
	return nil
}
