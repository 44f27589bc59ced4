package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// The web UI is tested in a real browser: headless Chromium (Debian's
// chromium package), driven over the DevTools protocol by chromedp. .ci/run
// installs Chromium and sets TRIPLINE_REQUIRE_BROWSER=1, so there a missing
// browser fails the tests; elsewhere they skip.
//
//	go test ./cmd/tripline -run TestUI -screenshots
//
// also writes the screenshots of docs/screenshots.
var screenshots = flag.Bool("screenshots", false, "write the UI tests' screenshots to docs/screenshots")

// chromiumPath finds the browser: TRIPLINE_CHROMIUM, else chromium on PATH.
func chromiumPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("TRIPLINE_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("TRIPLINE_REQUIRE_BROWSER") != "" {
		t.Fatal("no Chromium found (TRIPLINE_REQUIRE_BROWSER is set): apt-get install chromium, or set TRIPLINE_CHROMIUM")
	}
	t.Skip("no Chromium found: apt-get install chromium to run the browser tests")
	return ""
}

// browser is one headless Chromium tab signed out of a Tripline instance.
type browser struct {
	t    *testing.T
	ctx  context.Context
	base string

	mu      sync.Mutex
	errors  []string // uncaught exceptions and console errors of the page
	dialogs []string // messages of confirm() and prompt() dialogs, accepted
	prompt  string   // the answer to the next prompt()
	decline bool     // answer dialogs with Cancel
}

// browserSlots bounds how many tests run Chromium at once: the machine has
// two cores, and Tripline runs beside them. A test takes one slot however
// many browsers it opens (slotHolders): two tests each holding a slot and
// waiting for a second one would wait for ever.
var (
	browserSlots = make(chan struct{}, 2)
	slotHolders  sync.Map // *testing.T → struct{}
)

// newBrowser starts Chromium at phone or desktop size against tl. The test
// fails if the page throws or logs an error (a CSP refusal included).
func newBrowser(t *testing.T, tl *instance, width, height int) *browser {
	t.Helper()
	path := chromiumPath(t)
	if _, held := slotHolders.LoadOrStore(t, struct{}{}); !held {
		browserSlots <- struct{}{}
		t.Cleanup(func() { slotHolders.Delete(t); <-browserSlots })
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox, // tests may run as root
		chromedp.DisableGPU,
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("lang", "en-GB"),
		chromedp.WindowSize(width, height),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancelTab(); cancelAlloc() })
	b := &browser{t: t, ctx: ctx, base: tl.url}
	chromedp.ListenTarget(ctx, func(ev any) {
		switch ev := ev.(type) {
		case *runtime.EventExceptionThrown:
			b.addError("exception: " + ev.ExceptionDetails.Error())
		case *cdplog.EventEntryAdded:
			// Browser-made messages: a refused Content-Security-Policy among
			// them. Failed requests (a 401 while signed out, a 404 the page
			// handles) are the network's and expected.
			if e := ev.Entry; e.Level == cdplog.LevelError && e.Source != cdplog.SourceNetwork {
				b.addError(fmt.Sprintf("%s error: %s", e.Source, e.Text))
			}
		case *page.EventJavascriptDialogOpening:
			b.mu.Lock()
			b.dialogs = append(b.dialogs, ev.Message)
			answer, accept := b.prompt, !b.decline
			b.mu.Unlock()
			go func() { // not on the event goroutine: Run would wait on itself
				_ = chromedp.Run(ctx, page.HandleJavaScriptDialog(accept).WithPromptText(answer))
			}()
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.APITypeError {
				var parts []string
				for _, a := range ev.Args {
					parts = append(parts, strings.Trim(string(a.Value), `"`)+a.Description)
				}
				b.addError("console.error: " + strings.Join(parts, " "))
			}
		}
	})
	// The window has a minimum width (500 px headless): a phone's viewport
	// is emulated instead.
	if err := chromedp.Run(ctx, cdplog.Enable(), chromedp.EmulateViewport(int64(width), int64(height))); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	t.Cleanup(func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		for _, e := range b.errors {
			t.Errorf("the page reported %s", e)
		}
	})
	return b
}

// answerPrompt sets the text the next prompt() dialogs get.
//
//nolint:unused // the harness's answer to prompt(); no page prompts today, UI tests of one call it
func (b *browser) answerPrompt(s string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.prompt = s
}

// declineDialogs makes the page's next dialogs answered with Cancel (or OK
// again with false).
func (b *browser) declineDialogs(decline bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.decline = decline
}

// dialogsSeen returns the messages of the dialogs the page opened so far.
func (b *browser) dialogsSeen() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.dialogs...)
}

// lastDialog returns the message of the last dialog the page opened.
func (b *browser) lastDialog() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.dialogs) == 0 {
		return ""
	}
	return b.dialogs[len(b.dialogs)-1]
}

// noOverflow fails the test when the page is wider than the window (at
// phone width: a table or a row that does not wrap).
func (b *browser) noOverflow(what string) {
	b.t.Helper()
	var over struct{ Scroll, Inner int }
	b.eval(`({Scroll: document.documentElement.scrollWidth, Inner: window.innerWidth})`, &over)
	if over.Scroll > over.Inner {
		b.t.Errorf("%s: the page is %d px wide in a %d px window", what, over.Scroll, over.Inner)
	}
}

// unlabelled returns the form controls of the page without an accessible
// name (a label, aria-label or aria-labelledby).
func (b *browser) unlabelled() []string {
	b.t.Helper()
	var out []string
	b.eval(`[...document.querySelectorAll('input, select, textarea, button')].filter(e => e.type !== 'hidden' && e.offsetParent !== null &&
		!(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.getAttribute('aria-labelledby') &&
		!(e.tagName === 'BUTTON' && e.textContent.trim())).map(e => e.outerHTML.slice(0, 120))`, &out)
	return out
}

func (b *browser) addError(s string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.errors = append(b.errors, s)
}

// run runs browser actions, failing the test with what was being done.
func (b *browser) run(what string, actions ...chromedp.Action) {
	b.t.Helper()
	if err := chromedp.Run(b.ctx, actions...); err != nil {
		b.t.Fatalf("browser: %s: %v", what, err)
	}
}

// open navigates to a hash route ("#/rules") and waits for the page.
func (b *browser) open(hash string) {
	b.t.Helper()
	var current string
	b.run("read the location", chromedp.Location(&current))
	if target := b.base + "/" + hash; current != target {
		b.run("open "+hash, chromedp.Navigate(target), b.settled())
		return
	}
	// The same address: navigating would change nothing; load it afresh.
	b.run("reload "+hash, chromedp.Reload(), b.settled())
}

// settled waits until the current page has rendered (main is not busy).
func (b *browser) settled() chromedp.Action {
	return chromedp.Poll(`document.readyState === 'complete' && document.querySelector('main h1') !== null && !document.getElementById('main').hasAttribute('aria-busy')`, nil, chromedp.WithPollingInterval(50*time.Millisecond))
}

// text returns the text of the first element matching sel, once visible.
func (b *browser) text(sel string) string {
	b.t.Helper()
	var s string
	b.run("read "+sel, chromedp.WaitVisible(sel, chromedp.ByQuery), chromedp.Text(sel, &s, chromedp.ByQuery))
	return s
}

// waitText waits until an element matching sel contains want.
func (b *browser) waitText(sel, want string) {
	b.t.Helper()
	js := fmt.Sprintf(`[...document.querySelectorAll(%q)].some(e => e.textContent.includes(%q))`, sel, want)
	b.run(fmt.Sprintf("wait for %q in %s", want, sel), chromedp.Poll(js, nil, chromedp.WithPollingInterval(50*time.Millisecond)))
}

// eval evaluates a JavaScript expression into out.
func (b *browser) eval(js string, out any) {
	b.t.Helper()
	b.run("eval "+js, chromedp.Evaluate(js, out))
}

// signIn signs in through the sign-in page with key.
func (b *browser) signIn(key string) {
	b.t.Helper()
	b.open("#/signin")
	b.run("sign in",
		chromedp.WaitVisible(`input[name="api_key"]`, chromedp.ByQuery),
		chromedp.SendKeys(`input[name="api_key"]`, key, chromedp.ByQuery),
		chromedp.Click(`form button[type="submit"]`, chromedp.ByQuery),
		chromedp.WaitNotPresent(`input[name="api_key"]`, chromedp.ByQuery),
		b.settled())
}

// screenshot saves the page as docs/screenshots/<name>.png when the test
// runs with -screenshots; otherwise it still takes it (into the test's temp
// directory), so a page that cannot be captured fails either way.
func (b *browser) screenshot(name string) {
	b.t.Helper()
	var png []byte
	b.run("screenshot "+name, chromedp.FullScreenshot(&png, 100))
	dir := b.t.TempDir()
	if *screenshots {
		dir = filepath.Join("..", "..", "docs", "screenshots")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			b.t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}
