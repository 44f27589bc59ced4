// Command verify checks a Tripline delivery with the official Standard
// Webhooks library (github.com/standard-webhooks/standard-webhooks/libraries/go).
//
// Usage: TRIPLINE_WEBHOOK_SECRET=whsec_… go run ./docs/examples/go BODY_FILE HEADERS_FILE
// BODY_FILE holds the raw request body; HEADERS_FILE a JSON object of the
// request headers. Exits 0 when the signature is valid, 1 when it is not.
package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// verify:start

// verify returns the payload of a genuine delivery and an error otherwise.
// rawBody is the request body exactly as received (io.ReadAll(r.Body)),
// before any JSON parsing; headers is the request's r.Header.
func verify(secret string, headers http.Header, rawBody []byte) (map[string]any, error) {
	wh, err := standardwebhooks.NewWebhook(secret) // "whsec_…"
	if err != nil {
		return nil, err
	}
	// Verify also rejects timestamps more than five minutes off.
	if err := wh.Verify(rawBody, headers); err != nil {
		return nil, err
	}
	var payload map[string]any
	err = json.Unmarshal(rawBody, &payload)
	return payload, err
}

// verify:end

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "not verified:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) != 2 {
		return fmt.Errorf("usage: verify BODY_FILE HEADERS_FILE")
	}
	body, err := os.ReadFile(args[0])
	if err != nil {
		return err
	}
	raw, err := os.ReadFile(args[1])
	if err != nil {
		return err
	}
	var m map[string]string
	if err := json.Unmarshal(raw, &m); err != nil {
		return err
	}
	headers := http.Header{}
	for k, v := range m {
		headers.Set(k, v)
	}
	payload, err := verify(os.Getenv("TRIPLINE_WEBHOOK_SECRET"), headers, body)
	if err != nil {
		return err
	}
	fmt.Println("verified", payload["event"], payload["id"])
	return nil
}
