package engine

import (
	"slices"
	"strings"
	"time"

	"github.com/tripline/tripline/triggers"
)

// Matcher tells which trigger events one rule would fire for, as far as its
// trigger (type and match parameter) and condition decide; frequency limits,
// folders and the rule's own toggle are left out. It is what REST-hook
// samples are filtered with, so that a zap is built on a payload that would
// have triggered it.
type Matcher struct {
	cr *compiledRule
}

// NewMatcher compiles r's trigger and condition into a Matcher; the rest of
// the rule is not checked (ValidateRule does that), and a trigger param left
// empty matches every value, also one a rule could not save without.
func NewMatcher(r Rule) (*Matcher, error) {
	cr := &compiledRule{Rule: r}
	if spec, ok := triggers.Lookup(r.Trigger.Type); ok && spec.MatchParam != "" {
		cr.param = *cr.Trigger.params()[spec.MatchParam]
	}
	if strings.TrimSpace(r.Condition) != "" {
		prog, err := compileExpr(r.Condition, true)
		if err != nil {
			return nil, err
		}
		cr.cond = prog
	}
	return &Matcher{cr: cr}, nil
}

// Match reports whether the rule would fire for te at now. A condition that
// fails at run time does not match (as when rules fire), and its error is
// returned.
func (m *Matcher) Match(te triggers.TriggerEvent, now time.Time) (bool, error) {
	if te.Type != m.cr.Trigger.Type {
		return false, nil
	}
	if m.cr.param != "" && !slices.Contains(te.MatchValues(), m.cr.param) {
		return false, nil
	}
	return m.cr.match(NewEnv(te, &m.cr.Rule, now))
}
