package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestUIEndpointWithPreset: the create form chooses the Pollybot preset
// instead of Standard Webhooks, brings a secret and disables after failed
// attempts; the API stores exactly that, and the endpoint's page shows it
// checked, with the last attempt times.
func TestUIEndpointWithPreset(t *testing.T) {
	t.Parallel()
	tl := start(t, databaseURL(t, "sqlite"), "--bootstrap-api-key", testKey)
	b := newBrowser(t, tl, 390, 844)
	b.signIn(testKey)
	b.open("#/endpoints?new")
	newForm := `form[aria-labelledby="new-ep-h"]`
	b.run("create with the pollybot preset", chromedp.WaitVisible(newForm+` input[name="url"]`, chromedp.ByQuery),
		chromedp.SendKeys(newForm+` input[name="url"]`, "https://hooks.example.com/pollybot", chromedp.ByQuery),
		chromedp.Click(newForm+` input[name="signature"][value="standard-webhooks"]`, chromedp.ByQuery),
		chromedp.Click(newForm+` input[name="signature"][value="pollybot"]`, chromedp.ByQuery),
		chromedp.SendKeys(newForm+` input[name="secret"]`, "whsec_1234567890abcdef-pollybot", chromedp.ByQuery),
		chromedp.SetValue(newForm+` input[name="disable_after.failures"]`, "5", chromedp.ByQuery),
		chromedp.SetValue(newForm+` select[name="disable_after.counting"]`, "attempts", chromedp.ByQuery),
		chromedp.Click(newForm+` button[type="submit"]`, chromedp.ByQuery))
	b.waitText(`.secret-once`, "you will not see it again")
	if got := b.text(`.secret-once code.secret`); got != "whsec_1234567890abcdef-pollybot" {
		t.Fatalf("the secret shown is %q", got)
	}
	eps := tl.must(200, "GET", "/v1/endpoints", nil)["data"].([]any)
	if len(eps) != 1 {
		t.Fatalf("endpoints: %v", eps)
	}
	ep := eps[0].(map[string]any)
	sigs, _ := json.Marshal(ep["signatures"])
	da, _ := json.Marshal(ep["disable_after"])
	if string(sigs) != `[{"encoding":"hex","header":"X-Webhook-Signature","prefix":"sha256=","preset":"pollybot","scheme":"hmac-sha256"}]` ||
		string(da) != `{"counting":"attempts","failures":5}` {
		t.Fatalf("stored signatures %s, disable_after %s", sigs, da)
	}
	b.noOverflow("the endpoints page with the new endpoint")

	// A bad custom header is an error the form shows.
	b.open("#/endpoints/" + ep["id"].(string))
	var checked []string
	b.eval(`[...document.querySelectorAll('input[name="signature"]:checked')].map((c) => c.value)`, &checked)
	if strings.Join(checked, ",") != "pollybot" {
		t.Fatalf("checked on the endpoint page: %v", checked)
	}
	b.waitText("main", "Last attempt")
	b.run("a custom header with a space",
		chromedp.Click(`input[name="signature"][value="custom"]`, chromedp.ByQuery),
		chromedp.SendKeys(`input[name="custom_header"]`, "X Bad", chromedp.ByQuery),
		chromedp.Click(`form[aria-labelledby="settings-h"] button[type="submit"]`, chromedp.ByQuery))
	b.waitText(`form[aria-labelledby="settings-h"]`, "not a valid header name")
	if bad := b.unlabelled(); len(bad) > 0 {
		t.Fatalf("controls without a label: %v", bad)
	}
}
