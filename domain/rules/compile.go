package rules

import "github.com/shopspring/decimal"

var hundred = decimal.NewFromInt(100)

func compileContributions(c *checker, path string, data contributionsJSON, book *Book) {
	book.wageEarner = compileWageEarner(c, path+".pu", data.PU)
	book.nonWageEarner = compileNonWageEarner(c, path+".bpu", data.BPU)
	book.construction = compileConstruction(c, path+".construction", data.Construction)
	if data.Relief == nil {
		return
	}
	relief := &reliefRates{discountPercent: map[Programme]decimal.Decimal{}, source: data.Relief.Source}
	if len(data.Relief.DiscountPercent) == 0 {
		c.add(path+".relief.discount_percent", "names no programme")
	}
	for _, programme := range sortedKeys(data.Relief.DiscountPercent) {
		text := data.Relief.DiscountPercent[programme]
		field := path + ".relief.discount_percent." + programme
		c.oneOf(field, programme, string(JKK), string(JKM), string(JHT))
		relief.discountPercent[Programme(programme)] = c.percent(field, text)
	}
	book.relief = relief
}

func compileRates(c *checker, field string, texts []string) []decimal.Decimal {
	if !c.listLength(field, len(texts), 1, riskClassesMax) {
		return nil
	}
	rates := make([]decimal.Decimal, len(texts))
	for i, text := range texts {
		rates[i] = c.percent(indexed(field, i), text)
	}
	return rates
}

func compileWageEarner(c *checker, path string, data wageEarnerJSON) wageEarnerRates {
	rates := wageEarnerRates{
		jkkPercentByRiskClass: compileRates(c, path+".jkk_rate_percent_by_risk_class", data.JKKRatePercentByRiskClass),
		jkmPercent:            c.percent(path+".jkm_rate_percent", data.JKMRatePercent),
		jhtEmployerPercent:    c.percent(path+".jht_employer_rate_percent", data.JHTEmployerRatePercent),
		jhtWorkerPercent:      c.percent(path+".jht_worker_rate_percent", data.JHTWorkerRatePercent),
	}
	if data.JKPEnrolled == nil {
		return rates
	}
	jkpPath := path + ".jkp_enrolled"
	rates.jkp = &jkpRates{
		effectiveFrom:         c.date(jkpPath+".effective_from", data.JKPEnrolled.EffectiveFrom),
		regulation:            c.required(jkpPath+".regulation", data.JKPEnrolled.Regulation),
		jkkPercentByRiskClass: compileRates(c, jkpPath+".jkk_rate_percent_by_risk_class", data.JKPEnrolled.JKKRatePercentByRiskClass),
		jkmPercent:            c.percent(jkpPath+".jkm_rate_percent", data.JKPEnrolled.JKMRatePercent),
	}
	if len(rates.jkp.jkkPercentByRiskClass) != len(rates.jkkPercentByRiskClass) {
		c.add(jkpPath+".jkk_rate_percent_by_risk_class", "has %d risk classes, the full rates %d",
			len(rates.jkp.jkkPercentByRiskClass), len(rates.jkkPercentByRiskClass))
	}
	return rates
}

func compileNonWageEarner(c *checker, path string, data nonWageEarnerJSON) nonWageEarnerRates {
	rates := nonWageEarnerRates{
		jkkPercent: c.percent(path+".jkk_rate_percent", data.JKKRatePercent),
		jkmFlat:    c.amount(path+".jkm_flat", data.JKMFlat),
		jhtPercent: c.percent(path+".jht_rate_percent", data.JHTRatePercent),
	}
	field := path + ".jkk_brackets"
	if !c.listLength(field, len(data.JKKBrackets), 1, tableRowsMax) {
		return rates
	}
	for i, row := range data.JKKBrackets {
		rowPath := indexed(field, i)
		bracket := incomeBracket{
			from:  c.amount(rowPath+".declared_income_from", row.DeclaredIncomeFrom),
			to:    c.amount(rowPath+".declared_income_to", row.DeclaredIncomeTo),
			basis: c.optionalAmount(rowPath+".basis", row.Basis),
		}
		if bracket.to.LessThan(bracket.from) {
			c.add(rowPath+".declared_income_to", "is below declared_income_from")
		}
		if i > 0 && !bracket.from.GreaterThan(rates.brackets[i-1].to) {
			c.add(rowPath+".declared_income_from", "must be above the previous bracket's declared_income_to")
		}
		rates.brackets = append(rates.brackets, bracket)
	}
	return rates
}

func compileConstruction(c *checker, path string, data constructionJSON) constructionRates {
	rates := constructionRates{jkmPercent: c.percent(path+".jkm_rate_percent", data.JKMRatePercent)}
	field := path + ".jkk_tiers"
	if !c.listLength(field, len(data.JKKTiers), 1, tableRowsMax) {
		return rates
	}
	for i, row := range data.JKKTiers {
		rowPath := indexed(field, i)
		last := i == len(data.JKKTiers)-1
		tier := contractTier{percent: c.percent(rowPath+".rate_percent", row.RatePercent)}
		switch {
		case last && row.ContractValueUpTo != "":
			c.add(rowPath+".contract_value_up_to", "the top tier is open: leave it empty")
		case !last:
			tier.upTo = c.positiveAmount(rowPath+".contract_value_up_to", row.ContractValueUpTo)
			if i > 0 && !tier.upTo.GreaterThan(rates.jkkTiers[i-1].upTo) {
				c.add(rowPath+".contract_value_up_to", "must be above the previous tier's bound")
			}
		}
		rates.jkkTiers = append(rates.jkkTiers, tier)
	}
	return rates
}

func compileDue(c *checker, path string, data map[string]dueJSON) map[Segment]dueRule {
	rules := map[Segment]dueRule{}
	if _, ok := data[string(SegmentPU)]; !ok {
		c.add(path+"."+string(SegmentPU), "is required")
	}
	for _, name := range sortedKeys(data) {
		row, rowPath := data[name], path+"."+name
		rules[c.segment(rowPath, name)] = dueRule{
			day:           c.count(rowPath+".day", row.Day, 1, 31),
			monthOffset:   c.count(rowPath+".month_offset", row.MonthOffset, 0, 3),
			nonWorkingDay: c.oneOf(rowPath+".non_working_day", row.NonWorkingDay, rollNext, rollPrevious, rollNone),
		}
	}
	return rules
}

func compilePenalty(c *checker, path string, data penaltyJSON) penaltyRule {
	rule := penaltyRule{percentPerMonth: c.percent(path+".rate_percent_per_month", data.RatePercentPerMonth), segments: map[Segment]bool{}}
	for i, name := range data.Segments {
		rule.segments[c.segment(indexed(path+".segments", i), name)] = true
	}
	return rule
}

func compileWageLimits(c *checker, path string, data map[string]wageLimitsJSON) map[Segment]wageLimits {
	limits := map[Segment]wageLimits{}
	for _, segment := range []Segment{SegmentPU, SegmentBPU} {
		if _, ok := data[string(segment)]; !ok {
			c.add(path+"."+string(segment), "is required")
		}
	}
	for _, name := range sortedKeys(data) {
		row, rowPath := data[name], path+"."+name
		limit := wageLimits{minimum: c.positiveAmount(rowPath+".minimum", row.Minimum), maximum: c.positiveAmount(rowPath+".maximum", row.Maximum)}
		if limit.maximum.LessThan(limit.minimum) {
			c.add(rowPath+".maximum", "is below the minimum")
		}
		limits[c.segment(rowPath, name)] = limit
	}
	return limits
}

func compileJKM(c *checker, path string, data jkmJSON) jkmRules {
	return jkmRules{
		lumpSum:                 c.amount(path+".lump_sum", data.LumpSum),
		periodicMonths:          c.count(path+".periodic_months", data.PeriodicMonths, 0, monthsMax),
		periodicMonthly:         c.amount(path+".periodic_monthly", data.PeriodicMonthly),
		funeral:                 c.amount(path+".funeral", data.Funeral),
		minimumMembershipMonths: c.count(path+".minimum_membership_months", data.MinimumMembershipMonths, 0, monthsMax),
	}
}

func compileJKK(c *checker, path string, data jkkJSON) jkkRules {
	rules := jkkRules{
		deathMultiplier:             c.count(path+".death_wage_multiplier", data.DeathWageMultiplier, 1, multiplierMax),
		totalDisabilityMultiplier:   c.count(path+".total_disability_wage_multiplier", data.TotalDisabilityWageMultiplier, 1, multiplierMax),
		partialDisabilityMultiplier: c.count(path+".partial_disability_wage_multiplier", data.PartialDisabilityWageMultiplier, 1, multiplierMax),
		periodicMonths:              c.count(path+".periodic_months", data.PeriodicMonths, 0, monthsMax),
		periodicMonthly:             c.amount(path+".periodic_monthly", data.PeriodicMonthly),
		funeral:                     c.amount(path+".funeral", data.Funeral),
		deathMinimum: deathMinimum{
			appliesTo: c.oneOf(path+".death_minimum.applies_to", data.DeathMinimum.AppliesTo, minimumOnLumpSum, minimumOnTotal),
			amount:    c.amount(path+".death_minimum.amount", data.DeathMinimum.Amount),
			reading:   c.required(path+".death_minimum.reading", data.DeathMinimum.Reading),
		},
	}
	rules.incapacityBands = compileBands(c, path+".temporary_incapacity_bands", data.TemporaryIncapacityBands)
	rules.transportModes, rules.transportCaps = compileTransport(c, path+".transport_caps", data.TransportCaps)
	compileDisability(c, path, data, &rules)
	return rules
}

func compileBands(c *checker, field string, data []bandJSON) []incapacityBand {
	if !c.listLength(field, len(data), 1, tableRowsMax) {
		return nil
	}
	bands := make([]incapacityBand, len(data))
	for i, row := range data {
		rowPath := indexed(field, i)
		last := i == len(data)-1
		switch {
		case last && row.Months != 0:
			c.add(rowPath+".months", "the last band is open (until healed): set 0")
		case !last:
			c.count(rowPath+".months", row.Months, 1, monthsMax)
		}
		bands[i] = incapacityBand{months: row.Months, percent: c.percent(rowPath+".percent", row.Percent)}
	}
	return bands
}

func compileTransport(c *checker, field string, data []transportCapJSON) ([]string, map[string]decimal.Decimal) {
	caps := map[string]decimal.Decimal{}
	var modes []string
	if !c.listLength(field, len(data), 1, tableRowsMax) {
		return modes, caps
	}
	for i, row := range data {
		rowPath := indexed(field, i)
		mode := c.required(rowPath+".mode", row.Mode)
		if _, duplicate := caps[mode]; duplicate {
			c.add(rowPath+".mode", "%q is listed twice", mode)
		}
		caps[mode] = c.amount(rowPath+".cap", row.Cap)
		modes = append(modes, mode)
	}
	return modes, caps
}

func compileDisability(c *checker, path string, data jkkJSON, rules *jkkRules) {
	field := path + ".disability_table"
	rules.disability = map[string]disabilityRow{}
	rules.leftHandedSwap = map[string]string{}
	if !c.listLength(field, len(data.DisabilityTable), 1, tableRowsMax) {
		return
	}
	for i, row := range data.DisabilityTable {
		rowPath := indexed(field, i)
		part := c.required(rowPath+".body_part", row.BodyPart)
		if _, duplicate := rules.disability[part]; duplicate {
			c.add(rowPath+".body_part", "%q is listed twice", part)
		}
		percent := c.percent(rowPath+".percent", row.Percent)
		if !percent.IsPositive() {
			c.add(rowPath+".percent", "must be more than zero")
		}
		rules.disability[part] = disabilityRow{percent: percent,
			labelID: c.required(rowPath+".label_id", row.LabelID), labelEN: c.required(rowPath+".label_en", row.LabelEN)}
		rules.disabilityOrder = append(rules.disabilityOrder, part)
	}
	for i, pair := range data.LeftHandedSwaps {
		pairPath := indexed(path+".left_handed_swaps", i)
		if len(pair) != 2 {
			c.add(pairPath, "a swap names two body parts (right, left)")
			continue
		}
		for _, part := range pair {
			if _, ok := rules.disability[part]; !ok {
				c.add(pairPath, "%q is not in the disability table", part)
			}
		}
		rules.leftHandedSwap[pair[0]], rules.leftHandedSwap[pair[1]] = pair[1], pair[0]
	}
}

func compileScholarship(c *checker, path string, data scholarshipJSON) scholarshipRules {
	rules := scholarshipRules{
		maxChildren:               c.count(path+".max_children", data.MaxChildren, 1, scholarshipKidsMax),
		ageLimitYears:             c.count(path+".age_limit_years", data.AgeLimitYears, 1, ageYearsMax),
		capPerChild:               c.positiveAmount(path+".cap_per_child", data.CapPerChild),
		jkmMinimumMembershipYears: c.count(path+".jkm_minimum_membership_years", data.JKMMinimumMembershipYears, 0, ageYearsMax),
		schoolYearStartMonth:      c.count(path+".school_year_start_month", data.SchoolYearStartMonth, 1, 12),
		lumpSumPerMember:          c.optionalAmount(path+".lump_sum_per_member", data.LumpSumPerMember),
		entryAgeYears:             c.count(path+".school_entry.age_years", data.SchoolEntry.AgeYears, 1, ageYearsMax),
		entryLevel:                data.SchoolEntry.Level,
	}
	field := path + ".levels"
	if !c.listLength(field, len(data.Levels), 1, tableRowsMax) {
		return rules
	}
	for i, row := range data.Levels {
		rowPath := indexed(field, i)
		level := schoolLevel{name: c.required(rowPath+".level", row.Level),
			amountPerYear: c.amount(rowPath+".amount_per_year", row.AmountPerYear),
			years:         c.count(rowPath+".years", row.Years, 1, 10)}
		if rules.levelIndex(level.name) >= 0 || level.name == levelNone {
			c.add(rowPath+".level", "%q is listed twice or reserved", level.name)
		}
		if rules.lumpSumPerMember.IsZero() && !level.amountPerYear.IsPositive() {
			c.add(rowPath+".amount_per_year", "must be more than zero when there is no lump_sum_per_member")
		}
		rules.levels = append(rules.levels, level)
	}
	if rules.levelIndex(rules.entryLevel) < 0 {
		c.add(path+".school_entry.level", "%q is not one of the levels", rules.entryLevel)
	}
	return rules
}

func compileServiceLevels(c *checker, path string, data serviceLevelsJSON) (map[string]int, int) {
	days := map[string]int{}
	for _, name := range sortedKeys(data.WorkingDays) {
		days[name] = c.count(path+".working_days."+name, data.WorkingDays[name], 1, serviceDaysMax)
	}
	return days, c.count(path+".default_working_days", data.DefaultWorkingDays, 1, serviceDaysMax)
}
