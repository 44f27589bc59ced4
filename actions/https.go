package actions

import (
	"context"
	"strings"
)

// PlainHTTPError is why an http:// destination is refused under HTTPS only.
const PlainHTTPError = "refused: HTTPS only is on (TRIPLINE_REQUIRE_HTTPS or the workspace's require_https), and this destination is http://; use an https:// URL"

// PlainHTTPAllowed reports whether the policy lets an http:// URL through
// while HTTPS only is on: only when its host is a non-public address (or a
// name resolving only to such addresses) that the private-destination
// allowlist opens, for development against local receivers.
func (p DestinationPolicy) PlainHTTPAllowed(ctx context.Context, rawURL string) bool {
	ips, _, err := p.hostAddrs(ctx, rawURL)
	if err != nil {
		return false
	}
	if len(ips) == 0 {
		return false
	}
	for _, ip := range ips {
		// A public address is not opened by the allowlist: it needs no
		// opening, and plain HTTP to it is what HTTPS only refuses.
		if ClassifyAddress(ip) == "" || p.Check(ip) != nil {
			return false
		}
	}
	return true
}

// plainHTTP reports whether rawURL is an http:// URL.
func plainHTTP(rawURL string) bool {
	scheme, _, ok := strings.Cut(rawURL, ":")
	return ok && strings.EqualFold(scheme, "http")
}
