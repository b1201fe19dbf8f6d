// Package access says which role may do what. It is pure data and one
// function: the HTTP API asks Allows(role, permission) on every route, and the
// table test over all routes and roles reads the same policy.
package access

import (
	"fmt"
	"slices"
)

// Role is what a bearer token is allowed to be.
type Role string

// The roles of docs/api.md (Tokens and roles) and issue 6.
const (
	// Operator enrolls participants and files and decides claims.
	Operator Role = "operator"
	// Finance bills, records payments and payouts, reconciles and closes periods.
	Finance Role = "finance"
	// Auditor reads everything — history, time travel, verify — and issues no command.
	Auditor Role = "auditor"
	// Dashboard reads the dash views only.
	Dashboard Role = "dashboard"
	// Admin manages tokens and nothing else.
	Admin Role = "admin"
)

// Roles lists every role, in a stable order.
func Roles() []Role { return []Role{Operator, Finance, Auditor, Dashboard, Admin} }

// ParseRole accepts a role's name.
func ParseRole(name string) (Role, error) {
	role := Role(name)
	if !slices.Contains(Roles(), role) {
		return "", fmt.Errorf("role must be one of operator, finance, auditor, dashboard, admin; not %q", name)
	}
	return role, nil
}

// Permission names one kind of access; a route requires exactly one.
type Permission string

// Read permissions, one per family of read models.
const (
	ReadParticipants Permission = "read:participants" // participants, coverage
	ReadClaims       Permission = "read:claims"       // claims, payouts, scholarships
	ReadFinance      Permission = "read:finance"      // payers, bills, payments, arrears, JHT balances, journal, exports, reconciliations
	ReadHistory      Permission = "read:history"      // event history, state as of a date, audit bundles, verify
	ReadDashboard    Permission = "read:dashboard"    // dash.* views and the page's data
	ReadStatus       Permission = "read:status"       // projection lag
	ManageTokens     Permission = "manage:tokens"
	Reconcile        Permission = "command:reconcile"
)

// Command is the permission to issue one command of the vocabulary.
func Command(name string) Permission { return Permission("command:" + name) }

// operatorCommands: enrollment and claims.
var operatorCommands = []string{"RegisterPayer", "RegisterProject", "RegisterParticipant", "Enroll", "ChangeWage", "ChangePayer", "EndMembership",
	"ReportAccident", "ReportDeath", "FileClaim", "ApproveClaim", "RejectClaim", "SkipScholarshipTranche", "EndScholarship"}

// financeCommands: money in and out, corrections and period close.
var financeCommands = []string{"AssessContributions", "RecordPayment", "RecordPayout", "CreditJHTReturn", "ClosePeriod", "Reverse", "ReconcileStatement"}

// Allows reports whether role may use permission. Unknown roles may do nothing.
func Allows(role Role, permission Permission) bool {
	switch role {
	case Operator:
		return slices.Contains(commandPermissions(operatorCommands), permission) ||
			slices.Contains([]Permission{ReadParticipants, ReadClaims, ReadStatus}, permission)
	case Finance:
		return slices.Contains(commandPermissions(financeCommands), permission) || permission == Reconcile ||
			slices.Contains([]Permission{ReadParticipants, ReadClaims, ReadFinance, ReadDashboard, ReadStatus}, permission)
	case Auditor:
		return slices.Contains([]Permission{ReadParticipants, ReadClaims, ReadFinance, ReadHistory, ReadDashboard, ReadStatus}, permission)
	case Dashboard:
		return permission == ReadDashboard
	case Admin:
		return permission == ManageTokens || permission == ReadStatus
	default:
		return false
	}
}

func commandPermissions(names []string) []Permission {
	permissions := make([]Permission, 0, len(names))
	for _, name := range names {
		permissions = append(permissions, Command(name))
	}
	return permissions
}
