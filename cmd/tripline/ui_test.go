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
		chromedp.WaitNotPresent(`input[name="api_key"]`, chromedp.ByQuery), // else settled may see the sign-in page
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
