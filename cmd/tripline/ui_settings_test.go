package main

import (
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
	b.screenshot("settings")
	b.run("phone size", chromedp.EmulateViewport(390, 844))
	b.open("#/settings")
	b.noOverflow("settings at 390 px")
}
