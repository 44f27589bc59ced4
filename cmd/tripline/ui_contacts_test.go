package main

import (
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestUIContacts finds a contact by part of its email, applies a tag on its
// page that fires a rule (the delivery shows in the timeline), removes the
// tag, and edits a custom field keeping its type.
func TestUIContacts(t *testing.T) {
	t.Parallel()
	tl := start(t, databaseURL(t, "sqlite"), "--bootstrap-api-key", testKey)
	rc := newReceiver(t)
	ep := tl.must(201, "POST", "/v1/endpoints", map[string]any{"url": rc.URL, "name": "CRM"})
	rc.setSecret(ep["secret"].(string))
	rule := tl.must(201, "POST", "/v1/rules", map[string]any{
		"name": "VIP to CRM", "trigger": map[string]any{"type": "tag_applied", "tag": "vip"},
		"actions": []any{map[string]any{"endpoint_id": ep["id"]}},
	})
	for _, c := range []map[string]any{
		{"name": "John Smith", "email": "john@example.com", "phone": "+15551234567", "custom_fields": map[string]any{"budget": 500, "code": "1000"}},
		{"name": "Ann Lee", "email": "ann@example.org"},
	} {
		id := map[string]string{"John Smith": "c_john", "Ann Lee": "c_ann"}[c["name"].(string)]
		tl.must(202, "POST", "/v1/events", map[string]any{"type": "contact_updated", "contact_id": id, "contact": c})
	}

	b := newBrowser(t, tl, 1280, 900)
	b.signIn(testKey)
	b.open("#/contacts")
	b.waitText(`tbody`, "Ann Lee")
	b.run("search", chromedp.SendKeys(`input[name="q"]`, "JOHN@EX\r", chromedp.ByQuery))
	b.waitText(`[role="status"]`, "1 contact shown")
	b.waitText(`tbody`, "John Smith")
	if u := b.unlabelled(); len(u) > 0 {
		t.Errorf("controls without a label: %v", u)
	}
	b.screenshot("contacts")

	b.run("open John", chromedp.Click(`tr[data-contact="c_john"] a`, chromedp.ByQuery), b.settled())
	b.waitText(`main h1`, "John Smith")
	b.run("apply vip", chromedp.SendKeys(`input[name="tag"]`, "vip", chromedp.ByQuery), chromedp.Click(`.tag-form button[type="submit"]`, chromedp.ByQuery))
	b.waitText(`.tag-list li[data-tag="vip"]`, "vip")
	got := rc.next(t)
	if got.err != nil {
		t.Fatalf("the delivery the tag fired: %v", got.err)
	}
	deliveries := tl.must(200, "GET", "/v1/deliveries?rule_id="+rule["id"].(string), nil)["data"].([]any)
	if len(deliveries) != 1 {
		t.Fatalf("the rule made %d deliveries, want 1", len(deliveries))
	}
	did := deliveries[0].(map[string]any)["id"].(string)
	b.waitText(fmt.Sprintf(`.timeline li[data-delivery=%q]`, did), "Delivery of tag_applied")
	b.waitText(`.timeline li[data-kind="event"]`, "Tag applied")
	if u := b.unlabelled(); len(u) > 0 {
		t.Errorf("controls without a label: %v", u)
	}
	b.screenshot("contact")

	// A custom field edited keeps the type it is written in; one left alone
	// ("1000", text) is not sent.
	b.run("edit budget", chromedp.Evaluate(`(() => { const v = document.querySelector('.cf-row[data-field="budget"] input[name="cf_value"]'); v.value = '2500'; })()`, nil),
		chromedp.Click(`.contact-fields button[type="submit"]`, chromedp.ByQuery))
	b.waitText(`.timeline li[data-kind="event"]`, "budget: 500 → 2500")
	c := tl.must(200, "GET", "/v1/contacts/c_john", nil)
	if cf := c["custom_fields"].(map[string]any); cf["budget"] != float64(2500) || cf["code"] != "1000" {
		t.Fatalf("custom fields after the edit: %v", cf)
	}

	b.run("remove vip", chromedp.Click(`button[aria-label="Remove tag vip"]`, chromedp.ByQuery))
	b.run("vip gone", chromedp.WaitNotPresent(`.tag-list li[data-tag="vip"]`, chromedp.ByQuery))
	if tags := tl.must(200, "GET", "/v1/contacts/c_john", nil)["tags"].([]any); len(tags) != 0 {
		t.Fatalf("tags after removing vip: %v", tags)
	}

	// One browser a test: the harness runs two at most, and two tests
	// holding one each would wait on each other for a second.
	p := b
	p.run("phone size", chromedp.EmulateViewport(390, 844))
	p.open("#/contacts/c_john")
	p.waitText(`.timeline`, "Tag removed")
	p.noOverflow("contact at 390 px")
	p.open("#/contacts")
	p.waitText(`tbody`, "John Smith")
	p.noOverflow("contacts at 390 px")
}
