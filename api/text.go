package api

import (
	"bytes"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/tripline/tripline"
	"github.com/tripline/tripline/id"
)

// The one input gate for text. Every string that may reach storage — path
// parameters, query parameters (cursors and filters included) and the
// strings of a JSON body at any depth, object keys, rule bodies and header
// values included — must be valid UTF-8 without NUL. Postgres refuses
// invalid UTF-8 and NUL in text (SQLSTATE 22021) and in jsonb (22P05) while
// SQLite stores them: checking once here, with a 400 naming the field, makes
// both databases accept exactly the same inputs.

// textRule is the sentence every refusal ends with.
const textRule = "must be valid UTF-8 text without NUL characters (\\u0000)"

// badText reports whether s is not text Tripline stores.
func badText(s string) bool {
	return !utf8.ValidString(s) || strings.IndexByte(s, 0) >= 0
}

// checkRequestText is middleware: a path or query parameter that is not
// text is a 400 naming it; an id path parameter longer than any id
// Tripline makes is a 404 answered without a query.
func (s *server) checkRequestText(c *gin.Context) {
	var errs fieldErrors
	for _, p := range c.Params {
		if badText(p.Value) {
			errs.add(p.Key, "(a path parameter) "+textRule)
		}
	}
	// gin drops query pairs it cannot unescape; parse again to see them all.
	query, qerr := url.ParseQuery(c.Request.URL.RawQuery)
	if qerr != nil {
		errs.add("query", "is not a valid query string: "+qerr.Error())
	}
	for _, k := range slices.Sorted(maps.Keys(query)) {
		vs := query[k]
		if badText(k) {
			errs.add(strconv.QuoteToASCII(k), "(a query parameter's name) "+textRule)
			continue
		}
		for _, v := range vs {
			if badText(v) {
				errs.add(k, "(a query parameter) "+textRule)
				break
			}
		}
	}
	if err := errs.err("The request's address holds text Tripline does not store."); err != nil {
		s.writeError(c, err)
		c.Abort()
		return
	}
	if v := c.Param("id"); len(v) > id.MaxLen && !isContactRoute(c.FullPath()) {
		s.writeError(c, &httpError{status: http.StatusNotFound, detail: fmt.Sprintf(
			"There is nothing with this id: Tripline's ids are at most %d characters, this one has %d.", id.MaxLen, len(v))})
		c.Abort()
		return
	}
	c.Next()
}

// isContactRoute reports whether a route's :id is a contact's id: the
// platform's own, of any length, not one Tripline made.
func isContactRoute(route string) bool {
	return strings.HasPrefix(route, "/v1/contacts/")
}

// checkBodyText returns a 400 naming the field when a JSON body (already
// known to be valid JSON) holds a string that is not text: invalid UTF-8
// bytes, or an escape of NUL or of half a UTF-16 surrogate pair (which
// encoding/json turns into U+FFFD, but a json.RawMessage such as a rule's
// body keeps as written, for Postgres's jsonb to refuse).
func checkBodyText(data []byte) error {
	off := -1
	if !utf8.Valid(data) {
		off = invalidUTF8At(data)
	} else if bytes.Contains(data, []byte(`\u`)) {
		off = badEscapeAt(data)
	}
	if off < 0 {
		return nil
	}
	fe := tripline.FieldError{Field: pathAt(data, int64(off)+1), Message: textRule}
	if fe.Field == "" {
		fe.Line, fe.Column = position(data, int64(off))
	}
	return &tripline.ValidationError{Detail: "The request body holds text Tripline does not store.", Fields: []tripline.FieldError{fe}}
}

// invalidUTF8At is the offset of the first byte of data that is not UTF-8.
func invalidUTF8At(data []byte) int {
	for i := 0; i < len(data); {
		r, n := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return -1
}

// badEscapeAt is the offset of the first \u escape in data's strings that
// is NUL or an unpaired surrogate, or -1. data is valid JSON, so a
// backslash is always inside a string; one preceded by an odd number of
// backslashes is itself escaped.
func badEscapeAt(data []byte) int {
	for i := 0; ; {
		j := bytes.Index(data[i:], []byte(`\u`))
		if j < 0 {
			return -1
		}
		at := i + j
		i = at + 2
		if escaped(data, at) {
			continue
		}
		r, ok := hex4(data, at+2)
		switch {
		case !ok:
			continue // not valid JSON; the decoder has said so
		case r == 0:
			return at
		case utf16.IsSurrogate(r):
			low, ok := hex4(data, at+8)
			if r >= 0xDC00 || !ok || !bytes.HasPrefix(data[at+6:], []byte(`\u`)) || low < 0xDC00 || low > 0xDFFF {
				return at
			}
			i = at + 12
		}
	}
}

// escaped reports whether the backslash at data[at] is preceded by an odd
// number of backslashes.
func escaped(data []byte, at int) bool {
	n := 0
	for k := at - 1; k >= 0 && data[k] == '\\'; k-- {
		n++
	}
	return n%2 == 1
}

// hex4 reads the four hex digits at data[at:].
func hex4(data []byte, at int) (rune, bool) {
	if at+4 > len(data) {
		return 0, false
	}
	v, err := strconv.ParseUint(string(data[at:at+4]), 16, 32)
	return rune(v), err == nil
}
