package engine

import (
	"fmt"
	"slices"
	"strings"

	"github.com/tripline/tripline/triggers"
)

// AllTypes is the Trigger.Type of a rule that fires for every trigger type
// (SPEC section 12), including types added in later versions.
const AllTypes = "*"

// catalogueTypes lists the trigger types, for messages.
func catalogueTypes() string {
	types := make([]string, 0, 32)
	for _, s := range triggers.Catalogue() {
		types = append(types, s.Type)
	}
	return strings.Join(types, ", ")
}

// compileSingleTrigger checks a rule's one trigger type and its parameters.
func compileSingleTrigger(cr *compiledRule, t *Trigger, add func(field, msg string)) {
	spec, ok := triggers.Lookup(t.Type)
	if !ok {
		msg := "is required; one of: " + catalogueTypes() + `; or "*" for all, or a list in types`
		if t.Type != "" {
			msg = fmt.Sprintf("%q is not a trigger type; use one of: %s", t.Type, catalogueTypes())
		}
		add("trigger.type", msg)
		return
	}
	cr.datetime = compileDatetime(t, add)
	for name, v := range t.params() {
		param := slices.IndexFunc(spec.Params, func(p triggers.Param) bool { return p.Name == name })
		switch {
		case *v == "":
		case param < 0:
			add("trigger."+name, fmt.Sprintf("is not a parameter of %s", spec.Type))
		case len(spec.Params[param].Enum) > 0 && !slices.Contains(spec.Params[param].Enum, *v):
			add("trigger."+name, fmt.Sprintf("%q is not one of: %s", *v, strings.Join(spec.Params[param].Enum, ", ")))
		}
	}
	if spec.MatchParam != "" {
		cr.param = *t.params()[spec.MatchParam]
	}
}

// compileMultiTrigger checks the trigger of a rule of several types (Types)
// or of all (Type "*"). datetime_based_trigger cannot be one of them: it is
// scheduled by its rule's own field and offset, so "*" leaves it out. A
// parameter must belong to at least one of the types, and applies to those.
func compileMultiTrigger(cr *compiledRule, t *Trigger, add func(field, msg string)) {
	var specs []triggers.Spec
	switch {
	case t.Type != "" && t.Type != AllTypes:
		add("trigger.types", "give either type or types, not both")
		return
	case t.Type == AllTypes && len(t.Types) > 0:
		add("trigger.types", `give either type "*" (every trigger type) or types, not both`)
		return
	case t.Type == AllTypes:
		for _, s := range triggers.Catalogue() {
			if s.Type != triggers.TriggerDatetimeBased {
				specs = append(specs, s)
			}
		}
		cr.matchParams = map[string]string{}
	default:
		cr.typeParam = map[string]string{}
		for i, typ := range t.Types {
			field := fmt.Sprintf("trigger.types[%d]", i)
			spec, ok := triggers.Lookup(typ)
			switch {
			case typ == AllTypes:
				add(field, `"*" cannot be in a list; use "type": "*" for every trigger type`)
			case !ok:
				add(field, fmt.Sprintf("%q is not a trigger type; use one of: %s", typ, catalogueTypes()))
			case typ == triggers.TriggerDatetimeBased:
				add(field, "datetime_based_trigger fires on a schedule of its own; give it a rule of its own")
			case slices.Contains(t.Types[:i], typ):
				add(field, fmt.Sprintf("%q is listed twice", typ))
			default:
				specs = append(specs, spec)
				cr.typeParam[typ] = ""
			}
		}
	}
	if t.Amount != 0 {
		add("trigger.amount", "is a parameter of datetime_based_trigger only")
	}
	for name, v := range t.params() {
		if *v == "" {
			continue
		}
		var enum []string
		has := false
		for _, spec := range specs {
			if i := slices.IndexFunc(spec.Params, func(p triggers.Param) bool { return p.Name == name }); i >= 0 {
				has = true
				enum = append(enum, spec.Params[i].Enum...)
			}
			if spec.MatchParam == name && cr.typeParam != nil {
				cr.typeParam[spec.Type] = *v
			}
		}
		switch {
		case !has:
			add("trigger."+name, "is not a parameter of any of the rule's trigger types")
		case len(enum) > 0 && !slices.Contains(enum, *v):
			add("trigger."+name, fmt.Sprintf("%q is not one of: %s", *v, strings.Join(enum, ", ")))
		case cr.matchParams != nil:
			cr.matchParams[name] = *v
		}
	}
}

// hasType reports whether the rule fires for trigger events of type typ, its
// parameters aside.
func (cr *compiledRule) hasType(typ string) bool {
	switch {
	case cr.matchParams != nil:
		return typ != triggers.TriggerDatetimeBased
	case cr.typeParam != nil:
		_, ok := cr.typeParam[typ]
		return ok
	}
	return cr.Trigger.Type == typ
}

// matchesAll reports whether a "*" rule's parameters let te through: a
// parameter applies to the types whose match parameter it is.
func (cr *compiledRule) matchesAll(te *triggers.TriggerEvent) bool {
	if te.Type == triggers.TriggerDatetimeBased {
		return false
	}
	if len(cr.matchParams) == 0 {
		return true
	}
	spec, _ := triggers.Lookup(te.Type)
	v := cr.matchParams[spec.MatchParam]
	return spec.MatchParam == "" || v == "" || slices.Contains(te.MatchValues(), v)
}
