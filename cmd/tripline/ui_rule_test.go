package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// setSelect picks a value of a select and tells the page, as a reader would.
func setSelect(sel, value string) chromedp.Action {
	return chromedp.Evaluate(fmt.Sprintf(`(() => { const s = document.querySelector(%q); s.value = %q; s.dispatchEvent(new Event('change', {bubbles: true})); return s.value; })()`, sel, value), nil)
}

// setText replaces a text control's value and tells the page.
func setText(sel, value string) chromedp.Action {
	return chromedp.Evaluate(fmt.Sprintf(`(() => { const s = document.querySelector(%q); s.value = %q; s.dispatchEvent(new Event('input', {bubbles: true})); return s.value; })()`, sel, value), nil)
}

// clickButton clicks the first button whose text is text.
func clickButton(text string) chromedp.Action {
	return chromedp.Click(fmt.Sprintf(`//button[normalize-space(.)=%q]`, text), chromedp.BySearch)
}

// TestUIRuleEditor builds a rule in the editor: a trigger with its
// parameter, builder conditions, a payload template with variables; sees the
// live preview match and render; sees an invalid advanced condition's error
// with its line and column; saves; finds it in the list; sends a test of the
// rendered payload to a local receiver; and checks the page at phone width.
func TestUIRuleEditor(t *testing.T) {
	t.Parallel()
	tl := start(t, databaseURL(t, "sqlite"), "--bootstrap-api-key", testKey)
	rc := newReceiver(t)
	_, ep := tl.do("POST", "/v1/endpoints", map[string]any{"name": "CRM", "url": rc.URL + "/hook"})
	rc.setSecret(ep["secret"].(string))
	_, folder := tl.do("POST", "/v1/folders", map[string]any{"name": "Sales", "enabled": true})
	folderID := folder["id"].(string)

	b := newBrowser(t, tl, 1280, 900)
	b.signIn(testKey)
	b.open("#/rules/new?folder=" + folderID)
	if h1 := b.text("main h1"); h1 != "New rule" {
		t.Fatalf("the editor's heading is %q", h1)
	}
	var folderSel string
	b.eval(`document.querySelector('select[data-field="folder_id"]').value`, &folderSel)
	if folderSel != folderID {
		t.Fatalf("the folder of ?folder= is not chosen: %q", folderSel)
	}

	b.run("name and trigger",
		chromedp.SendKeys(`input[data-field="name"]`, "Big budget to CRM", chromedp.ByQuery),
		setSelect(`select[data-field="trigger.type"]`, "tag_applied"),
		chromedp.WaitVisible(`input[data-field="trigger.tag"]`, chromedp.ByQuery),
		chromedp.SendKeys(`input[data-field="trigger.tag"]`, "Paid", chromedp.ByQuery))

	b.run("builder conditions",
		clickButton("+ Add condition"),
		chromedp.SendKeys(`input[data-field="rows[0].field"]`, "contact.custom_fields.budget", chromedp.ByQuery),
		setSelect(`select[data-field="rows[0].operator"]`, ">"),
		chromedp.SendKeys(`input[data-field="rows[0].value"]`, "1000", chromedp.ByQuery),
		clickButton("+ Add condition"),
		chromedp.SendKeys(`input[data-field="rows[1].field"]`, "contact.tags", chromedp.ByQuery),
		setSelect(`select[data-field="rows[1].operator"]`, "has tag"),
		chromedp.SendKeys(`input[data-field="rows[1].value"]`, "Order Closed", chromedp.ByQuery))
	var hidden bool
	b.run("no value for is set",
		clickButton("+ Add condition"),
		setSelect(`select[data-field="rows[2].operator"]`, "is set"),
		chromedp.Evaluate(`document.querySelector('input[data-field="rows[2].value"]').closest('.field').hidden`, &hidden))
	if !hidden {
		t.Fatal(`the value of an "is set" row is shown`)
	}
	b.run("remove the third row", chromedp.Click(`button[aria-label="Remove condition 3"]`, chromedp.ByQuery))

	b.run("payload template with variables",
		chromedp.SendKeys(`textarea[data-field="actions[0].body"]`, `{"email": "`, chromedp.ByQuery),
		chromedp.Click(`button[aria-label="Insert contact.email"]`, chromedp.ByQuery),
		chromedp.SendKeys(`textarea[data-field="actions[0].body"]`, `", "budget": "`, chromedp.ByQuery),
		chromedp.Click(`button[aria-label="Insert contact.custom_fields.budget"]`, chromedp.ByQuery),
		chromedp.SendKeys(`textarea[data-field="actions[0].body"]`, `", "tag": "{{ event.tag }}"}`, chromedp.ByQuery))
	var body string
	b.eval(`document.querySelector('textarea[data-field="actions[0].body"]').value`, &body)
	if body != `{"email": "{{ contact.email }}", "budget": "{{ contact.custom_fields.budget }}", "tag": "{{ event.tag }}"}` {
		t.Fatalf("the variable picker wrote %s", body)
	}

	var removeShown bool
	b.eval(`document.querySelector('button[aria-label="Remove webhook 1"]').offsetParent !== null`, &removeShown)
	if removeShown {
		t.Fatal("the only webhook can be removed")
	}

	// The live preview: the sample contact (budget 12000, tagged Order
	// Closed) matches, and the payload is rendered with typed values.
	b.waitText(".preview-status", "Matched")
	b.waitText(".preview pre.payload", `"email": "john.smith@example.com"`)
	b.waitText(".preview pre.payload", `"budget": 12000`)
	b.waitText(".preview pre.payload", `"tag": "Paid"`)

	// Advanced mode shows the compiled expression; an invalid one is marked
	// at the condition with its line and column, live and on save.
	var expr string
	b.run("advanced", chromedp.Click(`#tab-advanced`, chromedp.ByQuery),
		chromedp.WaitVisible(`textarea[data-field="condition"]`, chromedp.ByQuery),
		chromedp.Value(`textarea[data-field="condition"]`, &expr, chromedp.ByQuery))
	if want := `number(contact.custom_fields.budget) > 1000 && "Order Closed" in contact.tags`; expr != want {
		t.Fatalf("advanced shows %q, want %q", expr, want)
	}
	b.run("invalid condition", setText(`textarea[data-field="condition"]`, "contact.custom_fields.budget >\n  && contact.emial == 1"))
	b.waitText(`textarea[data-field="condition"] ~ .error`, "(line ")
	b.run("save the invalid rule", chromedp.Click(`.page-head button[type="submit"]`, chromedp.ByQuery))
	b.waitText(`.problem-summary`, "condition")
	errText := b.text(`textarea[data-field="condition"] ~ .error`)
	if !strings.Contains(errText, "line ") || !strings.Contains(errText, "column ") {
		t.Fatalf("the condition's error does not say where: %q", errText)
	}
	var invalid string
	b.eval(`document.querySelector('textarea[data-field="condition"]').getAttribute('aria-invalid')`, &invalid)
	if invalid != "true" {
		t.Fatalf("the condition is not marked invalid: %q", invalid)
	}
	// An expression the builder cannot show stays advanced, saying why.
	b.run("not for the builder", setText(`textarea[data-field="condition"]`, `len(contact.tags) > 2`), chromedp.Click(`#tab-builder`, chromedp.ByQuery))
	b.waitText(`.notice`, "stays in advanced mode")
	// Back to the builder with the valid expression: the rows come back.
	var rows int
	b.run("back to the builder", setText(`textarea[data-field="condition"]`, expr), chromedp.Click(`#tab-builder`, chromedp.ByQuery),
		chromedp.WaitVisible(`input[data-field="rows[1].value"]`, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelectorAll('.cond-row').length`, &rows))
	if rows != 2 {
		t.Fatalf("the builder shows %d rows, want 2", rows)
	}
	b.waitText(".preview-status", "Matched")

	b.run("save", chromedp.Click(`.page-head button[type="submit"]`, chromedp.ByQuery))
	if err := chromedp.Run(b.ctx, chromedp.Poll(`location.hash.startsWith('#/rules/rul_')`, nil, chromedp.WithPollingTimeout(15*time.Second)), b.settled()); err != nil {
		var problem string
		b.eval(`[...document.querySelectorAll('.problem-summary, .error:not([hidden])')].map(e => e.textContent).join(' | ')`, &problem)
		t.Fatalf("saving did not open the saved rule (%v): %s", err, problem)
	}
	_, list := tl.do("GET", "/v1/rules", nil)
	data := list["data"].([]any)
	if len(data) != 1 {
		t.Fatalf("rules after save: %v", list)
	}
	rule := data[0].(map[string]any)
	if rule["folder_id"] != folderID || rule["condition"] != expr || rule["trigger"].(map[string]any)["tag"] != "Paid" {
		t.Fatalf("saved rule: %v", rule)
	}
	ruleID := rule["id"].(string)
	var hash string
	b.eval(`location.hash`, &hash)
	if hash != "#/rules/"+ruleID {
		t.Fatalf("after saving the page is %s", hash)
	}

	b.open("#/rules?folder=" + folderID)
	b.waitText("main table", "Big budget to CRM")

	// Send test: the rendered preview goes, signed, to the receiver, and its
	// answer shows.
	b.open("#/rules/" + ruleID)
	b.waitText(".preview-status", "Matched")
	b.run("send test", clickButton("Send test"))
	b.waitText(".test-answer", "HTTP 200")
	got := rc.next(t)
	if got.err != nil {
		t.Fatalf("the test send is not signed right: %v", got.err)
	}
	if got.body["email"] != "john.smith@example.com" || got.body["budget"] != float64(12000) || got.body["tag"] != "Paid" {
		t.Fatalf("the receiver got %v", got.body)
	}
	if u := b.unlabelled(); len(u) > 0 {
		t.Errorf("controls of the rule editor without a label: %v", u)
	}
	b.eval(`window.scrollTo(0, 0)`, nil)
	b.screenshot("rule-editor")

	// Phone width: nothing overflows sideways.
	b.run("phone", chromedp.EmulateViewport(390, 844))
	b.open("#/rules/" + ruleID)
	b.waitText(".preview-status", "Matched")
	var fits bool
	b.eval(`document.documentElement.scrollWidth <= window.innerWidth`, &fits)
	if !fits {
		var wide string
		b.eval(`[...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1).slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right)).join(', ')`, &wide)
		t.Fatalf("the editor overflows at 390px: scrollWidth > innerWidth; too wide: %s", wide)
	}
	b.eval(`window.scrollTo(0, 0)`, nil)
	b.screenshot("rule-editor-phone")
}

// TestUIUnsavedChanges leaves a rule with unsaved changes by the browser's
// Back button, a menu link and sign-out: each asks first, Cancel keeps the
// page and its text, OK leaves.
func TestUIUnsavedChanges(t *testing.T) {
	t.Parallel()
	tl := start(t, databaseURL(t, "sqlite"), "--bootstrap-api-key", testKey)
	b := newBrowser(t, tl, 1280, 900)
	b.signIn(testKey) // on #/rules
	b.run("new rule", chromedp.Click(`//a[contains(., "New rule")]`, chromedp.BySearch), b.settled())
	b.run("type a name", chromedp.SendKeys(`input[data-field="name"]`, "Half-made rule", chromedp.ByQuery))

	stays := func(what string, leave chromedp.Action) {
		t.Helper()
		b.declineDialogs(true)
		before := len(b.dialogsSeen())
		b.run(what, leave)
		// The question comes, is answered Cancel, and the address comes back.
		if !eventually(10*time.Second, func() bool { return len(b.dialogsSeen()) > before }) {
			t.Fatalf("%s with unsaved changes asked nothing", what)
		}
		var back bool
		_ = chromedp.Run(b.ctx, chromedp.Poll(`location.hash === '#/rules/new'`, &back, chromedp.WithPollingTimeout(5*time.Second)))
		var state struct{ Hash, Name string }
		b.eval(`({Hash: location.hash, Name: document.querySelector('input[data-field="name"]').value})`, &state)
		if state.Hash != "#/rules/new" || state.Name != "Half-made rule" {
			t.Fatalf("%s, answered Cancel: at %q with name %q; want to stay with the text", what, state.Hash, state.Name)
		}
		if d := b.lastDialog(); d != "Leave without saving your changes?" {
			t.Fatalf("%s asked %q", what, d)
		}
	}
	stays("Back", chromedp.Evaluate(`history.back()`, nil))
	stays("the Endpoints link", chromedp.Click(`a[data-nav="endpoints"]`, chromedp.ByQuery))
	stays("sign out", chromedp.Click(`#sign-out`, chromedp.ByQuery))

	b.declineDialogs(false)
	b.run("leave by the Rules link", chromedp.Click(`a[data-nav="rules"]`, chromedp.ByQuery),
		chromedp.Poll(`location.hash === '#/rules'`, nil, chromedp.WithPollingTimeout(10*time.Second)), b.settled())
	if h1 := b.text("main h1"); h1 != "Rules" {
		t.Fatalf("after leaving: %q", h1)
	}
}
