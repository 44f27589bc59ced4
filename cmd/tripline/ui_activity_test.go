package main

import (
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestUIActivityWhyNot opens a real past trigger event from the activity
// list: the rule that fired shows its delivery, and the rule whose condition
// was false shows the false row and the value it saw.
func TestUIActivityWhyNot(t *testing.T) {
	t.Parallel()
	tl := start(t, databaseURL(t, "sqlite"), "--bootstrap-api-key", testKey)
	fired, big, teID := whyNotFixture(t, tl)

	b := newBrowser(t, tl, 1280, 900)
	b.signIn(testKey)
	b.open("#/activity")
	row := fmt.Sprintf(`tr[data-event=%q]`, teID)
	b.waitText(row, "John Smith")
	b.waitText(row, "vip")
	if u := b.unlabelled(); len(u) > 0 {
		t.Errorf("controls without a label: %v", u)
	}
	b.screenshot("activity")

	// Live: a new event shows up without a reload.
	res2 := tl.must(202, "POST", "/v1/events", map[string]any{"type": "chat_rated", "contact_id": "c_john", "rating": 4})
	b.waitText(fmt.Sprintf(`tr[data-event=%q]`, res2["trigger_events"].([]any)[0]), "rated 4")

	b.run("open the event", chromedp.Click(row+` a[href^="#/activity/"]`, chromedp.ByQuery), b.settled())
	b.waitText(`main h1`, "Tag applied · John Smith")
	b.waitText(`#evaluation-note`, "with the rules as they are now")
	firedCard := fmt.Sprintf(`article[data-rule=%q]`, fired["id"])
	b.waitText(firedCard, "Fired")
	b.waitText(firedCard+` .deliveries-made`, "msg_")
	bigCard := fmt.Sprintf(`article[data-rule=%q]`, big["id"])
	b.waitText(bigCard+` .why-not`, "Its condition was false.")
	b.waitText(bigCard+` tr[data-result="false"]`, "number(contact.custom_fields.budget) > 1000")
	if got := b.text(bigCard + ` tr[data-result="false"] code.seen`); got != "500" {
		t.Fatalf("the false row saw %q, want 500", got)
	}
	if got := b.text(bigCard + ` tr[data-result="true"] code.seen`); got != `"whatsapp"` {
		t.Fatalf("the true row saw %q", got)
	}
	b.screenshot("activity-event")

	// Filtered by rule, from the address.
	b.open("#/activity?rule_id=" + big["id"].(string))
	b.waitText(`[role="status"]`, "1 trigger event shown")

	// At phone width nothing overflows.
	// One browser a test: the harness runs two at most, and two tests
	// holding one each would wait on each other for a second.
	p := b
	p.run("phone size", chromedp.EmulateViewport(390, 844))
	p.open("#/activity/" + teID)
	p.waitText(bigCard, "Its condition was false.")
	p.noOverflow("trigger event at 390 px")
	p.open("#/activity")
	p.waitText(row, "John Smith")
	p.noOverflow("activity at 390 px")
}
