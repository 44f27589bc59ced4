package engine

import (
	"log/slog"

	"github.com/tripline/tripline/triggers"
)

// index holds one workspace's active rules, compiled, keyed by trigger type and
// the value of the trigger's match parameter, so that matching a trigger event
// looks at a handful of candidates whatever the number of rules.
type index struct {
	version int64
	byKey   map[indexKey][]*compiledRule
	// wildcard holds the rules of every trigger type ("*"): one extra
	// bucket every trigger event looks at, not a scan of the rules.
	wildcard []*compiledRule
	all      map[string]*compiledRule // by rule id, to reuse compilations on reload

	// datetime holds the datetime_based_trigger rules by the field they
	// watch. They are not in byKey: they fire from the scheduler (FireDue),
	// never from the trigger events of an ingest.
	datetime map[string][]*compiledRule
}

type indexKey struct {
	triggerType string
	param       string // "" for rules that match every value
}

// buildIndex compiles the workspace's active rules. Rules whose id and
// updated_at are unchanged since prev reuse prev's compilation, so an edit to
// one rule among thousands recompiles one rule.
func buildIndex(version int64, rules []Rule, folders []Folder, prev *index, log *slog.Logger) *index {
	folderOn := make(map[string]bool, len(folders))
	for _, f := range folders {
		folderOn[f.ID] = f.Enabled
	}
	ix := &index{version: version, byKey: map[indexKey][]*compiledRule{}, all: make(map[string]*compiledRule, len(rules)),
		datetime: map[string][]*compiledRule{}}
	for i := range rules {
		r := &rules[i]
		if !r.Enabled || (r.FolderID != "" && !folderOn[r.FolderID]) {
			continue
		}
		cr := reuse(prev, r)
		if cr == nil {
			var err error
			if cr, err = compileRule(r); err != nil {
				// Rules are validated when saved; this only happens when a stored
				// rule no longer compiles (an upgrade changed the language).
				log.Error("stored rule does not compile; it is skipped", "rule_id", r.ID, "error", err)
				continue
			}
		}
		ix.all[r.ID] = cr
		if cr.datetime != nil {
			ix.datetime[cr.datetime.Field] = append(ix.datetime[cr.datetime.Field], cr)
			continue
		}
		switch {
		case cr.matchParams != nil:
			ix.wildcard = append(ix.wildcard, cr)
		case cr.typeParam != nil:
			for _, typ := range cr.Trigger.Types {
				k := indexKey{triggerType: typ, param: cr.typeParam[typ]}
				ix.byKey[k] = append(ix.byKey[k], cr)
			}
		default:
			k := indexKey{triggerType: cr.Trigger.Type, param: cr.param}
			ix.byKey[k] = append(ix.byKey[k], cr)
		}
	}
	return ix
}

func reuse(prev *index, r *Rule) *compiledRule {
	if prev == nil {
		return nil
	}
	cr := prev.all[r.ID]
	if cr == nil || !cr.UpdatedAt.Equal(r.UpdatedAt) || cr.FolderID != r.FolderID {
		return nil
	}
	return cr
}

// candidates returns the active rules a trigger event may fire, in rule id
// (creation) order within each key: the rules of its type without a
// parameter, the "*" rules, then the rules of its type and parameter values.
func (ix *index) candidates(te *triggers.TriggerEvent) []*compiledRule {
	out := ix.byKey[indexKey{triggerType: te.Type}]
	if len(ix.wildcard) > 0 {
		out = out[:len(out):len(out)] // appending must not write into the bucket
		for _, cr := range ix.wildcard {
			if cr.matchesAll(te) {
				out = append(out, cr)
			}
		}
	}
	spec, ok := triggers.Lookup(te.Type)
	if !ok || spec.MatchParam == "" {
		return out
	}
	values := te.MatchValues()
	for i, v := range values {
		if v == "" || containsBefore(values, i) {
			continue
		}
		if rs := ix.byKey[indexKey{triggerType: te.Type, param: v}]; len(rs) > 0 {
			out = append(out[:len(out):len(out)], rs...)
		}
	}
	return out
}

func containsBefore(values []string, i int) bool {
	for _, v := range values[:i] {
		if v == values[i] {
			return true
		}
	}
	return false
}
