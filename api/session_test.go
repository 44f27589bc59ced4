package api_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// browser sends requests as the web UI does: with the session cookie and,
// when it has one, the CSRF token; never an Authorization header.
type browser struct {
	b      *bundle
	cookie *http.Cookie
	csrf   string
}

func (br *browser) do(method, path, body string, header ...string) response {
	br.b.t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if br.cookie != nil {
		req.AddCookie(br.cookie)
	}
	if br.csrf != "" && method != http.MethodGet {
		req.Header.Set("X-CSRF-Token", br.csrf)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return br.b.send(req)
}

// signIn signs in with key and returns the browser holding the session.
func signIn(t *testing.T, b *bundle, key string) *browser {
	t.Helper()
	br := &browser{b: b}
	res := br.do(http.MethodPost, "/ui/session", `{"api_key": "`+key+`"}`, "Sec-Fetch-Site", "same-origin").want(t, http.StatusCreated)
	for _, c := range (&http.Response{Header: res.Header}).Cookies() {
		if c.Name == "tripline_session" {
			br.cookie = c
		}
	}
	if br.cookie == nil {
		t.Fatalf("sign-in set no session cookie: %v", res.Header)
	}
	br.csrf = res.str("csrf_token")
	return br
}

func TestSessionSignIn(t *testing.T) {
	t.Parallel()
	b := setup(t)
	br := &browser{b: b}
	br.do(http.MethodPost, "/ui/session", `{"api_key": " "}`).field(t, "api_key", "enter an API key")
	br.do(http.MethodPost, "/ui/session", `{"key": "x"}`).field(t, "key", "")
	br.do(http.MethodPost, "/ui/session", `{"api_key": "tl_nope"}`).problem(t, http.StatusUnauthorized)
	// Another site's page cannot sign a visitor in (login CSRF).
	br.do(http.MethodPost, "/ui/session", `{"api_key": "`+keyA+`"}`, "Sec-Fetch-Site", "cross-site").problem(t, http.StatusForbidden)

	br = signIn(t, b, " "+keyA+`\n`) // pasted with blanks
	c := br.cookie
	if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/" || c.MaxAge != 12*3600 || c.Secure {
		t.Fatalf("cookie %+v: want HttpOnly, SameSite=Strict, Path=/, 12 h, not Secure over http", c)
	}
	if len(c.Value) < 40 || strings.Contains(c.Value, keyA) || len(br.csrf) != 64 || br.csrf == c.Value {
		t.Fatalf("cookie %q / csrf %q: want a fresh random token, not the key", c.Value, br.csrf)
	}
	res := br.do(http.MethodGet, "/ui/session", "").want(t, http.StatusOK)
	if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
		t.Fatalf("GET /ui/session Cache-Control %q: it holds the CSRF token, want no-store", cc)
	}
	if ws := res.Body["workspace"].(map[string]any); ws["id"] != "ws_a" || ws["name"] != "a" || res.str("csrf_token") != br.csrf {
		t.Fatalf("GET /ui/session: %s", res.Raw)
	}

	// Behind a TLS-terminating proxy the cookie is Secure.
	req := httptest.NewRequest(http.MethodPost, "/ui/session", strings.NewReader(`{"api_key": "`+keyA+`"}`))
	req.Header.Set("X-Forwarded-Proto", "https")
	if got := b.send(req).want(t, http.StatusCreated).Header.Get("Set-Cookie"); !strings.Contains(got, "Secure") {
		t.Fatalf("Set-Cookie %q behind https lacks Secure", got)
	}
}

func TestSessionUsesTheAPI(t *testing.T) {
	t.Parallel()
	b := setup(t)
	br := signIn(t, b, keyA)

	// Reading needs only the cookie.
	br.do(http.MethodGet, "/v1/folders", "").want(t, http.StatusOK)
	// Writing needs the CSRF token too, and the same origin.
	noToken := &browser{b: b, cookie: br.cookie}
	noToken.do(http.MethodPost, "/v1/folders", `{"name": "x"}`).problem(t, http.StatusForbidden)
	br.do(http.MethodPost, "/v1/folders", `{"name": "x"}`, "X-CSRF-Token", wrongToken(br.csrf)).problem(t, http.StatusForbidden)
	br.do(http.MethodPost, "/v1/folders", `{"name": "x"}`, "Sec-Fetch-Site", "cross-site").problem(t, http.StatusForbidden)
	br.do(http.MethodPost, "/v1/folders", `{"name": "x"}`, "Origin", "https://evil.example").problem(t, http.StatusForbidden)
	res := br.do(http.MethodPost, "/v1/folders", `{"name": "from the UI"}`, "Sec-Fetch-Site", "same-origin").want(t, http.StatusCreated)
	b.do(http.MethodGet, "/v1/folders/"+res.str("id"), nil).want(t, http.StatusOK) // the key's workspace

	// A bearer key still works beside a cookie; a bad one is not rescued by it.
	req := httptest.NewRequest(http.MethodGet, "/v1/folders", nil)
	req.AddCookie(br.cookie)
	req.Header.Set("Authorization", "Bearer tl_nope")
	b.send(req).problem(t, http.StatusUnauthorized)

	// Signing out ends the session on the server, not only in this browser.
	stolen := *br.cookie
	noToken.do(http.MethodDelete, "/ui/session", "").problem(t, http.StatusForbidden)
	res = br.do(http.MethodDelete, "/ui/session", "").want(t, http.StatusNoContent)
	if got := res.Header.Get("Set-Cookie"); !strings.Contains(got, "Max-Age=0") {
		t.Fatalf("sign-out Set-Cookie %q does not clear the cookie", got)
	}
	replay := &browser{b: b, cookie: &stolen}
	replay.do(http.MethodGet, "/v1/folders", "").problem(t, http.StatusUnauthorized)
	replay.do(http.MethodGet, "/ui/session", "").problem(t, http.StatusUnauthorized)

	// Revoking the key ends the sessions it opened.
	br = signIn(t, b, keyB)
	b.store.removeKey(keyB)
	br.do(http.MethodGet, "/v1/folders", "").problem(t, http.StatusUnauthorized)
}

func TestUIFiles(t *testing.T) {
	t.Parallel()
	b := setup(t)
	res := b.doKey("", http.MethodGet, "/", nil).want(t, http.StatusOK)
	if !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") || !strings.Contains(res.Raw, "<!doctype html>") {
		t.Fatalf("GET /: %v %.200s", res.Header, res.Raw)
	}
	csp := res.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") || res.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("GET / security headers: %v", res.Header)
	}
	etag := res.Header.Get("ETag")
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.Header.Set("If-None-Match", etag)
	if got := b.send(req); etag == "" || got.Status != http.StatusNotModified {
		t.Fatalf("revalidating with ETag %q: %d", etag, got.Status)
	}
	res = b.doKey("", http.MethodGet, "/assets/app.js", nil).want(t, http.StatusOK)
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/javascript") {
		t.Fatalf("app.js Content-Type %q", ct)
	}
	for _, p := range []string{"/assets/nope.js", "/assets/../api.go", "/assets/index.html"} {
		b.doKey("", http.MethodGet, p, nil).problem(t, http.StatusNotFound)
	}
}

// wrongToken returns token with its first character changed.
func wrongToken(token string) string {
	if token[0] == '0' {
		return "1" + token[1:]
	}
	return "0" + token[1:]
}
