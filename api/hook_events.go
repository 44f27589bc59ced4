package api

import (
	"encoding/json"
	"strings"

	"github.com/tripline/tripline/engine"
)

// hookTrigger reads the event of POST /v1/hooks (SPEC section 12): one
// trigger type, "*" for every type, or a list of types. It returns the
// rule's trigger, the event as a hook stores it (a list joined with commas:
// trigger types have none) and, when the value is not a string or a list of
// strings, what is wrong with it.
func hookTrigger(raw json.RawMessage) (engine.Trigger, string, string) {
	var one string
	if len(raw) == 0 || string(raw) == "null" {
		return engine.Trigger{}, "", "" // the rule's validation says it is required
	}
	if json.Unmarshal(raw, &one) == nil {
		return engine.Trigger{Type: one}, one, ""
	}
	var many []string
	if json.Unmarshal(raw, &many) != nil || len(many) == 0 {
		return engine.Trigger{}, "", `must be a trigger type, "*" for all, or a non-empty list of trigger types`
	}
	if len(many) == 1 {
		return engine.Trigger{Type: many[0]}, many[0], ""
	}
	return engine.Trigger{Types: many}, strings.Join(many, ","), ""
}

// hookEventJSON is a stored hook event as the API answers it: the string, or
// the list it was given.
func hookEventJSON(stored string) any {
	if strings.Contains(stored, ",") {
		return strings.Split(stored, ",")
	}
	return stored
}
