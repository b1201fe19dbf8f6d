package rules

import (
	"fmt"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/tanahbumbu/jaminan/domain/money"
)

// Component is one part of a benefit, with its label and formula in
// Indonesian and English ("JKK meninggal dunia: 48 × Rp3.000.000 = Rp144.000.000").
type Component struct {
	Code      string
	LabelID   string
	LabelEN   string
	Amount    decimal.Decimal // rounded half up to whole rupiah
	FormulaID string          // "48 × Rp4.000.000 = Rp192.000.000"
	FormulaEN string
}

// Benefit is a computed benefit: the version it used, its components and
// their sum, and notes on any reading, cap or minimum applied.
type Benefit struct {
	RuleBook   string
	Regulation string
	Components []Component
	Total      decimal.Decimal
	Notes      []string
}

// Check asserts the benefit's invariants: every component is a whole,
// non-negative rupiah amount and Total is their sum.
func (b Benefit) Check() error {
	sum := decimal.Zero
	for _, component := range b.Components {
		if component.Amount.IsNegative() || !component.Amount.Equal(money.RoundRupiah(component.Amount)) {
			return fmt.Errorf("component %s: %s is not a whole, non-negative rupiah amount", component.Code, component.Amount)
		}
		sum = sum.Add(component.Amount)
	}
	if !sum.Equal(b.Total) {
		return fmt.Errorf("components sum to %s but the total is %s", sum, b.Total)
	}
	return nil
}

func (b *Book) benefit(components []Component, notes ...string) Benefit {
	total := decimal.Zero
	for _, component := range components {
		total = total.Add(component.Amount)
	}
	return Benefit{RuleBook: b.id, Regulation: b.regulation, Components: components, Total: total, Notes: notes}
}

// fixedComponent is an amount from the rule book, shown as it is.
func fixedComponent(code, labelID, labelEN string, amount decimal.Decimal) Component {
	amount = money.RoundRupiah(amount)
	return Component{Code: code, LabelID: labelID, LabelEN: labelEN, Amount: amount,
		FormulaID: money.FormatIDR(amount), FormulaEN: money.FormatIDR(amount)}
}

// timesComponent is count × unit, rounded: "48 × Rp4.000.000 = Rp192.000.000".
func timesComponent(code, labelID, labelEN string, count int, unit decimal.Decimal) Component {
	amount := money.RoundRupiah(unit.Mul(decimal.NewFromInt(int64(count))))
	formula := fmt.Sprintf("%d × %s = %s", count, money.FormatIDR(unit), money.FormatIDR(amount))
	return Component{Code: code, LabelID: labelID, LabelEN: labelEN, Amount: amount, FormulaID: formula, FormulaEN: formula}
}

// JKMDeath is the JKM death benefit: lump sum, the periodic benefit paid at
// once (24 × 500,000 under pp82-2019) and the funeral benefit. When the
// version sets a minimum membership and the member had less, the funeral
// benefit alone is paid.
func (b *Book) JKMDeath(membershipMonths int) Benefit {
	rules := b.jkm
	funeral := fixedComponent("jkm_funeral", "Biaya pemakaman", "Funeral costs", rules.funeral)
	if rules.minimumMembershipMonths > 0 && membershipMonths < rules.minimumMembershipMonths {
		return b.benefit([]Component{funeral}, fmt.Sprintf(
			"membership of %d months is under the %d months %s requires: the funeral benefit only",
			membershipMonths, rules.minimumMembershipMonths, b.id))
	}
	return b.benefit([]Component{
		fixedComponent("jkm_lump_sum", "Santunan kematian JKM", "JKM death lump sum", rules.lumpSum),
		timesComponent("jkm_periodic", "Santunan berkala (dibayar sekaligus)", "Periodic benefit (paid at once)",
			rules.periodicMonths, rules.periodicMonthly),
		funeral,
	})
}

// JKKDeath is the death-by-work-accident benefit: wage × 48 (never below the
// minimum the data's reading sets), the periodic benefit paid at once and the
// funeral benefit. The scholarship is computed separately (ScholarshipPlan).
func (b *Book) JKKDeath(wage decimal.Decimal) Benefit {
	rules := b.jkk
	lump := timesComponent("jkk_death_lump_sum", "JKK meninggal dunia", "JKK death (work accident)", rules.deathMultiplier, wage)
	components := []Component{lump,
		timesComponent("jkk_periodic", "Santunan berkala (dibayar sekaligus)", "Periodic benefit (paid at once)",
			rules.periodicMonths, rules.periodicMonthly),
		fixedComponent("jkk_funeral", "Biaya pemakaman", "Funeral costs", rules.funeral),
	}
	notes := []string{"the scholarship for up to two children is a separate claim"}
	minimum := rules.deathMinimum
	switch {
	case minimum.appliesTo == minimumOnLumpSum && lump.Amount.LessThan(minimum.amount):
		components[0].Amount = minimum.amount
		components[0].FormulaID = fmt.Sprintf("%d × %s = %s, minimal %s", rules.deathMultiplier, money.FormatIDR(wage),
			money.FormatIDR(lump.Amount), money.FormatIDR(minimum.amount))
		components[0].FormulaEN = fmt.Sprintf("%d × %s = %s, at least %s", rules.deathMultiplier, money.FormatIDR(wage),
			money.FormatIDR(lump.Amount), money.FormatIDR(minimum.amount))
		notes = append(notes, "minimum applied; reading: "+minimum.reading)
	case minimum.appliesTo == minimumOnTotal && b.benefit(components).Total.LessThan(minimum.amount):
		shortfall := minimum.amount.Sub(b.benefit(components).Total)
		components = append(components, fixedComponent("jkk_death_minimum_top_up", "Tambahan sampai santunan minimum",
			"Top-up to the minimum benefit", shortfall))
		notes = append(notes, "minimum applied; reading: "+minimum.reading)
	}
	return b.benefit(components, notes...)
}

// TotalDisability is the total permanent disability (CTT) benefit: wage × 56
// and the periodic benefit paid at once. The scholarship is separate.
func (b *Book) TotalDisability(wage decimal.Decimal) Benefit {
	rules := b.jkk
	return b.benefit([]Component{
		timesComponent("jkk_total_disability_lump_sum", "Cacat total tetap", "Total permanent disability",
			rules.totalDisabilityMultiplier, wage),
		timesComponent("jkk_periodic", "Santunan berkala (dibayar sekaligus)", "Periodic benefit (paid at once)",
			rules.periodicMonths, rules.periodicMonthly),
	})
}

// PartialDisability is the permanent partial disability benefit: the table's
// percentage for the body part × 80 × wage. For a left-handed worker the
// left and right rows the data pairs are swapped. A percentOverride (the
// assessing doctor's percentage) replaces the table's, and is required for a
// body part the table does not list.
func (b *Book) PartialDisability(wage decimal.Decimal, bodyPart string, leftHanded bool, percentOverride *decimal.Decimal) (Benefit, error) {
	rules := b.jkk
	if strings.TrimSpace(bodyPart) == "" && percentOverride == nil {
		return Benefit{}, fieldError("details.body_part", "is required, or details.disability_percent (the doctor's assessed percentage)")
	}
	row, known := rules.disability[bodyPart]
	if !known && percentOverride == nil {
		return Benefit{}, fieldError("details.body_part", "%q is not in the disability table of %s (known: %s); otherwise give details.disability_percent from the assessment",
			bodyPart, b.id, strings.Join(rules.disabilityOrder, ", "))
	}
	switch {
	case strings.TrimSpace(bodyPart) == "":
		row = disabilityRow{labelID: "persentase penilaian dokter", labelEN: "the doctor's assessed percentage"}
	case !known:
		row = disabilityRow{labelID: bodyPart, labelEN: bodyPart}
	}
	percent, notes := row.percent, []string(nil)
	if other, swapped := rules.leftHandedSwap[bodyPart]; swapped && leftHanded {
		percent = rules.disability[other].percent
		notes = append(notes, fmt.Sprintf("left-handed worker: %s takes the %s rate of %s", bodyPart, other, percentText(percent)))
	}
	if percentOverride != nil {
		if !percentOverride.IsPositive() || percentOverride.GreaterThan(hundred) {
			return Benefit{}, fieldError("details.disability_percent", "%s is not more than 0 and at most 100", percentOverride)
		}
		percent = *percentOverride
		if strings.TrimSpace(bodyPart) == "" {
			notes = append(notes, fmt.Sprintf("percentage %s assessed by the doctor (details.disability_percent); no body part of the table named", percentText(percent)))
		} else {
			notes = append(notes, fmt.Sprintf("percentage %s set by the assessment, not the table", percentText(percent)))
		}
	}
	multiplier := decimal.NewFromInt(int64(rules.partialDisabilityMultiplier))
	amount := money.RoundRupiah(percent.Shift(-2).Mul(multiplier).Mul(wage))
	formula := func(percentText string) string {
		return fmt.Sprintf("%s × %s × %s = %s", percentText, multiplier, money.FormatIDR(wage), money.FormatIDR(amount))
	}
	return b.benefit([]Component{{Code: "jkk_partial_disability",
		LabelID: "Cacat sebagian anatomis (" + row.labelID + ")", LabelEN: "Permanent partial disability (" + row.labelEN + ")",
		Amount: amount, FormulaID: formula(percentTextID(percent)), FormulaEN: formula(percentText(percent))}}, notes...), nil
}

// TemporaryIncapacity (STMB) pays the wage by band: 100 % for each of the first
// 12 months, then 50 % until healed (pp82-2019); one component per band used.
func (b *Book) TemporaryIncapacity(wage decimal.Decimal, months int) Benefit {
	if months < 1 {
		return b.benefit(nil, "no month of incapacity: nothing to pay")
	}
	var components []Component
	first := 1
	for i, band := range b.jkk.incapacityBands {
		if months < first {
			break
		}
		last := months
		if band.months > 0 {
			last = min(months, first+band.months-1)
		}
		count := last - first + 1
		amount := money.RoundRupiah(wage.Mul(band.percent.Shift(-2)).Mul(decimal.NewFromInt(int64(count))))
		formula := func(percentText string) string {
			return fmt.Sprintf("%d × %s × %s = %s", count, percentText, money.FormatIDR(wage), money.FormatIDR(amount))
		}
		components = append(components, Component{Code: fmt.Sprintf("jkk_stmb_band_%d", i+1),
			LabelID: fmt.Sprintf("STMB bulan %d–%d (%s)", first, last, percentTextID(band.percent)),
			LabelEN: fmt.Sprintf("Temporary incapacity, months %d–%d (%s)", first, last, percentText(band.percent)),
			Amount:  amount, FormulaID: formula(percentTextID(band.percent)), FormulaEN: formula(percentText(band.percent))})
		first = last + 1
	}
	return b.benefit(components)
}

var transportLabels = map[string][2]string{
	"land": {"Transportasi darat", "Land transport"},
	"sea":  {"Transportasi laut", "Sea transport"},
	"air":  {"Transportasi udara", "Air transport"},
}

// Granted is what earlier claims on the same accident were granted for one
// transport mode, and which claims those were.
type Granted struct {
	Amount   decimal.Decimal
	ClaimIDs []string
}

// Transport reimburses the actual cost of each mode used (land, sea, air) up
// to that mode's cap; the caps add up. A cap holds per accident: what earlier
// claims on the accident were granted for a mode (granted) is taken off its
// cap first. A capped cost is noted.
func (b *Book) Transport(costs map[string]decimal.Decimal, granted map[string]Granted) (Benefit, error) {
	rules := b.jkk
	for _, mode := range sortedKeys(costs) {
		cost := costs[mode]
		if _, ok := rules.transportCaps[mode]; !ok {
			return Benefit{}, fieldError("details.transport_mode", "%q is not one of %v", mode, rules.transportModes)
		}
		if cost.IsNegative() {
			return Benefit{}, fieldError("details.cost", "must not be negative")
		}
	}
	var components []Component
	var notes []string
	for _, mode := range rules.transportModes {
		cost, used := costs[mode]
		if !used {
			continue
		}
		limit := rules.transportCaps[mode]
		capText := money.FormatIDR(limit)
		if earlier := granted[mode]; earlier.Amount.IsPositive() {
			left := decimal.Max(limit.Sub(earlier.Amount), decimal.Zero)
			notes = append(notes, fmt.Sprintf("%s transport: %s of the %s cap for this accident was granted already (claim %s); %s left",
				mode, money.FormatIDR(earlier.Amount), money.FormatIDR(limit), strings.Join(earlier.ClaimIDs, ", "), money.FormatIDR(left)))
			limit, capText = left, money.FormatIDR(left)+" left of "+money.FormatIDR(rules.transportCaps[mode])
		}
		amount := money.RoundRupiah(decimal.Min(cost, limit))
		formulaID, formulaEN := money.FormatIDR(amount), money.FormatIDR(amount)
		if cost.GreaterThan(limit) {
			formulaID = fmt.Sprintf("%s, dibatasi %s", money.FormatIDR(cost), capText)
			formulaEN = fmt.Sprintf("%s, capped at %s", money.FormatIDR(cost), capText)
			notes = append(notes, fmt.Sprintf("%s transport cost %s capped at %s", mode, money.FormatIDR(cost), capText))
		}
		labels, ok := transportLabels[mode]
		if !ok {
			labels = [2]string{"Transportasi " + mode, "Transport, " + mode}
		}
		components = append(components, Component{Code: "jkk_transport_" + mode, LabelID: labels[0], LabelEN: labels[1],
			Amount: amount, FormulaID: formulaID, FormulaEN: formulaEN})
	}
	return b.benefit(components, notes...), nil
}

// Medical is medical care reimbursed on invoice: the rules set no cap, so the
// actual amount is recorded (rounded half up to whole rupiah).
func (b *Book) Medical(cost decimal.Decimal) Benefit {
	return b.benefit([]Component{fixedComponent("jkk_medical", "Perawatan dan pengobatan", "Medical care", cost)},
		"reimbursed on invoice; the rules set no cap")
}
