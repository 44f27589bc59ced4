package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestUIFoldersAndRules works the rule list: a rule that fired shows when;
// switching its folder off in the UI stops it; search, new folder,
// duplicate and delete.
func TestUIFoldersAndRules(t *testing.T) {
	t.Parallel()
	forEachDialect(t, testUIFoldersAndRules)
}

func testUIFoldersAndRules(t *testing.T, dialect string) {
	tl := start(t, databaseURL(t, dialect), "--bootstrap-api-key", testKey)
	rc := newReceiver(t)
	ep := tl.must(201, "POST", "/v1/endpoints", map[string]any{"url": rc.URL, "name": "CRM"})
	rc.setSecret(ep["secret"].(string))
	folder := tl.must(201, "POST", "/v1/folders", map[string]any{"name": "Sales"})
	rule := tl.must(201, "POST", "/v1/rules", map[string]any{
		"name": "VIP to CRM", "folder_id": folder["id"],
		"trigger": map[string]any{"type": "tag_applied", "tag": "vip"},
		"actions": []any{map[string]any{"endpoint_id": ep["id"]}},
	})
	tl.must(201, "POST", "/v1/rules", map[string]any{
		"name": "New leads", "trigger": map[string]any{"type": "new_lead"},
		"actions": []any{map[string]any{"endpoint_id": ep["id"]}},
	})
	tl.must(202, "POST", "/v1/events", map[string]any{"type": "tag_applied", "contact_id": "c1", "tag": "vip"})
	rc.next(t)

	b := newBrowser(t, tl, 1280, 900)
	b.signIn(testKey)
	row := fmt.Sprintf(`tr[data-rule=%q]`, rule["id"])
	b.waitText(row, "VIP to CRM")
	if got := b.text(row + ` td[data-label="Last fired"]`); got == "never" || got == "" {
		t.Fatalf("last fired of a rule that fired: %q", got)
	}
	if got := b.text(`li[data-folder] .count`); got != "1" {
		t.Fatalf("Sales folder count %q, want 1", got)
	}
	if u := b.unlabelled(); len(u) > 0 {
		t.Errorf("controls without a label: %v", u)
	}
	b.screenshot("rules")

	// Search narrows the list, live.
	b.run("search", chromedp.SendKeys(`input[type="search"]`, "lead", chromedp.ByQuery))
	b.waitText(`[role="status"]`, "1 of 2 rules match")
	b.run("clear search", chromedp.Evaluate(`(() => { const s = document.querySelector('input[type="search"]'); s.value = 'zzz'; s.dispatchEvent(new Event('input')); })()`, nil))
	b.waitText(`tbody`, "No rule matches your search.")

	// Switching the folder off stops its rules: the next tag fires nothing.
	b.run("folder off", chromedp.Click(`li[data-folder] input[role="switch"]`, chromedp.ByQuery))
	b.waitText(`#toast`, "Folder Sales is off")
	if f := tl.must(200, "GET", "/v1/folders/"+folder["id"].(string), nil); f["enabled"] != false {
		t.Fatalf("folder after switching off: %v", f)
	}
	tl.must(202, "POST", "/v1/events", map[string]any{"type": "tag_applied", "contact_id": "c2", "tag": "vip"})
	if list := tl.must(200, "GET", "/v1/deliveries?rule_id="+rule["id"].(string), nil); len(list["data"].([]any)) != 1 {
		t.Fatalf("a rule of a folder that is off made a delivery: %v", list["data"])
	}
	b.waitText(row, "folder off")

	// A switch whose change fails flips back and says why (and the page
	// throws nothing: the harness fails on an unhandled rejection).
	gone := tl.must(201, "POST", "/v1/folders", map[string]any{"name": "Gone soon"})
	b.open("#/rules")
	sel := fmt.Sprintf(`li[data-folder=%q] input[role="switch"]`, gone["id"])
	b.run("wait for the folder", chromedp.WaitVisible(sel, chromedp.ByQuery))
	tl.must(204, "DELETE", "/v1/folders/"+gone["id"].(string), nil)
	b.run("switch a deleted folder", chromedp.Click(sel, chromedp.ByQuery))
	b.waitText(`#toast`, "no folder")
	var checked bool
	b.run("switch flipped back", chromedp.Poll(fmt.Sprintf(`document.querySelector(%q).checked && !document.querySelector(%q).disabled`, sel, sel), &checked))

	// A new folder, made in the UI, opens empty.
	b.run("new folder",
		chromedp.Click(`//button[contains(., "New folder")]`, chromedp.BySearch),
		chromedp.SendKeys(`.new-folder input[name="name"]`, "Marketing", chromedp.ByQuery),
		chromedp.Click(`.new-folder button[type="submit"]`, chromedp.ByQuery))
	b.waitText(`main h1`, "Rules in Marketing")
	b.waitText(`tbody`, "No rules here yet.")

	// Duplicating opens the copy, which starts switched off.
	b.open("#/rules")
	b.run("duplicate", chromedp.Click(row+` button[aria-label="Duplicate VIP to CRM"]`, chromedp.ByQuery))
	b.run("copy opened", chromedp.Poll(`location.hash.startsWith('#/rules/rul_')`, nil))
	var hash string
	b.eval(`location.hash`, &hash)
	copied := tl.must(200, "GET", "/v1/rules/"+strings.TrimPrefix(hash, "#/rules/"), nil)
	if copied["name"] != "VIP to CRM (copy)" || copied["enabled"] != false || copied["folder_id"] != folder["id"] {
		t.Fatalf("the copy: %v", copied)
	}

	// Deleting asks first.
	b.open("#/rules?folder=" + folder["id"].(string))
	b.run("delete", chromedp.Click(row+` button[aria-label="Delete VIP to CRM"]`, chromedp.ByQuery))
	b.run("deleted", chromedp.WaitNotPresent(row, chromedp.ByQuery))
	if d := b.lastDialog(); !strings.Contains(d, "Delete the rule VIP to CRM?") {
		t.Fatalf("delete asked %q", d)
	}
	tl.must(404, "GET", "/v1/rules/"+rule["id"].(string), nil)
}

// TestUIRulesPhone checks the rule list at phone width.
func TestUIRulesPhone(t *testing.T) {
	t.Parallel()
	tl := start(t, databaseURL(t, "sqlite"), "--bootstrap-api-key", testKey)
	ep := tl.must(201, "POST", "/v1/endpoints", map[string]any{"url": "https://example.com/hook"})
	for _, name := range []string{"Order closed to Google Sheets", "Hot lead to the sales team's very long channel name"} {
		tl.must(201, "POST", "/v1/rules", map[string]any{
			"name": name, "trigger": map[string]any{"type": "tag_applied", "tag": "Order Closed"},
			"condition": `contact.custom_fields.budget > 1000`,
			"actions":   []any{map[string]any{"endpoint_id": ep["id"]}},
		})
	}
	b := newBrowser(t, tl, 390, 844)
	b.signIn(testKey)
	b.waitText(`tbody`, "Order closed to Google Sheets")
	b.noOverflow("rules at 390 px")
	b.screenshot("rules-phone")
}
