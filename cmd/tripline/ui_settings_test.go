package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestUISettings renames the workspace and sets its time zone from the
// settings page; a time zone that is not IANA's is refused on its field.
func TestUISettings(t *testing.T) {
	t.Parallel()
	tl := start(t, databaseURL(t, "sqlite"), "--bootstrap-api-key", testKey)
	b := newBrowser(t, tl, 1280, 900)
	b.signIn(testKey)
	b.open("#/settings")
	b.waitText(`main h1`, "Settings")
	if u := b.unlabelled(); len(u) > 0 {
		t.Errorf("controls without a label: %v", u)
	}
	set := func(sel, v string) chromedp.Action {
		return chromedp.Evaluate(`(() => { const e = document.querySelector('`+sel+`'); e.value = '`+v+`'; })()`, nil)
	}
	b.run("bad zone", set(`input[name="timezone"]`, "Mars/Olympus"), chromedp.Click(`.settings-form button[type="submit"]`, chromedp.ByQuery))
	b.waitText(`.settings-form .field .error`, "is not an IANA time zone")
	b.run("good settings", set(`input[name="timezone"]`, "Europe/Berlin"), set(`input[name="name"]`, "Acme marketing"),
		chromedp.Click(`.settings-form button[type="submit"]`, chromedp.ByQuery))
	b.waitText(`#toast`, "Settings saved.")
	b.waitText(`#workspace-name`, "Workspace Acme marketing")
	ws := tl.must(200, "GET", "/v1/workspace", nil)
	if ws["name"] != "Acme marketing" || ws["timezone"] != "Europe/Berlin" {
		t.Fatalf("workspace after saving: %v", ws)
	}

	// An API key: created with a name and shown once, then revoked.
	b.run("create key", chromedp.SendKeys(`input[name="key_name"]`, "Zapier", chromedp.ByQuery), chromedp.Click(`.key-form button[type="submit"]`, chromedp.ByQuery))
	b.waitText(`.secret-once`, "Copy it now")
	secret := b.text(`#new-key`)
	var created map[string]any
	for _, k := range tl.must(200, "GET", "/v1/keys", nil)["data"].([]any) {
		if k := k.(map[string]any); k["name"] == "Zapier" {
			created = k
		}
	}
	if created == nil || !strings.HasPrefix(secret, created["prefix"].(string)) {
		t.Fatalf("the key shown %q is not the key created: %v", secret, created)
	}
	row := fmt.Sprintf(`tr[data-key=%q]`, created["id"])
	b.waitText(row, "Zapier")
	b.waitText(`tbody`, "in use by this session")
	if u := b.unlabelled(); len(u) > 0 {
		t.Errorf("controls without a label: %v", u)
	}
	b.screenshot("settings")
	b.run("revoke", chromedp.Click(row+` button[aria-label="Revoke Zapier"]`, chromedp.ByQuery))
	b.run("revoked", chromedp.WaitNotPresent(row, chromedp.ByQuery))
	if d := b.lastDialog(); !strings.Contains(d, "Revoke the key Zapier") {
		t.Fatalf("revoke asked %q", d)
	}
	if code, _ := tl.do("GET", "/v1/keys", nil); code != 200 {
		t.Fatalf("the bootstrap key after revoking another: %d", code)
	}
	b.run("phone size", chromedp.EmulateViewport(390, 844))
	b.open("#/settings")
	b.noOverflow("settings at 390 px")
}
