package access

import "testing"

func TestPolicyFollowsTheIssue(t *testing.T) {
	cases := []struct {
		role       Role
		permission Permission
		want       bool
	}{
		{Operator, Command("Enroll"), true},
		{Operator, Command("ApproveClaim"), true},
		{Operator, Command("RecordPayment"), false},
		{Operator, Command("RecordPayout"), false},
		{Operator, ReadHistory, false},
		{Finance, Command("RecordPayment"), true},
		{Finance, Command("RecordPayout"), true},
		{Finance, Command("ClosePeriod"), true},
		{Finance, Reconcile, true},
		{Finance, Command("Enroll"), false},
		{Finance, Command("ApproveClaim"), false},
		{Auditor, ReadHistory, true},
		{Auditor, ReadFinance, true},
		{Auditor, Command("Enroll"), false},
		{Auditor, Command("RecordPayment"), false},
		{Auditor, ManageTokens, false},
		{Dashboard, ReadDashboard, true},
		{Dashboard, ReadParticipants, false},
		{Dashboard, Command("Enroll"), false},
		{Admin, ManageTokens, true},
		{Admin, Command("Enroll"), false},
		{Admin, ReadParticipants, false},
		{Role("root"), ReadStatus, false},
	}
	for _, c := range cases {
		if got := Allows(c.role, c.permission); got != c.want {
			t.Errorf("Allows(%s, %s) = %v, want %v", c.role, c.permission, got, c.want)
		}
	}
}

func TestParseRoleNamesTheChoices(t *testing.T) {
	for _, role := range Roles() {
		if parsed, err := ParseRole(string(role)); err != nil || parsed != role {
			t.Errorf("ParseRole(%q) = %q, %v", role, parsed, err)
		}
	}
	if _, err := ParseRole("superuser"); err == nil {
		t.Fatal("ParseRole accepted superuser")
	}
}
