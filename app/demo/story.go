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

// HalimatusWage is back-solved, not reported: the article gives only the total
// her heirs received, Rp231.000.000 (JKK death, JHT and scholarship). With this
// siltap, 11 paid months of JHT and the first school year of a child entering
// university and one entering SMP, the rule book yields exactly that:
// 48 × 4.010.118 = 192.485.664 + 12.000.000 + 10.000.000 (JKK death)
// + 11 × 228.576 = 2.514.336 (JHT) + 12.000.000 + 2.000.000 (scholarship) = 231.000.000.
const HalimatusWage = 4_010_118

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
	HalimatusJHT          = "jht-halimatus-2024"
)

var story = []storyMember{
	{nik: SantiNIK, name: "Santi", category: "kader", segment: "BPU", kecamatan: "Kusan Hilir", desa: "Muara Pagatan Tengah",
		birth: calendar.NewDate(1985, 7, 5), wage: 1_000_000},
	{nik: HalimatusNIK, name: "Halimatus Sa'diah", category: "perangkat_desa", segment: "PU", kecamatan: "Kusan Tengah", desa: "Pakatellu",
		birth: calendar.NewDate(1982, 3, 2), wage: HalimatusWage},
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

// storyIn files, approves and pays the claims of the seed text in their month:
// October (Santi's death) and November (Halimatus's accident) of the demo year.
func (r *runner) storyIn(period calendar.Period) error {
	var commands []command.Command
	switch period.Month() {
	case 10:
		commands = santi(period.Year())
	case 11:
		commands = halimatus(period.Year())
	default:
		return nil
	}
	for _, c := range commands {
		if _, err := r.execute(c); err != nil {
			return err
		}
	}
	switch period.Month() {
	case 10:
		return r.payInFull(SantiClaim, "payout-jkm-santi", "BPJSTK-BTL-2024-10-0042")
	default:
		for _, payout := range []struct{ claim, id, reference string }{
			{HalimatusClaim, "payout-jkk-halimatus", "BPJSTK-BTL-2024-11-0231"},
			{HalimatusJHT, "payout-jht-halimatus", "BPJSTK-BTL-2024-11-0232"},
		} {
			if err := r.payInFull(payout.claim, payout.id, payout.reference); err != nil {
				return err
			}
		}
		return r.payFirstTranches(HalimatusScholarships, "payout-beasiswa-halimatus-1", "BPJSTK-BTL-2024-11-0233")
	}
}

func santi(year int) []command.Command {
	death := calendar.NewDate(year, 10, 7)
	return []command.Command{
		&command.ReportDeath{NIK: SantiNIK, Date: death, Cause: "other"},
		&command.FileClaim{ClaimID: SantiClaim, NIK: SantiNIK, Programme: "JKM", Benefit: "death", IncidentDate: death,
			Heir: &command.Heir{FullName: "Rahmadi", Relationship: "spouse", NIK: "6310050101800003"}},
		&command.ApproveClaim{ClaimID: SantiClaim},
	}
}

func halimatus(year int) []command.Command {
	accident := calendar.NewDate(year, 11, 4)
	heir := &command.Heir{FullName: "Muhammad Ridwan", Relationship: "spouse", NIK: "6310060505790004"}
	return []command.Command{
		&command.ReportAccident{AccidentID: "kk-pakatellu-2024-11", NIK: HalimatusNIK, Date: accident, ReportedOn: accident.AddDays(1),
			Description: "Kecelakaan lalu lintas dalam perjalanan dinas ke kantor kecamatan"},
		&command.ReportDeath{NIK: HalimatusNIK, Date: accident, Cause: "work_accident", AccidentID: "kk-pakatellu-2024-11"},
		&command.FileClaim{ClaimID: HalimatusClaim, NIK: HalimatusNIK, Programme: "JKK", Benefit: "death", IncidentDate: accident, Heir: heir},
		&command.ApproveClaim{ClaimID: HalimatusClaim},
		&command.FileClaim{ClaimID: HalimatusJHT, NIK: HalimatusNIK, Programme: "JHT", Benefit: "full", IncidentDate: accident, Heir: heir},
		&command.ApproveClaim{ClaimID: HalimatusJHT},
		&command.FileClaim{ClaimID: HalimatusScholarships, NIK: HalimatusNIK, Programme: "SCHOLARSHIP", Benefit: "scholarship", IncidentDate: accident, Heir: heir,
			Details: &command.Details{Children: []command.Child{
				{FullName: "Nur Aini", BirthDate: calendar.NewDate(2006, 5, 14), Level: "university", Grade: 1},
				{FullName: "Ahmad Fikri", BirthDate: calendar.NewDate(2012, 8, 21), Level: "SMP", Grade: 1},
			}}},
		&command.ApproveClaim{ClaimID: HalimatusScholarships},
	}
}

// payFirstTranches pays the scholarship's first school year, once.
func (r *runner) payFirstTranches(claimID, payoutID, bankReference string) error {
	state, err := r.application.LoadClaim(r.ctx, claimID)
	if err != nil {
		return err
	}
	if state.Approved == nil || len(state.Payouts) > 0 || len(state.Approved.Tranches) == 0 {
		return nil
	}
	first := state.Approved.Tranches[0].SchoolYear
	amount := decimal.Zero
	for _, tranche := range state.Approved.Tranches {
		if tranche.SchoolYear == first {
			amount = amount.Add(tranche.Amount.Decimal)
		}
	}
	_, err = r.execute(&command.RecordPayout{PayoutID: payoutID, ClaimID: claimID, Amount: &command.Money{Decimal: amount},
		PaidOn: state.Approved.ApprovedOn, BankReference: bankReference, SchoolYear: first})
	return err
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
