package rules

import "encoding/json"

// The JSON shape of rulebook.json. Amounts and rates stay strings here; the
// parser turns them into decimals and reports every bad one by its path.

type fileJSON struct {
	Format        string            `json:"format"`
	Notes         []string          `json:"notes"`
	Participation participationJSON `json:"participation"`
	Holidays      holidaysJSON      `json:"holidays"`
	Versions      []json.RawMessage `json:"versions"`
}

type participationJSON struct {
	MinimumAgeYears int    `json:"minimum_age_years"`
	JHTAgeYears     int    `json:"jht_age_years"`
	Source          string `json:"source"`
}

type holidaysJSON struct {
	Source  string            `json:"source"`
	Reading string            `json:"reading"`
	Years   []holidayYearJSON `json:"years"`
}

// holidayYearJSON is one calendar year's non-working days, with the decree it follows.
type holidayYearJSON struct {
	Year        int      `json:"year"`
	Source      string   `json:"source"`
	National    []string `json:"national"`
	CutiBersama []string `json:"cuti_bersama"`
}

type versionJSON struct {
	ID             string                    `json:"id"`
	Base           string                    `json:"base"`
	Regulation     string                    `json:"regulation"`
	Title          string                    `json:"title"`
	Scope          string                    `json:"scope"`
	EffectiveFrom  string                    `json:"effective_from"`
	Periods        *periodsJSON              `json:"periods"`
	Notes          []string                  `json:"notes"`
	Contributions  contributionsJSON         `json:"contributions"`
	Due            map[string]dueJSON        `json:"due"`
	DueReading     string                    `json:"due_reading"`
	LatePenalty    penaltyJSON               `json:"late_penalty"`
	Arrears        arrearsJSON               `json:"arrears"`
	WageBaseLimits map[string]wageLimitsJSON `json:"wage_base_limits"`
	Benefits       benefitsJSON              `json:"benefits"`
	ServiceLevels  serviceLevelsJSON         `json:"service_levels"`
}

type periodsJSON struct {
	From string `json:"from"`
	To   string `json:"to"`
}

type contributionsJSON struct {
	PU           wageEarnerJSON    `json:"pu"`
	BPU          nonWageEarnerJSON `json:"bpu"`
	Construction constructionJSON  `json:"construction"`
	Relief       *reliefJSON       `json:"relief"`
}

type wageEarnerJSON struct {
	JKKRatePercentByRiskClass []string `json:"jkk_rate_percent_by_risk_class"`
	JKMRatePercent            string   `json:"jkm_rate_percent"`
	JHTEmployerRatePercent    string   `json:"jht_employer_rate_percent"`
	JHTWorkerRatePercent      string   `json:"jht_worker_rate_percent"`
	JKPEnrolled               *jkpJSON `json:"jkp_enrolled"`
}

type jkpJSON struct {
	EffectiveFrom             string   `json:"effective_from"`
	Regulation                string   `json:"regulation"`
	JKKRatePercentByRiskClass []string `json:"jkk_rate_percent_by_risk_class"`
	JKMRatePercent            string   `json:"jkm_rate_percent"`
	Source                    string   `json:"source"`
	Reading                   string   `json:"reading"`
}

type nonWageEarnerJSON struct {
	JKKRatePercent     string        `json:"jkk_rate_percent"`
	JKKBrackets        []bracketJSON `json:"jkk_brackets"`
	JKKBracketsReading string        `json:"jkk_brackets_reading"`
	JKMFlat            string        `json:"jkm_flat"`
	JHTRatePercent     string        `json:"jht_rate_percent"`
}

type bracketJSON struct {
	DeclaredIncomeFrom string `json:"declared_income_from"`
	DeclaredIncomeTo   string `json:"declared_income_to"`
	Basis              string `json:"basis"`
}

type constructionJSON struct {
	JKKTiers        []tierJSON `json:"jkk_tiers"`
	JKKTiersReading string     `json:"jkk_tiers_reading"`
	JKMRatePercent  string     `json:"jkm_rate_percent"`
	JKMReading      string     `json:"jkm_reading"`
}

type tierJSON struct {
	ContractValueUpTo string `json:"contract_value_up_to"`
	RatePercent       string `json:"rate_percent"`
}

type reliefJSON struct {
	DiscountPercent map[string]string `json:"discount_percent"`
	Source          string            `json:"source"`
}

type dueJSON struct {
	Day           int    `json:"day"`
	MonthOffset   int    `json:"month_offset"`
	NonWorkingDay string `json:"non_working_day"`
}

type penaltyJSON struct {
	RatePercentPerMonth string   `json:"rate_percent_per_month"`
	Segments            []string `json:"segments"`
	Reading             string   `json:"reading"`
}

type arrearsJSON struct {
	GraceMonths                  int `json:"grace_months"`
	BPUInactiveAfterUnpaidMonths int `json:"bpu_inactive_after_unpaid_months"`
	BPUBackPaymentMonthsMax      int `json:"bpu_back_payment_months_max"`
}

type wageLimitsJSON struct {
	Minimum string `json:"minimum"`
	Maximum string `json:"maximum"`
	Reading string `json:"reading"`
}

type benefitsJSON struct {
	JKM         jkmJSON         `json:"jkm"`
	JKK         jkkJSON         `json:"jkk"`
	Scholarship scholarshipJSON `json:"scholarship"`
	JHT         jhtJSON         `json:"jht"`
}

type jhtJSON struct {
	ReturnMethod        string `json:"return_method"`
	ReturnMethodReading string `json:"return_method_reading"`
}

type jkmJSON struct {
	LumpSum                  string `json:"lump_sum"`
	PeriodicMonths           int    `json:"periodic_months"`
	PeriodicMonthly          string `json:"periodic_monthly"`
	Funeral                  string `json:"funeral"`
	MinimumMembershipMonths  int    `json:"minimum_membership_months"`
	MinimumMembershipReading string `json:"minimum_membership_reading"`
}

type jkkJSON struct {
	DeathWageMultiplier             int                `json:"death_wage_multiplier"`
	TotalDisabilityWageMultiplier   int                `json:"total_disability_wage_multiplier"`
	PartialDisabilityWageMultiplier int                `json:"partial_disability_wage_multiplier"`
	PeriodicMonths                  int                `json:"periodic_months"`
	PeriodicMonthly                 string             `json:"periodic_monthly"`
	Funeral                         string             `json:"funeral"`
	DeathMinimum                    deathMinimumJSON   `json:"death_minimum"`
	TemporaryIncapacityBands        []bandJSON         `json:"temporary_incapacity_bands"`
	TransportCaps                   []transportCapJSON `json:"transport_caps"`
	DisabilityTable                 []disabilityJSON   `json:"disability_table"`
	LeftHandedSwaps                 [][]string         `json:"left_handed_swaps"`
}

type deathMinimumJSON struct {
	AppliesTo string `json:"applies_to"`
	Amount    string `json:"amount"`
	Reading   string `json:"reading"`
}

type transportCapJSON struct {
	Mode string `json:"mode"`
	Cap  string `json:"cap"`
}

type bandJSON struct {
	Months  int    `json:"months"`
	Percent string `json:"percent"`
}

type disabilityJSON struct {
	BodyPart string `json:"body_part"`
	Percent  string `json:"percent"`
	LabelID  string `json:"label_id"`
	LabelEN  string `json:"label_en"`
	Source   string `json:"source"`
}

type scholarshipJSON struct {
	MaxChildren               int             `json:"max_children"`
	AgeLimitYears             int             `json:"age_limit_years"`
	CapPerChild               string          `json:"cap_per_child"`
	JKMMinimumMembershipYears int             `json:"jkm_minimum_membership_years"`
	SchoolYearStartMonth      int             `json:"school_year_start_month"`
	LumpSumPerMember          string          `json:"lump_sum_per_member"`
	Levels                    []levelJSON     `json:"levels"`
	SchoolEntry               schoolEntryJSON `json:"school_entry"`
	Reading                   string          `json:"reading"`
}

type levelJSON struct {
	Level         string `json:"level"`
	AmountPerYear string `json:"amount_per_year"`
	Years         int    `json:"years"`
}

type schoolEntryJSON struct {
	Level    string `json:"level"`
	AgeYears int    `json:"age_years"`
}

type serviceLevelsJSON struct {
	WorkingDays        map[string]int `json:"working_days"`
	DefaultWorkingDays int            `json:"default_working_days"`
}
