package sources_test

import (
	"net/http"
	"testing"

	"github.com/tripline/tripline/sources"
)

// BenchmarkApply maps onWebChat's chat.closed sample: the per-request work
// of POST /in/{token} before the ingest.
func BenchmarkApply(b *testing.B) {
	c, _ := sources.CompiledFor(sources.Source{Kind: "onwebchat"})
	body := sample(b, "onwebchat_chat_closed.json")
	h := http.Header{}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Apply(sources.Request{Body: body, Header: h}); err != nil {
			b.Fatal(err)
		}
	}
}
