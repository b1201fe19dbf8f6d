package rules

import (
	"fmt"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/tanahbumbu/jaminan/domain/money"
)

// ContributionInput is one member's month to assess.
type ContributionInput struct {
	Segment       Segment
	RiskClass     int             // PU: 1 (very low) to 5 (very high), set per employer
	WageBase      decimal.Decimal // PU: the monthly wage; BPU: the declared income
	Programmes    []Programme     // JKK, JKM, JHT
	JKPEnrolled   bool            // PU: also enrolled in JKP (PP 49/2023 rates)
	ContractValue decimal.Decimal // construction: the project's contract value
}

// ContributionLine is one programme's contribution, rounded half up to whole
// rupiah; Total = Employer + Worker.
type ContributionLine struct {
	Programme Programme
	Employer  decimal.Decimal
	Worker    decimal.Decimal
	Total     decimal.Decimal
	Rate      string // "0.24%", "5.7%", "flat"
	Basis     string // how the amount was found, for explanations
}

// Assessment is a month's contribution: its lines and their sum.
type Assessment struct {
	RuleBook string
	Lines    []ContributionLine
	Total    decimal.Decimal
}

// MonthlyContribution assesses one member's monthly contribution. Programmes
// come out in the order JKK, JKM, JHT. BPU lines are paid by the member
// (Worker); who funds them (the regency for pekerja rentan) is the payer's
// business. A construction input is assessed on its contract value.
func (b *Book) MonthlyContribution(in ContributionInput) (Assessment, error) {
	switch in.Segment {
	case SegmentPU:
		return b.wageEarnerContribution(in)
	case SegmentBPU:
		return b.nonWageEarnerContribution(in)
	case SegmentConstruction:
		return b.ConstructionContribution(in.ContractValue)
	}
	return Assessment{}, fieldError("segment", "%q is not one of PU, BPU, construction", in.Segment)
}

func (b *Book) wageEarnerContribution(in ContributionInput) (Assessment, error) {
	programmes, err := contributionProgrammes(in.Programmes)
	if err != nil {
		return Assessment{}, err
	}
	if err := b.checkWageBase(SegmentPU, in.WageBase); err != nil {
		return Assessment{}, err
	}
	jkkRates, jkmRate, rateNote := b.wageEarnerRates(in.JKPEnrolled)
	if in.RiskClass < 1 || in.RiskClass > len(jkkRates) {
		return Assessment{}, fieldError("risk_class", "%d is not a risk class from 1 to %d", in.RiskClass, len(jkkRates))
	}
	var lines []ContributionLine
	for _, programme := range programmes {
		switch programme {
		case JKK:
			note := fmt.Sprintf("risk class %d%s", in.RiskClass, rateNote)
			lines = append(lines, b.rateLine(JKK, in.WageBase, jkkRates[in.RiskClass-1], note, false))
		case JKM:
			lines = append(lines, b.rateLine(JKM, in.WageBase, jkmRate, strings.TrimPrefix(rateNote, "; "), false))
		case JHT:
			lines = append(lines, b.jhtLine(in.WageBase))
		}
	}
	return b.assessment(lines), nil
}

// wageEarnerRates are the JKK rates by risk class and the JKM rate: the JKP
// rates for a JKP member once they are in force, else the full rates.
func (b *Book) wageEarnerRates(jkpEnrolled bool) ([]decimal.Decimal, decimal.Decimal, string) {
	rates := b.wageEarner
	if !jkpEnrolled {
		return rates.jkkPercentByRiskClass, rates.jkmPercent, ""
	}
	if rates.jkp == nil || (!b.asOf.IsZero() && b.asOf.Before(rates.jkp.effectiveFrom)) {
		return rates.jkkPercentByRiskClass, rates.jkmPercent, "; JKP member, full rates (no JKP rates in force)"
	}
	return rates.jkp.jkkPercentByRiskClass, rates.jkp.jkmPercent, "; JKP member, rate of " + rates.jkp.regulation
}

func (b *Book) jhtLine(wage decimal.Decimal) ContributionLine {
	employer := money.RoundRupiah(wage.Mul(b.wageEarner.jhtEmployerPercent.Shift(-2)))
	worker := money.RoundRupiah(wage.Mul(b.wageEarner.jhtWorkerPercent.Shift(-2)))
	total := b.wageEarner.jhtEmployerPercent.Add(b.wageEarner.jhtWorkerPercent)
	return ContributionLine{Programme: JHT, Employer: employer, Worker: worker, Total: employer.Add(worker),
		Rate: percentText(total),
		Basis: fmt.Sprintf("%s of %s: %s employer + %s worker", percentText(total), money.FormatIDR(wage),
			percentText(b.wageEarner.jhtEmployerPercent), percentText(b.wageEarner.jhtWorkerPercent))}
}

// rateLine is percent of base for one programme, less any relief, paid by the
// employer or (byWorker) the member.
func (b *Book) rateLine(programme Programme, base, percent decimal.Decimal, note string, byWorker bool) ContributionLine {
	effective, reliefNote := b.relieved(programme, percent)
	amount := money.RoundRupiah(base.Mul(effective.Shift(-2)))
	basis := fmt.Sprintf("%s of %s%s", percentText(percent), money.FormatIDR(base), reliefNote)
	if note != "" {
		basis += " (" + note + ")"
	}
	return newLine(programme, amount, percentText(effective), basis, byWorker)
}

func newLine(programme Programme, amount decimal.Decimal, rate, basis string, byWorker bool) ContributionLine {
	line := ContributionLine{Programme: programme, Employer: amount, Worker: decimal.Zero, Total: amount, Rate: rate, Basis: basis}
	if byWorker {
		line.Employer, line.Worker = decimal.Zero, amount
	}
	return line
}

// relieved applies a contributions-only version's discount (PP 49/2020: 99 %).
func (b *Book) relieved(programme Programme, percent decimal.Decimal) (decimal.Decimal, string) {
	if b.relief == nil {
		return percent, ""
	}
	discount, ok := b.relief.discountPercent[programme]
	if !ok || discount.IsZero() {
		return percent, ""
	}
	return percent.Mul(hundred.Sub(discount)).Shift(-2), fmt.Sprintf(", less %s relief (%s)", percentText(discount), b.regulation)
}

func (b *Book) nonWageEarnerContribution(in ContributionInput) (Assessment, error) {
	programmes, err := contributionProgrammes(in.Programmes)
	if err != nil {
		return Assessment{}, err
	}
	if err := b.checkWageBase(SegmentBPU, in.WageBase); err != nil {
		return Assessment{}, err
	}
	rates := b.nonWageEarner
	var lines []ContributionLine
	for _, programme := range programmes {
		switch programme {
		case JKK:
			basis, note := rates.jkkBasis(in.WageBase)
			lines = append(lines, b.rateLine(JKK, basis, rates.jkkPercent, note, true))
		case JKM:
			effective, reliefNote := b.relieved(JKM, hundred)
			amount := money.RoundRupiah(rates.jkmFlat.Mul(effective.Shift(-2)))
			lines = append(lines, newLine(JKM, amount, "flat", "flat "+money.FormatIDR(rates.jkmFlat)+reliefNote, true))
		case JHT:
			lines = append(lines, b.rateLine(JHT, in.WageBase, rates.jhtPercent, "chosen by the member", true))
		}
	}
	return b.assessment(lines), nil
}

// jkkBasis is the amount the BPU JKK rate applies to: the bracket's fixed
// basis, or the declared income itself.
func (r nonWageEarnerRates) jkkBasis(declared decimal.Decimal) (decimal.Decimal, string) {
	for _, bracket := range r.brackets {
		if declared.LessThan(bracket.from) || declared.GreaterThan(bracket.to) {
			continue
		}
		if bracket.basis.IsZero() {
			return declared, "declared income"
		}
		return bracket.basis, fmt.Sprintf("bracket %s to %s", money.FormatIDR(bracket.from), money.FormatIDR(bracket.to))
	}
	return declared, "declared income, outside every bracket"
}

// ConstructionContribution assesses a construction project on its contract
// value: JKK in marginal tiers, JKM at one rate of the whole value, both paid
// by the contractor (Employer) once for the project's term.
func (b *Book) ConstructionContribution(contractValue decimal.Decimal) (Assessment, error) {
	if !contractValue.IsPositive() {
		return Assessment{}, fieldError("contract_value", "must be more than zero")
	}
	rates := b.construction
	exact := decimal.Zero
	var parts []string
	lower := decimal.Zero
	for _, tier := range rates.jkkTiers {
		upper := contractValue
		if !tier.upTo.IsZero() && tier.upTo.LessThan(contractValue) {
			upper = tier.upTo
		}
		if !upper.GreaterThan(lower) {
			break
		}
		effective, _ := b.relieved(JKK, tier.percent)
		slice := upper.Sub(lower)
		exact = exact.Add(slice.Mul(effective.Shift(-2)))
		parts = append(parts, fmt.Sprintf("%s of %s", percentText(effective), money.FormatIDR(slice)))
		lower = upper
	}
	jkk := newLine(JKK, money.RoundRupiah(exact), "tiered", strings.Join(parts, " + "), false)
	jkm := b.rateLine(JKM, contractValue, rates.jkmPercent, "contract value", false)
	return b.assessment([]ContributionLine{jkk, jkm}), nil
}

func (b *Book) assessment(lines []ContributionLine) Assessment {
	total := decimal.Zero
	for _, line := range lines {
		total = total.Add(line.Total)
	}
	return Assessment{RuleBook: b.id, Lines: lines, Total: total}
}

// contributionProgrammes checks the programmes and orders them JKK, JKM, JHT.
func contributionProgrammes(programmes []Programme) ([]Programme, error) {
	if len(programmes) == 0 {
		return nil, fieldError("programmes", "names no programme (JKK, JKM, JHT)")
	}
	seen := map[Programme]bool{}
	for _, programme := range programmes {
		switch {
		case programme == Scholarship:
			return nil, fieldError("programmes", "the scholarship is a benefit, not a contribution programme")
		case programme != JKK && programme != JKM && programme != JHT:
			return nil, fieldError("programmes", "%q is not one of JKK, JKM, JHT", programme)
		case seen[programme]:
			return nil, fieldError("programmes", "%s is listed twice", programme)
		}
		seen[programme] = true
	}
	var ordered []Programme
	for _, programme := range []Programme{JKK, JKM, JHT} {
		if seen[programme] {
			ordered = append(ordered, programme)
		}
	}
	return ordered, nil
}

func (b *Book) checkWageBase(segment Segment, wage decimal.Decimal) error {
	if !wage.IsPositive() {
		return fieldError("wage", "must be more than zero")
	}
	limits, ok := b.wageLimits[segment]
	if !ok {
		return nil
	}
	if wage.LessThan(limits.minimum) {
		return fieldError("wage", "below the minimum %s for %s", groupThousands(limits.minimum), segment)
	}
	if wage.GreaterThan(limits.maximum) {
		return fieldError("wage", "above the maximum %s for %s", groupThousands(limits.maximum), segment)
	}
	return nil
}
