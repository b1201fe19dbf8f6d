// Labels in Bahasa Indonesia (the default) and English. Elements carry
// data-i18n (text), data-i18n-aria (aria-label) or data-i18n-placeholder.
'use strict';

const I18n = (() => {
  const labels = {
    id: {
      skip: 'Lewati ke isi',
      regency: 'Pemerintah Kabupaten Tanah Bumbu',
      title: 'Jaminan sosial ketenagakerjaan ekosistem desa',
      searchLabel: 'Riwayat peserta',
      searchPlaceholder: 'NIK, 16 angka',
      searchButton: 'Buka',
      langButton: 'EN',
      langAria: 'Switch to English',
      tokenLabel: 'Token akses',
      tokenButton: 'Simpan',
      tokenHint: 'Halaman ini membaca data melalui API; masukkan token yang diberikan administrator.',
      needToken: 'Perlu token akses',
      loading: 'Memuat data…',
      loadFailed: 'Data tidak dapat dimuat',
      headline: 'pekerja ekosistem desa terlindungi',
      headlineNote: 'peserta aktif JKK dan JKM, langsung dari buku besar',
      cardCollected: 'Iuran diterima',
      cardArrears: 'Tunggakan lewat jatuh tempo',
      cardBenefits: 'Manfaat dibayarkan',
      cardScholarships: 'Beasiswa yang masih terutang',
      historyTitle: 'Riwayat peserta',
      historyFor: 'Riwayat peserta NIK',
      historyEmpty: 'Belum ada peristiwa untuk peserta ini.',
      historyFailed: 'Riwayat tidak dapat dibuka',
      nikInvalid: 'NIK terdiri dari 16 angka.',
      close: 'Tutup',
      show: 'lihat',
      colPosition: 'Posisi', colVersion: 'Versi', colType: 'Peristiwa', colOccurred: 'Terjadi', colRecorded: 'Dicatat',
      colActor: 'Oleh', colHash: 'Hash', colState: 'Keadaan sesudahnya',
      byKecamatan: 'Pekerja terlindungi per kecamatan',
      byKecamatanHint: 'Pilih batang atau baris untuk melihat desanya.',
      byDesa: 'Desa di',
      byCategory: 'Per kategori pekerja',
      colKecamatan: 'Kecamatan', colDesa: 'Desa', colWorkers: 'Pekerja', colCategory: 'Kategori',
      collections: 'Iuran ditagih dan diterima per bulan',
      assessed: 'Ditagih', collected: 'Diterima', outstanding: 'Belum dibayar',
      arrears: 'Umur tunggakan iuran',
      days_0_30: '1–30 hari', days_31_60: '31–60 hari', days_61_90: '61–90 hari', days_over_90: '> 90 hari',
      arrearsTop: 'Pemberi kerja dengan tunggakan terbesar',
      arrearsNone: 'Tidak ada tunggakan lewat jatuh tempo.',
      colPayer: 'Pemberi kerja', colBills: 'Tagihan', colOverdue: 'Tunggakan',
      claims: 'Klaim dan pembayaran manfaat per program',
      claimsCaption: 'Klaim', payoutsCaption: 'Pembayaran manfaat',
      colProgramme: 'Program', colClaims: 'Klaim', colApproved: 'Disetujui', colPaidOut: 'Dibayar',
      colPayouts: 'Pembayaran', colAmount: 'Jumlah', colReversed: 'Dibatalkan',
      approved: 'Disetujui', paidOut: 'Dibayar',
      scholarships: 'Komitmen beasiswa anak peserta',
      scholarshipOutstanding: 'Masih terutang', scholarshipPaid: 'Sudah dibayar',
      colClaim: 'Klaim', colPlace: 'Desa', colTranches: 'Tahap', colNextYear: 'Tahun ajaran berikut', colOutstanding: 'Terutang',
      funds: 'Dana per program',
      colContributions: 'Iuran masuk', colBenefitsPaid: 'Manfaat dibayar', colNet: 'Selisih',
      fundsHint: 'Iuran masuk: baris iuran yang lunas. Beasiswa dibayar dari dana JKK/JKM.',
      none: 'Belum ada data.',
      footer: 'Sumber: tampilan dash dari buku besar jaminan (docs/dashboards.md).',
      updated: 'Dimuat',
      licence: 'Grafik: Chart.js (lisensi MIT).',
      workers: 'pekerja',
    },
    en: {
      skip: 'Skip to content',
      regency: 'Tanah Bumbu Regency Government',
      title: 'Employment social security for the village ecosystem',
      searchLabel: 'Participant history',
      searchPlaceholder: 'NIK, 16 digits',
      searchButton: 'Open',
      langButton: 'ID',
      langAria: 'Ganti ke Bahasa Indonesia',
      tokenLabel: 'Access token',
      tokenButton: 'Save',
      tokenHint: 'This page reads its data through the API; enter the token your administrator gave you.',
      needToken: 'An access token is needed',
      loading: 'Loading data…',
      loadFailed: 'The data could not be loaded',
      headline: 'village-ecosystem workers protected',
      headlineNote: 'active JKK and JKM members, live from the ledger',
      cardCollected: 'Contributions collected',
      cardArrears: 'Arrears past due',
      cardBenefits: 'Benefits paid',
      cardScholarships: 'Scholarships still owed',
      historyTitle: 'Participant history',
      historyFor: 'History of NIK',
      historyEmpty: 'No events for this participant yet.',
      historyFailed: 'The history could not be opened',
      nikInvalid: 'A NIK has 16 digits.',
      close: 'Close',
      show: 'show',
      colPosition: 'Position', colVersion: 'Version', colType: 'Event', colOccurred: 'Occurred', colRecorded: 'Recorded',
      colActor: 'By', colHash: 'Hash', colState: 'State after',
      byKecamatan: 'Protected workers by kecamatan',
      byKecamatanHint: 'Pick a bar or a row to see its villages.',
      byDesa: 'Villages of',
      byCategory: 'By worker category',
      colKecamatan: 'Kecamatan', colDesa: 'Village', colWorkers: 'Workers', colCategory: 'Category',
      collections: 'Contributions billed and collected by month',
      assessed: 'Billed', collected: 'Collected', outstanding: 'Unpaid',
      arrears: 'Contribution arrears by age',
      days_0_30: '1–30 days', days_31_60: '31–60 days', days_61_90: '61–90 days', days_over_90: '> 90 days',
      arrearsTop: 'Payers with the largest arrears',
      arrearsNone: 'No arrears past due.',
      colPayer: 'Payer', colBills: 'Bills', colOverdue: 'Overdue',
      claims: 'Claims and benefit payouts by programme',
      claimsCaption: 'Claims', payoutsCaption: 'Benefit payouts',
      colProgramme: 'Programme', colClaims: 'Claims', colApproved: 'Approved', colPaidOut: 'Paid out',
      colPayouts: 'Payouts', colAmount: 'Amount', colReversed: 'Reversed',
      approved: 'Approved', paidOut: 'Paid out',
      scholarships: "Scholarship commitments to members' children",
      scholarshipOutstanding: 'Still owed', scholarshipPaid: 'Paid',
      colClaim: 'Claim', colPlace: 'Village', colTranches: 'Tranches', colNextYear: 'Next school year', colOutstanding: 'Owed',
      funds: 'Funds by programme',
      colContributions: 'Contributions in', colBenefitsPaid: 'Benefits paid', colNet: 'Net',
      fundsHint: 'Contributions in: contribution lines paid in full. Scholarships are paid from the JKK/JKM funds.',
      none: 'No data yet.',
      footer: 'Source: the dash views of the jaminan ledger (docs/dashboards.md).',
      updated: 'Loaded',
      licence: 'Charts: Chart.js (MIT licence).',
      workers: 'workers',
    },
  };

  const categories = {
    id: {
      perangkat_kecamatan: 'Perangkat kecamatan', perangkat_kelurahan: 'Perangkat kelurahan', perangkat_desa: 'Perangkat desa',
      bpd: 'Anggota BPD', rt_rw: 'Ketua RT/RW', kader: 'Kader posyandu', pkk: 'Anggota PKK', bumdes: 'Pengelola BUMDes',
      koperasi: 'Pengurus koperasi', konstruksi: 'Pekerja konstruksi', pekerja_rentan: 'Pekerja rentan',
    },
    en: {
      perangkat_kecamatan: 'District officials', perangkat_kelurahan: 'Urban-village officials', perangkat_desa: 'Village officials',
      bpd: 'Village council (BPD)', rt_rw: 'RT/RW heads', kader: 'Posyandu cadres', pkk: 'PKK members', bumdes: 'BUMDes staff',
      koperasi: 'Cooperative staff', konstruksi: 'Construction workers', pekerja_rentan: 'Vulnerable workers',
    },
  };

  const programmes = {
    id: { JKK: 'JKK — kecelakaan kerja', JKM: 'JKM — kematian', JHT: 'JHT — hari tua', JKP: 'JKP — kehilangan pekerjaan', SCHOLARSHIP: 'Beasiswa' },
    en: { JKK: 'JKK — work accident', JKM: 'JKM — death', JHT: 'JHT — old age', JKP: 'JKP — job loss', SCHOLARSHIP: 'Scholarship' },
  };

  let current = 'id';

  function t(key) {
    return labels[current][key] ?? labels.id[key] ?? key;
  }

  function category(name) {
    return categories[current][name] ?? name;
  }

  function programme(name) {
    return programmes[current][name] ?? name;
  }

  // apply sets the language of the document and of every labelled element.
  function apply(lang) {
    current = labels[lang] ? lang : 'id';
    document.documentElement.lang = current;
    for (const element of document.querySelectorAll('[data-i18n]')) element.textContent = t(element.dataset.i18n);
    for (const element of document.querySelectorAll('[data-i18n-aria]')) element.setAttribute('aria-label', t(element.dataset.i18nAria));
    for (const element of document.querySelectorAll('[data-i18n-placeholder]')) element.placeholder = t(element.dataset.i18nPlaceholder);
    return current;
  }

  return { t, category, programme, apply, get lang() { return current; } };
})();
