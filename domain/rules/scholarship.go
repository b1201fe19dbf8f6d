package rules

import (
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tanahbumbu/jaminan/domain/calendar"
)

// levelNone is a child's level before school entry.
const levelNone = "none"

// childrenMax bounds the children one claim may list.
const childrenMax = 20

// Child is a member's child named in a scholarship claim.
type Child struct {
	Name      string
	BirthDate calendar.Date
	Level     string // TK, SD, SMP, SMA, university, or "none" (not yet at school)
	Grade     int    // 1-based year within the level; 0 for "none"
}

// Tranche is one school year's scholarship for one child.
type Tranche struct {
	SchoolYear int // 2024 is the school year 2024/2025
	Level      string
	Grade      int
	Amount     decimal.Decimal
}

// ChildPlan is one child's tranches and their sum.
type ChildPlan struct {
	Child    Child
	Filed    int // the child's place in the claim, from 0
	Tranches []Tranche
	Total    decimal.Decimal
}

// Plan is the scholarship committed after an incident: the children who
// receive it, their sum, and notes on the children left out or capped.
type Plan struct {
	Children []ChildPlan
	Total    decimal.Decimal
	Notes    []string
}

// ScholarshipPlan commits the scholarship for the first children (two under
// pp82-2019), in the order given, who are under the age limit (23) at the
// incident: one tranche per school year from the child's current level and
// grade to the end of university, by the per-level amounts and year counts,
// capped per child (87,000,000). A child not yet at school starts at school
// entry (the data's entry level and age). Each tranche is still claimed each
// year; one ends when the child turns 23, marries or works.
func (b *Book) ScholarshipPlan(children []Child, firstSchoolYear int, incidentDate calendar.Date) (Plan, error) {
	rules := b.scholarship
	if len(children) == 0 || len(children) > childrenMax {
		return Plan{}, fieldError("details.children", "lists %d children, want 1 to %d", len(children), childrenMax)
	}
	for i, child := range children {
		if err := rules.checkChild(child, fmt.Sprintf("details.children[%d]", i)); err != nil {
			return Plan{}, err
		}
	}
	plan := Plan{Total: decimal.Zero}
	for i, child := range children {
		name := childName(child, i)
		if age := calendar.FullYearsBetween(child.BirthDate, incidentDate); age >= rules.ageLimitYears {
			plan.Notes = append(plan.Notes, fmt.Sprintf("%s is %d at the incident, not under %d: no scholarship", name, age, rules.ageLimitYears))
			continue
		}
		if len(plan.Children) == rules.maxChildren {
			plan.Notes = append(plan.Notes, fmt.Sprintf("%s is left out: at most %d children receive the scholarship", name, rules.maxChildren))
			continue
		}
		childPlan, notes := rules.childPlan(child, firstSchoolYear)
		childPlan.Filed = i
		for _, note := range notes {
			plan.Notes = append(plan.Notes, name+": "+note)
		}
		plan.Children = append(plan.Children, childPlan)
		plan.Total = plan.Total.Add(childPlan.Total)
	}
	if len(plan.Children) == 0 {
		return Plan{}, fieldError("details.children", "no child is under %d at the incident", rules.ageLimitYears)
	}
	return plan, nil
}

func childName(child Child, index int) string {
	if child.Name != "" {
		return child.Name
	}
	return fmt.Sprintf("child %d", index+1)
}

func (r scholarshipRules) checkChild(child Child, field string) error {
	if child.BirthDate.IsZero() {
		return fieldError(field+".birth_date", "is required")
	}
	if child.Level == levelNone {
		if child.Grade != 0 {
			return fieldError(field+".grade", "a child not yet at school has no grade (0)")
		}
		return nil
	}
	index := r.levelIndex(child.Level)
	if index < 0 {
		return fieldError(field+".level", "%q is not one of %v or %q", child.Level, r.levelNames(), levelNone)
	}
	if years := r.levels[index].years; child.Grade < 1 || child.Grade > years {
		return fieldError(field+".grade", "%d is not a year of %s (1 to %d)", child.Grade, child.Level, years)
	}
	return nil
}

// childPlan schedules one child's tranches and notes any cap applied.
func (r scholarshipRules) childPlan(child Child, firstSchoolYear int) (ChildPlan, []string) {
	plan := ChildPlan{Child: child, Total: decimal.Zero}
	if r.lumpSumPerMember.IsPositive() {
		amount := decimal.Min(r.lumpSumPerMember, r.capPerChild)
		plan.Tranches = []Tranche{{SchoolYear: firstSchoolYear, Level: child.Level, Grade: child.Grade, Amount: amount}}
		plan.Total = amount
		return plan, []string{"one education benefit per member, paid once"}
	}
	level, grade, year := r.levelIndex(child.Level), child.Grade, firstSchoolYear
	var notes []string
	if child.Level == levelNone {
		level, grade, year = r.levelIndex(r.entryLevel), 1, r.entryYear(child.BirthDate, firstSchoolYear)
		notes = append(notes, fmt.Sprintf("not yet at school: enters %s in %d/%d (at age %d)", r.entryLevel, year, year+1, r.entryAgeYears))
	}
	for ; level < len(r.levels); level, grade = level+1, 1 {
		for ; grade <= r.levels[level].years; grade, year = grade+1, year+1 {
			amount := r.levels[level].amountPerYear
			if room := r.capPerChild.Sub(plan.Total); amount.GreaterThan(room) {
				amount = room
				notes = append(notes, fmt.Sprintf("capped at %s a child", groupThousands(r.capPerChild)))
			}
			if !amount.IsPositive() {
				return plan, notes
			}
			plan.Tranches = append(plan.Tranches, Tranche{SchoolYear: year, Level: r.levels[level].name, Grade: grade, Amount: amount})
			plan.Total = plan.Total.Add(amount)
		}
	}
	return plan, notes
}

// entryYear is the first school year, from firstSchoolYear on, at whose start
// the child has reached the entry age.
func (r scholarshipRules) entryYear(birthDate calendar.Date, firstSchoolYear int) int {
	year := firstSchoolYear
	for range r.entryAgeYears + 1 {
		start := calendar.NewDate(year, time.Month(r.schoolYearStartMonth), 1)
		if calendar.FullYearsBetween(birthDate, start) >= r.entryAgeYears {
			return year
		}
		year++
	}
	return year
}

func (r scholarshipRules) levelIndex(name string) int {
	for i, level := range r.levels {
		if level.name == name {
			return i
		}
	}
	return -1
}

func (r scholarshipRules) levelNames() []string {
	names := make([]string, len(r.levels))
	for i, level := range r.levels {
		names[i] = level.name
	}
	return names
}
