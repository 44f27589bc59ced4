package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestUIEndpointsAndDeliveries drives the endpoint and delivery pages: an
// endpoint created in the UI shows its secret once; a rule's delivery shows
// up in Recent deliveries, its chart and its detail; redeliver sends it
// again; disabling the endpoint in the UI pauses the next delivery, and
// enabling it sends that one. Every page fits a phone's width.
func TestUIEndpointsAndDeliveries(t *testing.T) {
	t.Parallel()
	forEachDialect(t, testUIEndpointsAndDeliveries)
}

func testUIEndpointsAndDeliveries(t *testing.T, dialect string) {
	tl := start(t, databaseURL(t, dialect), "--bootstrap-api-key", testKey)
	rc := newReceiver(t)
	b := newBrowser(t, tl, 1280, 900)
	b.signIn(testKey)

	// Create an endpoint: a bad URL is an inline error on the URL field.
	openFresh(b, "#/endpoints")
	newForm := `form[aria-labelledby="new-ep-h"]`
	b.run("open the form",
		chromedp.Click(`.page-head .actions button`, chromedp.ByQuery),
		chromedp.WaitVisible(newForm+` input[name="url"]`, chromedp.ByQuery),
		chromedp.SendKeys(newForm+` input[name="url"]`, "ftp://example.com/x", chromedp.ByQuery),
		chromedp.Click(newForm+` button[type="submit"]`, chromedp.ByQuery))
	b.waitText(newForm+` .field .error`, "must be an absolute http:// or https:// URL")
	var invalid string
	b.eval(`document.querySelector('`+newForm+` input[name="url"]').getAttribute('aria-invalid')`, &invalid)
	if invalid != "true" {
		t.Fatalf("the URL input is not marked invalid: %q", invalid)
	}
	b.run("create",
		chromedp.Evaluate(`document.querySelector('`+newForm+` input[name="url"]').value = ''`, nil),
		chromedp.SendKeys(newForm+` input[name="url"]`, rc.URL+"/hook", chromedp.ByQuery),
		chromedp.SendKeys(newForm+` input[name="name"]`, "Receiver", chromedp.ByQuery),
		chromedp.Click(newForm+` button[type="submit"]`, chromedp.ByQuery))
	b.waitText(`.secret-once`, "you will not see it again")
	secret := b.text(`.secret-once code.secret`)
	if !strings.HasPrefix(secret, "whsec_") {
		t.Fatalf("the secret shown is %q", secret)
	}
	rc.setSecret(secret)
	eps := tl.must(200, "GET", "/v1/endpoints", nil)["data"].([]any)
	if len(eps) != 1 {
		t.Fatalf("endpoints: %v", eps)
	}
	epID := eps[0].(map[string]any)["id"].(string)

	// Its page does not show the secret again.
	b.run("open the endpoint", chromedp.Click(`.secret-once a.button`, chromedp.ByQuery), b.settled())
	if h1 := b.text("main h1"); h1 != "Receiver" {
		t.Fatalf("endpoint page h1 %q", h1)
	}
	var shown bool
	b.eval(fmt.Sprintf(`document.body.innerText.includes(%q) || document.querySelector('[data-secret]') !== null`, secret), &shown)
	if shown {
		t.Fatal("the endpoint page shows the secret again")
	}

	// A rule on tag_applied, and an event that fires it.
	rule := tl.must(201, "POST", "/v1/rules", map[string]any{
		"name": "VIP → Receiver", "trigger": map[string]any{"type": "tag_applied", "tag": "VIP"},
		"actions": []any{map[string]any{"type": "webhook", "endpoint_id": epID}},
	})
	tl.must(202, "POST", "/v1/events", map[string]any{"id": "e1", "type": "tag_applied", "contact_id": "c_1", "tag": "VIP"})
	first := rc.next(t)
	if first.err != nil {
		t.Fatalf("signature: %v", first.err)
	}
	did := first.headers.Get("webhook-id")
	waitStatus(t, tl, did, "succeeded")

	// Recent deliveries: the row, the chart's text, the status filter.
	openFresh(b, "#/deliveries")
	row := fmt.Sprintf(`tr[data-delivery=%q]`, did)
	b.waitText(row, "succeeded")
	if got := b.text(row); !strings.Contains(got, "tag_applied") || !strings.Contains(got, "200") || !strings.Contains(got, "c_1") {
		t.Fatalf("delivery row %q", got)
	}
	var chartLabel string
	b.run("chart", chromedp.WaitVisible(`svg.chart[role="img"]`, chromedp.ByQuery),
		chromedp.AttributeValue(`svg.chart`, "aria-label", &chartLabel, nil, chromedp.ByQuery))
	if !strings.Contains(chartLabel, "1 delivery in the last 24 hours: 1 succeeded.") {
		t.Fatalf("chart label %q", chartLabel)
	}
	var rowsInTable int
	b.eval(`document.querySelectorAll('.chart-table tbody tr').length`, &rowsInTable)
	if rowsInTable != 1 {
		t.Fatalf("the chart's table has %d rows, want the one busy hour", rowsInTable)
	}
	filter := func(name, value string) {
		t.Helper()
		rerender(b, "filter "+name+"="+value,
			chromedp.Evaluate(fmt.Sprintf(`(() => { document.querySelector('select[name=%q]').value = %q; document.querySelector('form.filters button[type=submit]').click(); })()`, name, value), nil))
	}
	filter("status", "failed")
	b.waitText(`table.deliveries tbody`, "No delivery matches these filters.")
	filter("status", "succeeded")
	b.waitText(row, "succeeded")
	filter("rule_id", rule["id"].(string))
	b.waitText(row, "succeeded")
	var hash string
	b.eval(`location.hash`, &hash)
	if !strings.Contains(hash, "status=succeeded") || !strings.Contains(hash, "rule_id="+rule["id"].(string)) {
		t.Fatalf("the filters are not kept in the address: %q", hash)
	}
	quietShot(b, "deliveries")

	// The detail: payload and attempt; redeliver sends it again.
	b.run("open the delivery", chromedp.Click(row+` td a[href^="#/deliveries/msg_"]`, chromedp.ByQuery), b.settled())
	if h1 := b.text("main h1"); h1 != "tag_applied delivery" {
		t.Fatalf("delivery page h1 %q", h1)
	}
	if p := b.text("pre.payload"); !strings.Contains(p, `"contact_id": "c_1"`) || !strings.Contains(p, `"tag": "VIP"`) {
		t.Fatalf("payload %q", p)
	}
	b.waitText("ol.attempts", "HTTP 200")
	if id := b.text("#webhook-id"); id != did {
		t.Fatalf("webhook-id %q, want %q", id, did)
	}
	quietShot(b, "delivery")
	b.run("redeliver", chromedp.Click(`button[aria-label^="Redeliver"]`, chromedp.ByQuery))
	again := rc.next(t)
	if again.err != nil || again.headers.Get("webhook-id") != did {
		t.Fatalf("redelivery: %v, webhook-id %q", again.err, again.headers.Get("webhook-id"))
	}
	b.waitText("#attempts-h", "Attempts (2)")
	b.waitText("#delivery-status", "succeeded")

	// Send a test from the endpoint page and see the receiver's answer; rotate
	// the secret: the new one is shown once, and signs what follows.
	openFresh(b, "#/endpoints/"+epID)
	b.run("send test", chromedp.Click(`form[aria-labelledby="test-h"] button[type="submit"]`, chromedp.ByQuery))
	if got := rc.next(t); got.err != nil || got.body["event"] != "tag_applied" {
		t.Fatalf("test delivery: %v, %v", got.err, got.body)
	}
	b.waitText(".test-result", "HTTP 200")
	b.eval(`window.confirm = () => true`, nil)
	b.run("rotate", chromedp.Click(`form[aria-labelledby="rotate-h"] button[type="submit"]`, chromedp.ByQuery))
	b.waitText(".secret-once", "keeps signing beside it until")
	rotated := b.text(`.secret-once code.secret`)
	if !strings.HasPrefix(rotated, "whsec_") || rotated == secret {
		t.Fatalf("rotated secret %q (was %q)", rotated, secret)
	}
	rc.setSecret(rotated)

	// Settings: a bad retry delay is an inline error on its field; good ones
	// are saved.
	settings := `form[aria-labelledby="settings-h"]`
	setField := func(name, value string) chromedp.Action {
		return chromedp.Evaluate(fmt.Sprintf(`document.querySelector('%s [name=%q]').value = %q`, settings, name, value), nil)
	}
	b.run("bad retry schedule", setField("retry_schedule", "5, 0"), chromedp.Click(settings+` button[type="submit"]`, chromedp.ByQuery))
	b.waitText(settings+` .field .error`, "must be from 1 to 86400 seconds")
	rerender(b, "save settings", setField("retry_schedule", "5, 60"), setField("rate_limit_per_second", "3"),
		setField("headers", "X-Team: sales"), chromedp.Click(settings+` button[type="submit"]`, chromedp.ByQuery))
	b.waitText("#toast", "Settings saved.")
	saved := tl.must(200, "GET", "/v1/endpoints/"+epID, nil)
	if fmt.Sprint(saved["retry_schedule"]) != "[5 60]" || saved["rate_limit_per_second"] != 3.0 || fmt.Sprint(saved["headers"]) != "map[X-Team:sales]" {
		t.Fatalf("saved settings: %v", saved)
	}

	// Recover finds nothing to send again; delete is refused while a rule uses it.
	b.run("recover", chromedp.Click(`form[aria-labelledby="recover-h"] button[type="submit"]`, chromedp.ByQuery))
	b.waitText(`form[aria-labelledby="recover-h"] [role="status"]`, "No delivery matched")
	b.run("delete", chromedp.Click(`button[aria-label="Delete endpoint Receiver"]`, chromedp.ByQuery))
	b.waitText(".problem-summary", "Rules still send to this endpoint")

	// Disable the endpoint with its switch: the next delivery is paused.
	openFresh(b, "#/endpoints")
	sw := fmt.Sprintf(`tr[data-endpoint=%q] input[role="switch"]`, epID)
	b.run("disable", chromedp.Click(sw, chromedp.ByQuery))
	b.waitText(fmt.Sprintf(`tr[data-endpoint=%q]`, epID), "Disabled")
	if got := tl.must(200, "GET", "/v1/endpoints/"+epID, nil); got["enabled"] != false {
		t.Fatalf("after the switch: %v", got)
	}
	tl.must(202, "POST", "/v1/events", map[string]any{"id": "e2", "type": "tag_applied", "contact_id": "c_2", "tag": "VIP"})
	paused := waitList(t, tl, "/v1/deliveries?status=paused")
	openFresh(b, "#/deliveries?status=paused")
	b.waitText(fmt.Sprintf(`tr[data-delivery=%q]`, paused), "paused")

	// The endpoint page says it is disabled; enabling asks about the paused
	// delivery and sends it.
	openFresh(b, "#/endpoints/"+epID)
	b.waitText("#endpoint-state", "Disabled")
	b.waitText(".disabled-reason", "Disabled by hand")
	quietShot(b, "endpoint")
	b.run("enable", chromedp.Click(`#toggle-endpoint`, chromedp.ByQuery), chromedp.WaitVisible(`dialog[open] button`, chromedp.ByQuery))
	b.waitText("dialog[open]", "1 delivery waits (paused)")
	b.run("send the paused one", chromedp.Click(`dialog[open] button`, chromedp.ByQuery))
	if got := rc.next(t); got.err != nil || got.headers.Get("webhook-id") != paused {
		t.Fatalf("the paused delivery: %v, webhook-id %q, want %q", got.err, got.headers.Get("webhook-id"), paused)
	}
	b.waitText("#endpoint-state", "Healthy")
	waitStatus(t, tl, paused, "succeeded")
	openFresh(b, "#/endpoints")
	b.waitText(fmt.Sprintf(`tr[data-endpoint=%q]`, epID), "2 succeeded")
	quietShot(b, "endpoints")

	// Pages: 25 to a page, "Older" goes on, "Newest" comes back.
	batch := make([]any, 25)
	for i := range batch {
		batch[i] = map[string]any{"id": fmt.Sprintf("p%d", i), "type": "tag_applied", "contact_id": fmt.Sprintf("c_p%d", i), "tag": "VIP"}
	}
	tl.must(202, "POST", "/v1/events", map[string]any{"events": batch}) // 27 deliveries in all
	openFresh(b, "#/deliveries")
	var n int
	b.eval(`document.querySelectorAll('table.deliveries tbody tr[data-delivery]').length`, &n)
	if n != 25 {
		t.Fatalf("the first page has %d rows, want 25", n)
	}
	b.run("older", chromedp.Click(`.pager a[rel="next"]`, chromedp.ByQuery),
		chromedp.Poll(`location.hash.includes('cursor=')`, nil, chromedp.WithPollingInterval(50*time.Millisecond)))
	b.waitText(`table.deliveries tbody`, "c_1") // the oldest two: e1 and e2
	b.waitText(`table.deliveries tbody`, "c_2")
	b.eval(`document.querySelectorAll('table.deliveries tbody tr[data-delivery]').length`, &n)
	if n != 2 {
		t.Fatalf("the older page has %d rows, want 2", n)
	}
	b.run("newest", chromedp.Click(`.pager a.button`, chromedp.ByQuery),
		chromedp.Poll(`!location.hash.includes('cursor=')`, nil, chromedp.WithPollingInterval(50*time.Millisecond)))

	// At phone width no page scrolls sideways.
	b.run("phone", chromedp.EmulateViewport(390, 844))
	for _, page := range []string{"#/endpoints", "#/endpoints/" + epID, "#/deliveries", "#/deliveries?contact_id=c_1", "#/deliveries/" + did} {
		openFresh(b, page)
		var overflow int
		b.eval(`document.documentElement.scrollWidth - document.documentElement.clientWidth`, &overflow)
		if overflow > 0 {
			var wide string
			b.eval(`[...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1).slice(0, 5).map(e => e.tagName + '.' + e.className).join(', ')`, &wide)
			t.Errorf("%s at 390px is %dpx wider than the screen: %s", page, overflow, wide)
		}
		if page == "#/deliveries?contact_id=c_1" {
			quietShot(b, "deliveries-phone")
		}
	}
}

// TestUIEndpointRefusedBySSRFGuard: an endpoint URL the SSRF guard refuses
// is an inline error on the URL field of the create form.
func TestUIEndpointRefusedBySSRFGuard(t *testing.T) {
	t.Parallel()
	tl := start(t, databaseURL(t, "sqlite"), "--bootstrap-api-key", testKey, "--allow-private-destinations=false")
	rc := newReceiver(t)
	b := newBrowser(t, tl, 1280, 900)
	b.signIn(testKey)
	b.open("#/endpoints?new")
	newForm := `form[aria-labelledby="new-ep-h"]`
	b.run("create", chromedp.WaitVisible(newForm+` input[name="url"]`, chromedp.ByQuery),
		chromedp.SendKeys(newForm+` input[name="url"]`, rc.URL+"/hook", chromedp.ByQuery),
		chromedp.Click(newForm+` button[type="submit"]`, chromedp.ByQuery))
	b.waitText(newForm+` .field .error`, "is a loopback address")
	b.waitText(newForm+` .problem-summary`, "points to an address deliveries may not reach")
	var focused string
	b.eval(`document.activeElement.className`, &focused)
	if focused != "problem-summary" {
		t.Fatalf("focus is on %q, want the problem summary", focused)
	}
	if eps := tl.must(200, "GET", "/v1/endpoints", nil)["data"].([]any); len(eps) != 0 {
		t.Fatalf("endpoints: %v", eps)
	}
}

// rerender runs actions that render the page again and waits until the new
// page has rendered (the old one's h1 is marked first).
func rerender(b *browser, what string, actions ...chromedp.Action) {
	b.t.Helper()
	b.run("settle before "+what, b.settled())
	b.eval(`(document.querySelector('main h1') || {dataset: {}}).dataset.old = '1'`, nil)
	b.run(what, append(actions,
		chromedp.Poll(`document.querySelector('main h1:not([data-old])') !== null`, nil, chromedp.WithPollingInterval(50*time.Millisecond)),
		b.settled())...)
}

// openFresh opens a hash route other than the current one and waits until
// its page has rendered (b.open may see the page it leaves as settled).
func openFresh(b *browser, hash string) {
	b.t.Helper()
	rerender(b, "open "+hash, chromedp.Navigate(b.base+"/"+hash))
}

// waitStatus waits until a delivery has the status.
func waitStatus(t *testing.T, tl *instance, id, status string) {
	t.Helper()
	var got map[string]any
	if !eventually(10*time.Second, func() bool {
		got = tl.must(200, "GET", "/v1/deliveries/"+id, nil)
		return got["status"] == status
	}) {
		t.Fatalf("delivery %s is %v, want %s", id, got["status"], status)
	}
}

// waitList waits until a delivery list has exactly one item and returns its id.
func waitList(t *testing.T, tl *instance, path string) string {
	t.Helper()
	var items []any
	if !eventually(10*time.Second, func() bool {
		items = tl.must(200, "GET", path, nil)["data"].([]any)
		return len(items) == 1
	}) {
		t.Fatalf("%s: %v, want one delivery", path, items)
	}
	return items[0].(map[string]any)["id"].(string)
}

// quietShot takes a screenshot without the toast of the last action over
// the page.
func quietShot(b *browser, name string) {
	b.t.Helper()
	b.eval(`document.getElementById('toast').hidden = true`, nil)
	b.screenshot(name)
	b.eval(`document.getElementById('toast').hidden = false`, nil)
}
