package demo

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tanahbumbu/jaminan/domain/calendar"
	"github.com/tanahbumbu/jaminan/domain/command"
	"github.com/tanahbumbu/jaminan/domain/problem"
	"github.com/tanahbumbu/jaminan/domain/reference"
)

type worker struct {
	register *command.RegisterParticipant
	enroll   *command.Enroll
}

var (
	givenNames = []string{"Ahmad", "Siti", "Muhammad", "Nur", "Rahmat", "Fitri", "Hendra", "Rina", "Syamsul", "Wahyuni", "Andi", "Dewi",
		"Budi", "Hasanah", "Yusuf", "Aisyah", "Rudi", "Mariani", "Fauzan", "Zainab", "Imam", "Sari", "Agus", "Nurul", "Ilham", "Rahmah"}
	familyNames = []string{"Saputra", "Rahman", "Hidayat", "Lestari", "Pratama", "Wulandari", "Anshari", "Maulana", "Hasan", "Fadillah",
		"Syahputra", "Yuliani", "Kurniawan", "Amalia", "Firmansyah", "Noor", "Basri", "Arsyad"}
)

// category mix of the village ecosystem: category, segment, weight.
var mix = []struct {
	category, segment string
	weight            int
}{
	{"perangkat_desa", "PU", 30}, {"bpd", "PU", 12}, {"rt_rw", "BPU", 18}, {"kader", "BPU", 16},
	{"pkk", "BPU", 8}, {"pekerja_rentan", "BPU", 12}, {"bumdes", "PU", 4},
}

// population makes the payers (one per desa and the regency) and the workers.
func population(places *reference.Places, options Options, random *rand.Rand) ([]*command.RegisterPayer, []worker, error) {
	pairs := sortedDesa(places, options.Kecamatan)
	if len(pairs) == 0 {
		return nil, nil, errors.New("demo: no desa in the chosen kecamatan")
	}
	payers := []*command.RegisterPayer{{PayerID: RegencyPayer, PayerName: "Pemerintah Kabupaten Tanah Bumbu (APBD, pekerja rentan)", Kind: "regency", RiskClass: 1}}
	for _, pair := range pairs {
		payers = append(payers, &command.RegisterPayer{PayerID: desaPayer(pair[1]), PayerName: "Pemerintah Desa " + pair[1], Kind: "village_government", RiskClass: 1})
	}
	kecamatanCode := map[string]int{}
	for i, name := range places.Kecamatan() {
		kecamatanCode[name] = i + 1
	}
	start := options.FirstPeriod.FirstDay()
	workers := make([]worker, 0, options.Workers+len(story))
	for _, s := range story {
		workers = append(workers, s.worker(start))
	}
	for i := 0; i < options.Workers; i++ {
		pair := pairs[random.IntN(len(pairs))]
		workers = append(workers, randomWorker(random, pair, kecamatanCode[pair[0]], i, start))
	}
	return payers, workers, nil
}

func desaPayer(desa string) string {
	return "desa-" + strings.ToLower(strings.NewReplacer(" ", "-", "'", "").Replace(desa))
}

func randomWorker(random *rand.Rand, pair [2]string, kecamatanCode, serial int, start calendar.Date) worker {
	category, segment := pick(random)
	female := random.IntN(2) == 0
	birth := calendar.NewDate(1970+random.IntN(30), time.Month(1+random.IntN(12)), 1+random.IntN(28))
	name := givenNames[random.IntN(len(givenNames))] + " " + familyNames[random.IntN(len(familyNames))]
	payerID := desaPayer(pair[1])
	enroll := &command.Enroll{NIK: nik(kecamatanCode, birth, female, serial), Programmes: []string{"JKK", "JKM"}, EffectiveDate: start}
	if segment == "PU" {
		enroll.Programmes = append(enroll.Programmes, "JHT")
		enroll.Wage = &command.Money{Decimal: decimal.NewFromInt(int64(1_500_000 + 50_000*random.IntN(50)))}
	} else {
		payerID = RegencyPayer
		enroll.DeclaredIncome = &command.Money{Decimal: decimal.NewFromInt(1_000_000)}
	}
	return worker{
		register: &command.RegisterParticipant{NIK: enroll.NIK, FullName: name, BirthDate: birth, Category: category, Segment: segment,
			Kecamatan: pair[0], Desa: pair[1], PayerID: payerID},
		enroll: enroll,
	}
}

func pick(random *rand.Rand) (string, string) {
	total := 0
	for _, entry := range mix {
		total += entry.weight
	}
	roll := random.IntN(total)
	for _, entry := range mix {
		if roll < entry.weight {
			return entry.category, entry.segment
		}
		roll -= entry.weight
	}
	return mix[0].category, mix[0].segment
}

// nik builds a well-formed NIK: 63 (Kalimantan Selatan), 10 (Tanah Bumbu),
// the kecamatan, the birth date (day + 40 for women) and a serial.
func nik(kecamatanCode int, birth calendar.Date, female bool, serial int) string {
	day := birth.Day()
	if female {
		day += 40
	}
	return fmt.Sprintf("6310%02d%02d%02d%02d%04d", kecamatanCode, day, int(birth.Month()), birth.Year()%100, serial%10000)
}

func containsCode(err error, code string) bool {
	domainError, ok := problem.As(err)
	return ok && domainError.Code == code
}
