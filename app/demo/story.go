package demo

import (
	"fmt"

	"github.com/shopspring/decimal"

	"github.com/tanahbumbu/jaminan/domain/calendar"
	"github.com/tanahbumbu/jaminan/domain/command"
)

// storyMember is one of the two workers of the seed story.
type storyMember struct {
	nik, name, category, segment, kecamatan, desa string
	birth                                         calendar.Date
	wage                                          int64
}

// NIKs of the story's members (fictional, well-formed).
const (
	SantiNIK     = "6310054507850001"
	HalimatusNIK = "6310064203820002"
)

// Claim ids of the story.
const (
	SantiClaim            = "jkm-santi-2024"
	HalimatusClaim        = "jkk-halimatus-2024"
	HalimatusScholarships = "beasiswa-halimatus-2024"
)

var story = []storyMember{
	{nik: SantiNIK, name: "Santi", category: "kader", segment: "BPU", kecamatan: "Kusan Hilir", desa: "Muara Pagatan Tengah",
		birth: calendar.NewDate(1985, 7, 5), wage: 1_000_000},
	{nik: HalimatusNIK, name: "Halimatus Sa'diah", category: "perangkat_desa", segment: "PU", kecamatan: "Kusan Tengah", desa: "Pakatellu",
		birth: calendar.NewDate(1982, 3, 2), wage: 3_000_000},
}

func (s storyMember) worker(start calendar.Date) worker {
	payerID := desaPayer(s.desa)
	enroll := &command.Enroll{NIK: s.nik, Programmes: []string{"JKK", "JKM"}, EffectiveDate: start}
	if s.segment == "PU" {
		enroll.Programmes = append(enroll.Programmes, "JHT")
		enroll.Wage = &command.Money{Decimal: decimal.NewFromInt(s.wage)}
	} else {
		payerID = RegencyPayer
		enroll.DeclaredIncome = &command.Money{Decimal: decimal.NewFromInt(s.wage)}
	}
	return worker{
		register: &command.RegisterParticipant{NIK: s.nik, FullName: s.name, BirthDate: s.birth, Category: s.category, Segment: s.segment,
			Kecamatan: s.kecamatan, Desa: s.desa, PayerID: payerID},
		enroll: enroll,
	}
}

// story files, approves and pays the two claims of the seed text.
func (r *runner) story(options Options) error {
	year := options.FirstPeriod.Year()
	deathOfSanti := calendar.NewDate(year, 10, 7)
	accident := calendar.NewDate(year, 11, 4)
	commands := []command.Command{
		&command.ReportDeath{NIK: SantiNIK, Date: deathOfSanti, Cause: "other"},
		&command.FileClaim{ClaimID: SantiClaim, NIK: SantiNIK, Programme: "JKM", Benefit: "death", IncidentDate: deathOfSanti,
			Heir: &command.Heir{FullName: "Rahmadi", Relationship: "spouse", NIK: "6310050101800003"}},
		&command.ApproveClaim{ClaimID: SantiClaim},
		&command.ReportAccident{AccidentID: "kk-pakatellu-2024-11", NIK: HalimatusNIK, Date: accident, ReportedOn: accident.AddDays(1),
			Description: "Kecelakaan lalu lintas dalam perjalanan dinas ke kantor kecamatan"},
		&command.ReportDeath{NIK: HalimatusNIK, Date: accident, Cause: "work_accident", AccidentID: "kk-pakatellu-2024-11"},
		&command.FileClaim{ClaimID: HalimatusClaim, NIK: HalimatusNIK, Programme: "JKK", Benefit: "death", IncidentDate: accident,
			Heir: &command.Heir{FullName: "Muhammad Ridwan", Relationship: "spouse", NIK: "6310060505790004"}},
		&command.ApproveClaim{ClaimID: HalimatusClaim},
		&command.FileClaim{ClaimID: HalimatusScholarships, NIK: HalimatusNIK, Programme: "SCHOLARSHIP", Benefit: "scholarship", IncidentDate: accident,
			Heir: &command.Heir{FullName: "Muhammad Ridwan", Relationship: "spouse"},
			Details: &command.Details{Children: []command.Child{
				{FullName: "Nur Aini", BirthDate: calendar.NewDate(2009, 5, 14), Level: "SMA", Grade: 1},
				{FullName: "Ahmad Fikri", BirthDate: calendar.NewDate(2015, 8, 21), Level: "SD", Grade: 4},
			}}},
		&command.ApproveClaim{ClaimID: HalimatusScholarships},
	}
	for _, c := range commands {
		if _, err := r.execute(c); err != nil {
			return err
		}
	}
	for _, payout := range []struct{ claim, id, reference string }{
		{SantiClaim, "payout-jkm-santi", "BPJSTK-BTL-2024-10-0042"},
		{HalimatusClaim, "payout-jkk-halimatus", "BPJSTK-BTL-2024-11-0231"},
	} {
		if err := r.payInFull(payout.claim, payout.id, payout.reference); err != nil {
			return err
		}
	}
	return nil
}

// payInFull pays what the claim's approval says, in one payout.
func (r *runner) payInFull(claimID, payoutID, bankReference string) error {
	state, err := r.application.LoadClaim(r.ctx, claimID)
	if err != nil {
		return err
	}
	if state.Approved == nil {
		return fmt.Errorf("demo: claim %s is %s, not approved", claimID, state.Status())
	}
	if len(state.Payouts) > 0 {
		return nil
	}
	_, err = r.execute(&command.RecordPayout{PayoutID: payoutID, ClaimID: claimID, Amount: &command.Money{Decimal: state.Outstanding()},
		PaidOn: state.Approved.ApprovedOn, BankReference: bankReference})
	return err
}
