// Numbers the Indonesian way, exactly. Money arrives as a decimal string
// ("42000000.00"); it is never turned into a float for display: the integer
// part is grouped as a BigInt by Intl.NumberFormat('id-ID') and the cents are
// kept as written. Sums are done in BigInt cents.
'use strict';

const Format = (() => {
  const grouping = new Intl.NumberFormat('id-ID', { maximumFractionDigits: 0 });
  const moneyPattern = /^(-?)(\d+)(?:\.(\d{1,2}))?$/;

  // count formats a whole number: 10488 -> "10.488".
  function count(value) {
    if (value === null || value === undefined || value === '') return '—';
    return grouping.format(BigInt(value));
  }

  // rupiah formats a decimal string: "42000000.00" -> "Rp42.000.000",
  // "1234.50" -> "Rp1.234,50", "-5000.00" -> "-Rp5.000".
  function rupiah(text) {
    const match = moneyPattern.exec(String(text ?? ''));
    if (!match) return '—';
    const cents = (match[3] || '').padEnd(2, '0');
    const whole = BigInt(match[2]);
    const negative = match[1] === '-' && (whole !== 0n || cents !== '00');
    return (negative ? '-' : '') + 'Rp' + grouping.format(whole) + (cents === '00' ? '' : ',' + cents);
  }

  function toCents(text) {
    const match = moneyPattern.exec(String(text ?? ''));
    if (!match) throw new Error('not a decimal amount: ' + text);
    const cents = BigInt(match[2]) * 100n + BigInt((match[3] || '').padEnd(2, '0'));
    return match[1] === '-' ? -cents : cents;
  }

  function fromCents(cents) {
    const negative = cents < 0n;
    const size = negative ? -cents : cents;
    return (negative ? '-' : '') + (size / 100n).toString() + '.' + (size % 100n).toString().padStart(2, '0');
  }

  // add sums decimal strings exactly.
  function add(...amounts) {
    return fromCents(amounts.reduce((sum, amount) => sum + toCents(amount), 0n));
  }

  // plot turns a decimal string into a number for a chart's geometry only;
  // every label and tooltip is formatted from the string.
  function plot(text) {
    return Number(text);
  }

  // month formats "2024-03" as "Mar 2024" in the page's language.
  function month(period, lang) {
    const [year, monthNumber] = period.split('-').map(Number);
    return new Intl.DateTimeFormat(lang === 'en' ? 'en-GB' : 'id-ID', { month: 'short', year: 'numeric', timeZone: 'UTC' })
      .format(new Date(Date.UTC(year, monthNumber - 1, 1)));
  }

  // compact writes an axis tick: 12000000 -> "12 jt" / "12M".
  function compact(value, lang) {
    return new Intl.NumberFormat(lang === 'en' ? 'en-GB' : 'id-ID', { notation: 'compact', maximumFractionDigits: 1 }).format(value);
  }

  function dateTime(text, lang) {
    const locale = lang === 'en' ? 'en-GB' : 'id-ID';
    if (/^\d{4}-\d{2}-\d{2}$/.test(String(text))) { // a business date: no clock, no time zone
      const [year, monthNumber, day] = String(text).split('-').map(Number);
      return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(Date.UTC(year, monthNumber - 1, day)));
    }
    const date = new Date(text);
    if (Number.isNaN(date.getTime())) return String(text ?? '');
    return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(date);
  }

  return { count, rupiah, add, plot, month, compact, dateTime };
})();
