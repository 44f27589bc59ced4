package main

import (
	"testing"

	"github.com/chromedp/chromedp"
)

// TestUISignIn signs in with a wrong key, then the right one, and out.
func TestUISignIn(t *testing.T) {
	t.Parallel()
	tl := start(t, databaseURL(t, "sqlite"), "--bootstrap-api-key", testKey)
	b := newBrowser(t, tl, 1280, 900)

	b.open("#/rules") // signed out: the sign-in page, then back here after
	b.run("wrong key",
		chromedp.WaitVisible(`input[name="api_key"]`, chromedp.ByQuery),
		chromedp.SendKeys(`input[name="api_key"]`, "tl_wrong", chromedp.ByQuery),
		chromedp.Click(`form button[type="submit"]`, chromedp.ByQuery))
	b.waitText(`.problem-summary`, "The API key is not valid")
	var invalid string
	b.eval(`document.querySelector('input[name="api_key"]').getAttribute('aria-invalid')`, &invalid)
	if invalid != "true" {
		t.Fatalf("the key input is not marked invalid: %q", invalid)
	}
	b.screenshot("signin")

	b.run("right key",
		chromedp.Evaluate(`document.querySelector('input[name="api_key"]').value = ''`, nil),
		chromedp.SendKeys(`input[name="api_key"]`, testKey, chromedp.ByQuery),
		chromedp.Click(`form button[type="submit"]`, chromedp.ByQuery),
		chromedp.WaitNotPresent(`input[name="api_key"]`, chromedp.ByQuery),
		b.settled())
	if h1 := b.text("main h1"); h1 != "Rules" {
		t.Fatalf("after sign-in the page is %q, want Rules", h1)
	}
	// The cookie is HttpOnly: the page's scripts cannot read it.
	var cookies string
	b.eval(`document.cookie`, &cookies)
	if cookies != "" {
		t.Fatalf("document.cookie = %q: the session cookie must be HttpOnly", cookies)
	}

	b.run("sign out", chromedp.Click(`#sign-out`, chromedp.ByQuery), chromedp.WaitVisible(`input[name="api_key"]`, chromedp.ByQuery))
	// Signed out on the server too: a reload asks to sign in again.
	b.open("#/endpoints")
	b.run("signed out", chromedp.WaitVisible(`input[name="api_key"]`, chromedp.ByQuery))
}

// TestUIKeyboard signs in and switches a folder off with the keyboard
// alone, and checks that navigation moves focus to the new page's heading.
func TestUIKeyboard(t *testing.T) {
	t.Parallel()
	tl := start(t, databaseURL(t, "sqlite"), "--bootstrap-api-key", testKey)
	folder := tl.must(201, "POST", "/v1/folders", map[string]any{"name": "Support"})
	b := newBrowser(t, tl, 1280, 900)

	b.open("#/signin")
	var focused string
	b.eval(`document.activeElement.name`, &focused)
	if focused != "api_key" {
		t.Fatalf("the sign-in page focuses %q, want the key input", focused)
	}
	b.run("type the key and press Enter",
		chromedp.KeyEvent(testKey+"\r"),
		chromedp.WaitNotPresent(`input[name="api_key"]`, chromedp.ByQuery),
		b.settled())
	b.eval(`document.activeElement.tagName + ':' + document.activeElement.textContent`, &focused)
	if focused != "H1:Rules" {
		t.Fatalf("after sign-in focus is on %q, want the Rules heading", focused)
	}
	var title string
	b.eval(`document.title`, &title)
	if title != "Rules · Tripline" {
		t.Fatalf("title %q", title)
	}

	// The skip link moves focus into the page and is not taken for a route.
	b.run("skip link", chromedp.Focus(`#skip`, chromedp.ByQuery), chromedp.KeyEvent("\r"))
	var where string
	b.eval(`location.hash + ' ' + document.activeElement.tagName + ' ' + document.querySelector('main h1').textContent`, &where)
	if where != "#/rules H1 Rules" {
		t.Fatalf("after the skip link: %q, want the Rules page with focus on its heading", where)
	}

	// Tab to the folder's switch and press Space.
	var reached bool
	for i := 0; i < 30 && !reached; i++ {
		b.run("tab", chromedp.KeyEvent("\t"))
		b.eval(`document.activeElement.getAttribute('aria-label') === 'Folder Support on'`, &reached)
	}
	if !reached {
		t.Fatal("the folder's switch cannot be reached with Tab")
	}
	b.run("space", chromedp.KeyEvent(" "))
	b.waitText(`#toast`, "Folder Support is off")
	if f := tl.must(200, "GET", "/v1/folders/"+folder["id"].(string), nil); f["enabled"] != false {
		t.Fatalf("folder after Space on its switch: %v", f)
	}
}
