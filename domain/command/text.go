package command

import (
	"unicode"
	"unicode/utf8"

	"github.com/tanahbumbu/jaminan/domain/problem"
)

// CheckText is the rule every text value of every command obeys, however it
// arrives (a JSON body, a line of `jaminan apply`, a CSV cell): UTF-8; no
// control character (C0 but tab, DEL, C1 U+0080–U+009F, and the line and
// paragraph separators: no field of the vocabulary holds line breaks); and,
// when not empty, not made only of invisible characters (zero-width spaces
// and joiners, the word joiner, a byte-order mark, other format characters,
// with or without spaces), which would show as a blank name. Whitespace
// alone is left to the field's own check: blank is missing where a field is
// required. The error names the field.
func CheckText(field, text string) error {
	if !utf8.ValidString(text) {
		return problem.Field(field, "invalid_text", "is not valid UTF-8")
	}
	onlyInvisible, onlySpace := true, true
	for _, r := range text {
		if isControl(r) {
			return problem.Field(field, "invalid_text", "contains the control character %U; text holds no control characters (a tab excepted)", r)
		}
		if !unicode.IsSpace(r) {
			onlySpace = false
			if !isInvisible(r) {
				onlyInvisible = false
			}
		}
	}
	if text != "" && onlyInvisible && !onlySpace {
		return problem.Field(field, "invalid_text", "holds only invisible characters (zero-width or format characters); write the text itself")
	}
	return nil
}

// isControl is a character no text field holds: unicode.IsControl covers C0,
// DEL and C1; U+2028 and U+2029 break lines as \n does.
func isControl(r rune) bool {
	return (unicode.IsControl(r) && r != '\t') || r == '\u2028' || r == '\u2029'
}

// isInvisible is a character that shows nothing on its own: format
// characters (Cf: U+200B–U+200D, U+2060, U+FEFF, the soft hyphen, bidi marks)
// and the blank fillers that are letters by category.
func isInvisible(r rune) bool {
	switch r {
	case '\u034F', '\u115F', '\u1160', '\u2800', '\u3164', '\uFFA0':
		return true
	}
	return unicode.Is(unicode.Cf, r)
}
