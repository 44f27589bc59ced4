package triggers

import (
	"maps"
	"slices"
)

// EventFields returns the own fields (JSON names) an inbound event of type
// typ may carry, besides id, contact_id, occurred_at and contact, and
// whether typ is an inbound event type. Sources use it to check a mapping
// when it is saved.
func EventFields(typ string) ([]string, bool) {
	spec, ok := eventSpecs[typ]
	if !ok {
		return nil, false
	}
	return slices.Clone(spec.fields), true
}

// EventTypes returns the inbound event types, in SPEC order.
func EventTypes() []string { return slices.Clone(eventTypes) }

// ContactPatchKeys returns the keys a contact patch may set, sorted, without
// custom_fields (a patch sets custom fields by name) and id.
func ContactPatchKeys() []string { return slices.Sorted(maps.Keys(patchKeys)) }
