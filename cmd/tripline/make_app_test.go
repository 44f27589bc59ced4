package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// makeDir is the Make custom app of integrations/make.
var makeDir = filepath.Join(integrationsDir, "make")

// iml evaluates the subset of Make's IML the app uses: {{a.b.c}} paths into
// vars. A string that is one expression keeps the value's JSON type
// (missing: null); otherwise expressions are interpolated as text.
type iml map[string]any

var imlExpr = regexp.MustCompile(`\{\{([a-zA-Z_][a-zA-Z0-9_.]*)\}\}`)

func (v iml) lookup(path string) any {
	var cur any = map[string]any(v)
	for _, k := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[k]
	}
	return cur
}

func (v iml) eval(x any) any {
	switch x := x.(type) {
	case string:
		if m := imlExpr.FindStringSubmatch(x); m != nil && m[0] == x {
			return v.lookup(m[1])
		}
		return imlExpr.ReplaceAllStringFunc(x, func(e string) string {
			val := v.lookup(imlExpr.FindStringSubmatch(e)[1])
			if val == nil {
				return ""
			}
			return fmt.Sprint(val)
		})
	case map[string]any:
		out := map[string]any{}
		for k, c := range x {
			out[k] = v.eval(c)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, c := range x {
			out[i] = v.eval(c)
		}
		return out
	}
	return x
}

func readIML(t *testing.T, rel string) map[string]any {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(makeDir, rel))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("%s: %v", rel, err)
	}
	return m
}

// makeCall runs a communication object as Make would: base's URL and
// headers first (unless the call has a full URL), then the response's
// error or the evaluated response with body and statusCode.
func makeCall(t *testing.T, base, comm map[string]any, vars iml) (int, iml) {
	t.Helper()
	c := vars.eval(comm).(map[string]any)
	u := c["url"].(string)
	headers := map[string]any{}
	if !strings.HasPrefix(u, "http") {
		b := vars.eval(base).(map[string]any)
		u = b["baseUrl"].(string) + u
		headers = b["headers"].(map[string]any)
	}
	if h, ok := c["headers"].(map[string]any); ok {
		headers = h
	}
	if qs, ok := c["qs"].(map[string]any); ok {
		q := url.Values{}
		for k, v := range qs {
			q.Set(k, fmt.Sprint(v))
		}
		u += "?" + q.Encode()
	}
	method, _ := c["method"].(string)
	var body io.Reader
	if b, ok := c["body"]; ok {
		raw, _ := json.Marshal(b)
		body = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(cmpOr(method, "GET"), u, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range headers {
		req.Header.Set(k, v.(string))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var parsed any
	_ = json.Unmarshal(raw, &parsed)
	out := iml{"body": parsed, "statusCode": resp.StatusCode}
	for k, v := range vars {
		out[k] = v
	}
	return resp.StatusCode, out
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// TestMakeApp validates the Make custom app against a running Tripline: the
// generated webhooks follow the catalogue, the connection test answers,
// attaching a webhook creates a hook whose delivery arrives at a local
// receiver, the RPCs feed the dropdowns, and detaching removes the hook.
func TestMakeApp(t *testing.T) {
	t.Parallel()
	tl := start(t, databaseURL(t, "sqlite"), "--bootstrap-api-key", testKey)
	if os.Getenv("TRIPLINE_REGENERATE_INTEGRATIONS") == "1" {
		dir, _ := filepath.Abs(makeDir)
		t.Log(runNode(t, dir, []string{"TRIPLINE_URL=" + tl.url, "TRIPLINE_API_KEY=" + testKey}, filepath.Join("scripts", "generate.js")))
	}
	rc := newReceiver(t)

	// The generated webhooks are the catalogue's triggers, with its params.
	catalogue := tl.must(200, "GET", "/v1/triggers", nil)["data"].([]any)
	var want, got []string
	for _, tr := range catalogue {
		tr := tr.(map[string]any)
		params := []string{}
		for _, p := range tr["params"].([]any) {
			params = append(params, p.(map[string]any)["name"].(string))
		}
		want = append(want, fmt.Sprintf("%s%v", tr["type"], params))
	}
	files, _ := filepath.Glob(filepath.Join(makeDir, "generated", "webhooks", "*.imljson"))
	webhooks := map[string]map[string]any{}
	for _, f := range files {
		w := readIML(t, filepath.Join("generated", "webhooks", filepath.Base(f)))
		webhooks[w["name"].(string)] = w
		params := []string{}
		for _, p := range w["parameters"].([]any) {
			if n := p.(map[string]any)["name"].(string); n != "condition" {
				params = append(params, n)
			}
		}
		got = append(got, fmt.Sprintf("%s%v", w["name"], params))
		if _, err := os.Stat(filepath.Join(makeDir, "generated", "modules", "watch_"+w["name"].(string)+".imljson")); err != nil {
			t.Errorf("webhook %s has no instant trigger: %v", w["name"], err)
		}
	}
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(want, got) {
		t.Fatalf("integrations/make/generated is stale (regenerate: TRIPLINE_REGENERATE_INTEGRATIONS=1 go test ./cmd/tripline -run TestMakeApp):\ncatalogue %v\napp       %v", want, got)
	}

	base := readIML(t, "base.imljson")
	conn := readIML(t, "connection.imljson")
	params := iml{"parameters": map[string]any{"base_url": tl.url, "api_key": testKey}}
	status, res := makeCall(t, base, conn["communication"].(map[string]any), params)
	meta := res.eval(conn["communication"].(map[string]any)["response"].(map[string]any)["metadata"]).(map[string]any)
	if status != 200 || meta["value"] != "default" {
		t.Fatalf("connection test: %d %v", status, res["body"])
	}
	params["parameters"].(map[string]any)["api_key"] = "tl_wrong"
	if status, _ := makeCall(t, base, conn["communication"].(map[string]any), params); status != 401 {
		t.Errorf("connection test with a wrong key: %d", status)
	}
	connection := map[string]any{"base_url": tl.url, "api_key": testKey}

	// Attach: the instant trigger's webhook with a tag param.
	w := webhooks["tag_applied"]
	vars := iml{"connection": connection, "webhook": map[string]any{"url": rc.URL + "/make"}, "parameters": map[string]any{"tag": "VIP"}}
	status, res = makeCall(t, base, w["attach"].(map[string]any), vars)
	if status != 201 {
		t.Fatalf("attach: %d %v", status, res["body"])
	}
	data := res.eval(w["attach"].(map[string]any)["response"].(map[string]any)["data"]).(map[string]any)
	rc.setSecret(data["secret"].(string))
	hooks := tl.must(200, "GET", "/v1/hooks", nil)["data"].([]any)
	if len(hooks) != 1 || hooks[0].(map[string]any)["id"] != data["hookId"] || hooks[0].(map[string]any)["target_url"] != rc.URL+"/make" {
		t.Fatalf("hooks after attach: %v (attach data %v)", hooks, data)
	}

	tl.must(202, "POST", "/v1/events", map[string]any{"events": []any{
		map[string]any{"type": "tag_applied", "contact_id": "m_1", "tag": "other"},
		map[string]any{"type": "tag_applied", "contact_id": "m_1", "tag": "VIP"},
	}})
	d := rc.next(t)
	if d.err != nil {
		t.Fatalf("signature: %v", d.err)
	}
	out := iml{"body": d.body}.eval(w["communication"].(map[string]any)["output"]).(map[string]any)
	if out["tag"] != "VIP" || out["contact_id"] != "m_1" {
		t.Errorf("instant trigger output %v", out)
	}

	// The dropdowns' RPCs.
	rpcs := readIML(t, "rpcs.imljson")
	comm := rpcs["list_tags"].(map[string]any)["communication"].(map[string]any)
	status, res = makeCall(t, base, comm, iml{"connection": connection})
	var tags []string
	for _, item := range res.lookup("body.data").([]any) {
		o := iml{"item": item}.eval(comm["response"].(map[string]any)["output"]).(map[string]any)
		tags = append(tags, o["value"].(string))
	}
	if status != 200 || !slices.Equal(tags, []string{"VIP", "other"}) {
		t.Errorf("list_tags: %d %v", status, tags)
	}

	// Detach removes the hook.
	vars["webhook"] = map[string]any{"url": rc.URL + "/make", "hookId": data["hookId"]}
	if status, res := makeCall(t, base, w["detach"].(map[string]any), vars); status != 204 {
		t.Fatalf("detach: %d %v", status, res["body"])
	}
	if hooks := tl.must(200, "GET", "/v1/hooks", nil)["data"].([]any); len(hooks) != 0 {
		t.Errorf("hooks after detach: %v", hooks)
	}
}
