package api

import (
	"encoding/json"
	"maps"
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/tripline/tripline/engine"
)

// TestHookParamsAreTheTriggerParams: every param of engine.Trigger is a
// field of a hook's body and a query parameter of GET /v1/hooks/samples,
// and its type and types are neither, so that a param added to the trigger
// is a hook param without a second list to update.
func TestHookParamsAreTheTriggerParams(t *testing.T) {
	t.Parallel()
	body := jsonFields(reflect.TypeFor[hookInput]())
	query := url.Values{}
	var want []string
	tt := reflect.TypeFor[engine.Trigger]()
	for i := range tt.NumField() {
		f := tt.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if slices.Contains(hookEventFields, name) {
			if _, ok := body[name]; ok {
				t.Errorf("a hook's body takes %q, the trigger's and not a param", name)
			}
			continue
		}
		if _, ok := body[name]; !ok {
			t.Errorf("a hook's body does not take the trigger param %q", name)
		}
		switch f.Type.Kind() {
		case reflect.String:
			query.Set(name, "x")
		case reflect.Int:
			query.Set(name, "3")
		default:
			t.Errorf("trigger param %q is a %s: queryHookParams reads strings and ints", name, f.Type)
		}
		want = append(want, name)
	}
	c, _ := gin.CreateTestContext(httptest.NewRecorder())
	c.Request = httptest.NewRequest("GET", "/v1/hooks/samples?"+query.Encode(), nil)
	var errs fieldErrors
	got := triggerParams(queryHookParams(c, &errs).trigger("tag_applied"))
	if len(errs) > 0 {
		t.Fatalf("queryHookParams: %v", errs)
	}
	names := slices.Sorted(maps.Keys(got))
	slices.Sort(want)
	if !slices.Equal(names, want) {
		raw, _ := json.Marshal(got)
		t.Errorf("queryHookParams set %s; want every param %v", raw, want)
	}
}
