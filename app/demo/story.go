package demo

import (
	"github.com/shopspring/decimal"

	"github.com/tanahbumbu/jaminan/domain/calendar"
	"github.com/tanahbumbu/jaminan/domain/command"
)

// storyMember is one of the two workers of the seed story.
type storyMember struct {
	serial                                        int
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

// The story's members are enrolled from January 2024 whatever months the demo
// bills, and die in October and November 2024: Halimatus's JHT is her 11 paid
// months of 2024, so the 231,000,000 holds however long the demo runs.
var (
	storyFirstPeriod = calendar.NewPeriod(2024, 1)
	storyLastPeriod  = calendar.NewPeriod(2024, 11)
	storyPayers      = map[string]bool{RegencyPayer: true, desaPayer("Pakatellu"): true, desaPayer("Muara Pagatan Tengah"): true}
)

// Serials of the story's members, apart from the random workers' (1 and up).
const (
	santiSerial     = -1
	halimatusSerial = -2
)

var story = []storyMember{
	{serial: santiSerial, nik: SantiNIK, name: "Santi", category: "kader", segment: "BPU", kecamatan: "Kusan Hilir", desa: "Muara Pagatan Tengah",
		birth: calendar.NewDate(1985, 7, 5), wage: 1_000_000},
	{serial: halimatusSerial, nik: HalimatusNIK, name: "Halimatus Sa'diah", category: "perangkat_desa", segment: "PU", kecamatan: "Kusan Tengah", desa: "Pakatellu",
		birth: calendar.NewDate(1982, 3, 2), wage: HalimatusWage},
}

func (s storyMember) worker() *worker {
	payerID := desaPayer(s.desa)
	start := storyFirstPeriod.FirstDay()
	enroll := &command.Enroll{NIK: s.nik, Programmes: []string{"JKK", "JKM"}, EffectiveDate: start}
	if s.segment == "PU" {
		enroll.Programmes = append(enroll.Programmes, "JHT")
		enroll.Wage = &command.Money{Decimal: decimal.NewFromInt(s.wage)}
	} else {
		payerID = RegencyPayer
		enroll.DeclaredIncome = &command.Money{Decimal: decimal.NewFromInt(s.wage)}
	}
	w := &worker{
		serial: s.serial,
		register: &command.RegisterParticipant{NIK: s.nik, FullName: s.name, BirthDate: s.birth, Category: s.category, Segment: s.segment,
			Kecamatan: s.kecamatan, Desa: s.desa, PayerID: payerID},
		enroll: enroll,
		joined: storyFirstPeriod,
		busy:   true,
	}
	if s.nik == SantiNIK {
		santi(w)
	} else {
		halimatus(w)
	}
	return w
}

// santi: the JKM death of the posyandu cadre, 7 October 2024.
func santi(w *worker) {
	death := calendar.NewDate(2024, 10, 7)
	w.life = []command.Command{&command.ReportDeath{NIK: SantiNIK, Date: death, Cause: "other"}}
	w.claims = []claimPlan{{
		file: &command.FileClaim{ClaimID: SantiClaim, NIK: SantiNIK, Programme: "JKM", Benefit: "death", IncidentDate: death,
			Heir: &command.Heir{FullName: "Rahmadi", Relationship: "spouse", NIK: "6310050101800003"}},
		payoutID: "payout-jkm-santi", reference: "BPJSTK-BTL-2024-10-0042",
	}}
}

// halimatus: the work-accident death of the village official, 4 November 2024.
func halimatus(w *worker) {
	accident := calendar.NewDate(2024, 11, 4)
	heir := &command.Heir{FullName: "Muhammad Ridwan", Relationship: "spouse", NIK: "6310060505790004"}
	w.life = []command.Command{
		&command.ReportAccident{AccidentID: "kk-pakatellu-2024-11", NIK: HalimatusNIK, Date: accident, ReportedOn: accident.AddDays(1),
			Description: "Kecelakaan lalu lintas dalam perjalanan dinas ke kantor kecamatan"},
		&command.ReportDeath{NIK: HalimatusNIK, Date: accident, Cause: "work_accident", AccidentID: "kk-pakatellu-2024-11"},
	}
	w.claims = []claimPlan{
		{file: &command.FileClaim{ClaimID: HalimatusClaim, NIK: HalimatusNIK, Programme: "JKK", Benefit: "death", IncidentDate: accident, Heir: heir},
			payoutID: "payout-jkk-halimatus", reference: "BPJSTK-BTL-2024-11-0231"},
		{file: &command.FileClaim{ClaimID: HalimatusJHT, NIK: HalimatusNIK, Programme: "JHT", Benefit: "full", IncidentDate: accident, Heir: heir},
			payoutID: "payout-jht-halimatus", reference: "BPJSTK-BTL-2024-11-0232"},
		{file: &command.FileClaim{ClaimID: HalimatusScholarships, NIK: HalimatusNIK, Programme: "SCHOLARSHIP", Benefit: "scholarship", IncidentDate: accident, Heir: heir,
			Details: &command.Details{Children: []command.Child{
				{FullName: "Nur Aini", BirthDate: calendar.NewDate(2006, 5, 14), Level: "university", Grade: 1},
				{FullName: "Ahmad Fikri", BirthDate: calendar.NewDate(2012, 8, 21), Level: "SMP", Grade: 1},
			}}},
			payoutID: "payout-beasiswa-halimatus-1", reference: "BPJSTK-BTL-2024-11-0233"},
	}
}
