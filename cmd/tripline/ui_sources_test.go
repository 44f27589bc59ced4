package main

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestUISources drives the sources pages: a Pollybot source created in the
// UI with its secret shows its ingest URL; a signed sample posted to it
// shows in the request log, a badly signed one as 401; the try panel shows
// the events of a payload; the switch disables it (404); rotating changes
// the URL. Every page fits a phone's width and labels its controls.
func TestUISources(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, dialect string) {
		tl := start(t, databaseURL(t, dialect), "--bootstrap-api-key", testKey)
		b := newBrowser(t, tl, 1280, 900)
		b.signIn(testKey)

		openFresh(b, "#/sources")
		form := `form[aria-labelledby="new-src-h"]`
		b.run("open the form", chromedp.Click(`.page-head .actions button`, chromedp.ByQuery),
			chromedp.WaitVisible(form+` select[name="kind"]`, chromedp.ByQuery))
		if u := b.unlabelled(); len(u) > 0 {
			t.Errorf("unlabelled controls on the sources page: %v", u)
		}
		// A secret too short is an inline error on the secret field.
		b.run("create with a short secret",
			chromedp.SetValue(form+` select[name="kind"]`, "pollybot", chromedp.ByQuery),
			chromedp.SendKeys(form+` input[name="name"]`, "Polly site", chromedp.ByQuery),
			chromedp.SendKeys(form+` input[name="secret"]`, "short", chromedp.ByQuery),
			chromedp.Click(form+` button[type="submit"]`, chromedp.ByQuery))
		b.waitText(form+` .field .error`, "must be at least 16 bytes")
		b.run("create",
			chromedp.Evaluate(`document.querySelector('`+form+` input[name="secret"]').value = ''`, nil),
			chromedp.SendKeys(form+` input[name="secret"]`, sourceSecret, chromedp.ByQuery),
			chromedp.Click(form+` button[type="submit"]`, chromedp.ByQuery))
		b.waitText("main h1", "Polly site")
		url := b.text(`[data-ingest-url]`)
		if !strings.HasPrefix(url, tl.url+"/in/tin_") {
			t.Fatalf("ingest URL shown %q", url)
		}
		if u := b.unlabelled(); len(u) > 0 {
			t.Errorf("unlabelled controls on the source page: %v", u)
		}

		body := platformSample(t, "pollybot_lead_created.json")
		if status, _ := postIn(t, url, inbound{body, map[string]string{"X-Webhook-Signature": "sha256=" + hmacSHA256(sourceSecret, body, false)}}); status != 202 {
			t.Fatalf("signed sample: %d", status)
		}
		if status, _ := postIn(t, url, inbound{body, map[string]string{"X-Webhook-Signature": "sha256=00"}}); status != 401 {
			t.Fatalf("badly signed sample: %d", status)
		}
		srcID := strings.TrimPrefix(strings.Split(hashOf(b), "?")[0], "#/sources/")
		openFresh(b, "#/sources")
		openFresh(b, "#/sources/"+srcID)
		b.waitText(`table.requests tbody`, "401 unauthorized")
		if log := b.text(`table.requests tbody`); !strings.Contains(log, "202 accepted") || !strings.Contains(log, "LEAD_CREATED") {
			t.Errorf("request log: %q", log)
		}

		// Try a payload: its events and the signature verdict.
		b.run("try", chromedp.SendKeys(`textarea[name="payload"]`, string(body), chromedp.ByQuery),
			chromedp.SendKeys(`textarea[name="headers"]`, "X-Webhook-Signature: sha256="+hmacSHA256(sourceSecret, body, false), chromedp.ByQuery),
			chromedp.Click(`form[aria-labelledby="try-h"] button[type="submit"]`, chromedp.ByQuery))
		b.waitText(`.try-result`, "Signature OK")
		if r := b.text(`.try-result`); !strings.Contains(r, `"contact_id": "clp123abc456"`) {
			t.Errorf("try result: %q", r)
		}

		// Rotate (the confirm is answered OK), then disable.
		b.run("rotate", chromedp.Click(`//button[text()="Rotate URL"]`, chromedp.BySearch))
		b.waitText("#toast", "New ingest URL")
		if now := b.text(`[data-ingest-url]`); now == url {
			t.Error("rotating kept the URL")
		}
		if status, _ := postIn(t, url, inbound{body: body}); status != 404 {
			t.Errorf("the old URL after rotation: %d", status)
		}
		b.run("disable", chromedp.Click(`.page-head .actions input[type="checkbox"]`, chromedp.ByQuery))
		b.waitText("#toast", "Disabled")
		if got := tl.must(200, "GET", "/v1/sources/"+srcID, nil); got["enabled"] != false {
			t.Errorf("after the switch: %v", got)
		}

		phone := newBrowser(t, tl, 390, 844)
		phone.signIn(testKey)
		for _, hash := range []string{"#/sources", "#/sources/" + srcID} {
			openFresh(phone, hash)
			phone.noOverflow(hash)
		}
	})
}

func hashOf(b *browser) string {
	var h string
	b.eval(`location.hash`, &h)
	return h
}
