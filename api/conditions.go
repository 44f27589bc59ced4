package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sync"

	"github.com/gin-gonic/gin"

	"github.com/tripline/tripline/engine"
	"github.com/tripline/tripline/triggers"
)

// conditionJSON is the body of POST /v1/conditions/parse and the answer of
// POST /v1/conditions/compile.
type conditionJSON struct {
	Condition string `json:"condition"`
}

// parsedJSON answers POST /v1/conditions/parse: the builder's rows, or
// advanced with the reason the builder cannot show the expression.
type parsedJSON struct {
	Logic    string       `json:"logic,omitempty"`
	Rows     []engine.Row `json:"rows,omitempty"`
	Advanced bool         `json:"advanced,omitempty"`
	Reason   string       `json:"reason,omitempty"`
}

// parseCondition serves POST /v1/conditions/parse {"condition": "…"}: the
// no-code builder's rows when the expression is a flat AND or OR of
// comparisons it supports, else {"advanced": true, "reason": …}. Both are 200:
// an advanced expression is not an error.
func (s *server) parseCondition(c *gin.Context) {
	var in conditionJSON
	if err := decodeBody(c, &in); err != nil {
		s.writeError(c, err)
		return
	}
	conds, reason := engine.ParseCondition(in.Condition)
	if reason != "" {
		writeJSON(c, http.StatusOK, parsedJSON{Advanced: true, Reason: reason})
		return
	}
	writeJSON(c, http.StatusOK, struct {
		Logic string       `json:"logic"`
		Rows  []engine.Row `json:"rows"`
	}{conds.Logic, conds.Rows})
}

// compileConditions serves POST /v1/conditions/compile {"logic", "rows"}:
// the expression of the builder's rows, or a 400 naming the row at fault
// ("rows[2].value").
func (s *server) compileConditions(c *gin.Context) {
	var in engine.Conditions
	if err := decodeBody(c, &in); err != nil {
		s.writeError(c, err)
		return
	}
	src, err := engine.CompileConditions(in)
	if err != nil {
		s.writeError(c, err)
		return
	}
	writeJSON(c, http.StatusOK, conditionJSON{Condition: src})
}

// decodeBody reads the request body strictly into dst.
func decodeBody(c *gin.Context, dst any) error {
	data, err := readBody(c)
	if err != nil {
		return err
	}
	return decodeStrict(data, dst, nil)
}

// triggerJSON is one entry of GET /v1/triggers.
type triggerJSON struct {
	triggers.Spec
	SamplePayload json.RawMessage `json:"sample_payload"`
}

// sampleEvents are the trigger events of the sample payloads, built once.
var sampleEvents = sync.OnceValues(engine.SampleTriggerEvents)

// listTriggers serves GET /v1/triggers: every trigger type with its
// parameters, the fields its events carry and a sample default payload.
func (s *server) listTriggers(c *gin.Context) {
	specs := triggers.Catalogue()
	samples, err := sampleEvents()
	if err != nil {
		s.writeError(c, fmt.Errorf("build trigger samples: %w", err))
		return
	}
	out := make([]triggerJSON, 0, len(specs))
	for _, spec := range specs {
		if spec.Params == nil {
			spec.Params = []triggers.Param{}
		}
		if spec.Fields == nil {
			spec.Fields = []string{}
		}
		te := samples[spec.Type]
		payload, err := engine.DefaultPayload(workspaceID(c), &te, engine.RuleEnv{ID: "rul_sample", Name: "Sample rule"})
		if err != nil {
			s.writeError(c, fmt.Errorf("sample payload of %s: %w", spec.Type, err))
			return
		}
		out = append(out, triggerJSON{Spec: spec, SamplePayload: payload})
	}
	writeJSON(c, http.StatusOK, gin.H{"data": out})
}
