package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/tanahbumbu/jaminan/domain/claim"
	"github.com/tanahbumbu/jaminan/domain/money"
	"github.com/tanahbumbu/jaminan/domain/problem"
)

func newExplainCommand() *cobra.Command {
	var language string
	cmd := &cobra.Command{
		Use:   "explain claim CLAIM_ID",
		Short: "Explain a claim's decision in words and figures (Indonesian and English)",
		Long: `Prints how an approved claim's benefit was derived: each component with its
formula (e.g. "JKK meninggal dunia: 48 × Rp3.000.000 = Rp144.000.000"), the
total, the rule-book version and regulation used, the wage base and membership,
and the eligibility recorded at approval — read from the log, as recorded,
never recomputed under today's rules. A rejected claim shows its reason.`,
		Example: "  jaminan explain claim jkm-santi-2024\n  jaminan explain claim jkk-halimatus-2024 --lang en",
		Args:    exactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if args[0] != "claim" {
				return &usageError{fmt.Errorf("explain takes \"claim CLAIM_ID\", not %q", args[0])}
			}
			if language != "id" && language != "en" && language != "both" {
				return &usageError{fmt.Errorf("--lang must be id, en or both, not %q", language)}
			}
			built, err := open(cmd.Context())
			if err != nil {
				return err
			}
			defer built.Close()
			state, err := built.application.LoadClaim(cmd.Context(), args[1])
			if err != nil {
				return err
			}
			if state.Filed == nil {
				return &problem.Error{Kind: problem.NotFound, Code: "claim_not_found", Message: "no claim " + args[1] + " in the log"}
			}
			writeExplanation(cmd.OutOrStdout(), args[1], state, language)
			return nil
		},
	}
	cmd.Flags().StringVar(&language, "lang", "both", "id (Bahasa Indonesia), en, or both")
	return cmd
}

// writeExplanation prints the claim's derivation as recorded at approval.
func writeExplanation(output io.Writer, claimID string, state claim.State, language string) {
	filed := state.Filed
	say := func(indonesian, english string) {
		if language != "en" {
			fmt.Fprintln(output, indonesian)
		}
		if language != "id" {
			fmt.Fprintln(output, english)
		}
	}
	say(fmt.Sprintf("Klaim %s: %s %s, tanggal kejadian %s, status %s", claimID, filed.Programme, filed.Benefit, filed.IncidentDate, state.Status()),
		fmt.Sprintf("Claim %s: %s %s, incident on %s, status %s", claimID, filed.Programme, filed.Benefit, filed.IncidentDate, state.Status()))
	if filed.Heir != nil {
		say(fmt.Sprintf("Ahli waris: %s (%s), golongan %d dari 5", filed.Heir.FullName, filed.Heir.Relationship, filed.HeirClass),
			fmt.Sprintf("Heir: %s (%s), class %d of 5 in the order of heirs", filed.Heir.FullName, filed.Heir.Relationship, filed.HeirClass))
	}
	if state.Rejected != nil {
		say("Ditolak: "+state.Rejected.Reason, "Rejected: "+state.Rejected.Reason)
		return
	}
	approved := state.Approved
	if approved == nil {
		say("Belum diputuskan.", "Not decided yet.")
		return
	}
	say(fmt.Sprintf("Aturan: %s (%s); upah/penghasilan %s; masa kepesertaan %d bulan", approved.RuleBook, approved.Regulation, money.FormatIDR(approved.WageBase.Decimal), approved.Eligibility.MembershipMonths),
		fmt.Sprintf("Rules: %s (%s); wage base %s; membership %d months", approved.RuleBook, approved.Regulation, money.FormatIDR(approved.WageBase.Decimal), approved.Eligibility.MembershipMonths))
	for _, component := range approved.Components {
		say("  "+component.LabelID+": "+component.FormulaID, "  "+component.LabelEN+": "+component.FormulaEN)
	}
	say("  Jumlah: "+money.FormatIDR(approved.Total.Decimal), "  Total: "+money.FormatIDR(approved.Total.Decimal))
	for _, tranche := range approved.Tranches {
		say(fmt.Sprintf("  Beasiswa %s, tahun ajaran %d/%d, %s kelas %d: %s", tranche.Child, tranche.SchoolYear, tranche.SchoolYear+1, tranche.Level, tranche.Grade, money.FormatIDR(tranche.Amount.Decimal)),
			fmt.Sprintf("  Scholarship %s, school year %d/%d, %s grade %d: %s", tranche.Child, tranche.SchoolYear, tranche.SchoolYear+1, tranche.Level, tranche.Grade, money.FormatIDR(tranche.Amount.Decimal)))
	}
	for _, note := range approved.Notes {
		say("  Catatan: "+note, "  Note: "+note)
	}
	eligibility := approved.Eligibility
	payer := map[string][2]string{"bpjs": {"BPJS Ketenagakerjaan membayar langsung", "BPJS Ketenagakerjaan pays directly"},
		"employer": {"pemberi kerja membayar dahulu, BPJS mengganti setelah tunggakan dilunasi", "the employer pays first; BPJS reimburses once the arrears are settled"}}[eligibility.PaidFirstBy]
	say(fmt.Sprintf("Kelayakan: %s; tunggakan pemberi kerja %d bulan (%s); %s", eligibility.Coverage, eligibility.ArrearsMonths, money.FormatIDR(eligibility.ArrearsAmount.Decimal), payer[0]),
		fmt.Sprintf("Eligibility: %s; employer arrears %d months (%s); %s", eligibility.Coverage, eligibility.ArrearsMonths, money.FormatIDR(eligibility.ArrearsAmount.Decimal), payer[1]))
	say(fmt.Sprintf("Disetujui %s, dibayar paling lambat %s; sudah dibayar %s, sisa %s", approved.ApprovedOn, approved.DueBy, money.FormatIDR(state.PaidOut), money.FormatIDR(state.Outstanding())),
		fmt.Sprintf("Approved %s, due by %s; paid out %s, outstanding %s", approved.ApprovedOn, approved.DueBy, money.FormatIDR(state.PaidOut), money.FormatIDR(state.Outstanding())))
}
