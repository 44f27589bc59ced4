package actions

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// DestinationError is why the SSRF guard refused an address: it says which
// address, what kind it is and how to allow it.
type DestinationError struct {
	Addr netip.Addr
	Kind string // "loopback", "private", "link-local", "cloud metadata", …
}

func (e *DestinationError) Error() string {
	return fmt.Sprintf("destination %s is a %s address; set TRIPLINE_ALLOW_PRIVATE_DESTINATIONS=true or allow its CIDR in TRIPLINE_ALLOWED_DESTINATIONS",
		e.Addr, e.Kind)
}

// refusedRanges are the address ranges no delivery goes to by default, most
// specific first so that an address gets its most telling name.
var refusedRanges = []struct {
	prefix netip.Prefix
	kind   string
}{
	{netip.MustParsePrefix("169.254.169.254/32"), "cloud metadata"},
	{netip.MustParsePrefix("fd00:ec2::254/128"), "cloud metadata"},
	{netip.MustParsePrefix("0.0.0.0/8"), "unspecified (this network)"},
	{netip.MustParsePrefix("127.0.0.0/8"), "loopback"},
	{netip.MustParsePrefix("10.0.0.0/8"), "private"},
	{netip.MustParsePrefix("172.16.0.0/12"), "private"},
	{netip.MustParsePrefix("192.168.0.0/16"), "private"},
	{netip.MustParsePrefix("100.64.0.0/10"), "shared (CGNAT)"},
	{netip.MustParsePrefix("169.254.0.0/16"), "link-local"},
	{netip.MustParsePrefix("192.0.0.0/24"), "IETF protocol assignment"},
	{netip.MustParsePrefix("198.18.0.0/15"), "benchmarking"},
	{netip.MustParsePrefix("224.0.0.0/4"), "multicast"},
	{netip.MustParsePrefix("255.255.255.255/32"), "broadcast"},
	{netip.MustParsePrefix("240.0.0.0/4"), "reserved"},
	{netip.MustParsePrefix("::/128"), "unspecified"},
	{netip.MustParsePrefix("::1/128"), "loopback"},
	{netip.MustParsePrefix("fc00::/7"), "private"},
	{netip.MustParsePrefix("fe80::/10"), "link-local"},
	{netip.MustParsePrefix("ff00::/8"), "multicast"},
}

// ClassifyAddress names the kind of a non-public address ("loopback",
// "private", "link-local", "cloud metadata", …), or returns "" for an
// address deliveries may reach by default. An IPv4-mapped IPv6 address
// (::ffff:10.0.0.1) is judged as the IPv4 address it carries.
func ClassifyAddress(ip netip.Addr) string {
	if !ip.IsValid() {
		return "invalid"
	}
	ip = ip.Unmap().WithZone("")
	for _, r := range refusedRanges {
		if r.prefix.Contains(ip) {
			return r.kind
		}
	}
	return ""
}

// DestinationPolicy is the SSRF guard: which addresses deliveries may
// connect to. The zero value refuses every address ClassifyAddress names.
type DestinationPolicy struct {
	// AllowPrivate lets deliveries reach any address (development and tests).
	AllowPrivate bool
	// Allowed are ranges reachable despite their kind, such as an internal
	// service network.
	Allowed []netip.Prefix
	// Resolver looks host names up for CheckURL. Default: net.DefaultResolver.
	Resolver interface {
		LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
	}
}

// Check returns a *DestinationError when the policy refuses ip.
func (p DestinationPolicy) Check(ip netip.Addr) error {
	if p.AllowPrivate {
		return nil
	}
	ip = ip.Unmap().WithZone("")
	for _, pre := range p.Allowed {
		if pre.Contains(ip) {
			return nil
		}
	}
	if kind := ClassifyAddress(ip); kind != "" {
		return &DestinationError{Addr: ip, Kind: kind}
	}
	return nil
}

// DialControl is the policy as a net.Dialer Control function
// (SenderConfig.DialControl). It sees the address after DNS resolution, just
// before the connection is made, so a name that resolves to a public address
// when the endpoint is saved and to a private one later (DNS rebinding) is
// still refused.
func (p DestinationPolicy) DialControl(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("ssrf guard: unexpected dial address %q: %w", address, err)
	}
	return p.Check(ap.Addr())
}

// checkURLTimeout bounds the DNS lookup of CheckURL, so that saving an
// endpoint never hangs on a slow resolver.
const checkURLTimeout = 2 * time.Second

// CheckURL checks an endpoint URL when it is saved: an IP literal host is
// checked as is; a host name is resolved (for at most 2 s) and refused only
// when every address it resolves to is refused. A name that does not resolve
// passes: it may exist later, and each attempt is checked at dial time anyway.
func (p DestinationPolicy) CheckURL(ctx context.Context, rawURL string) error {
	if p.AllowPrivate {
		return nil
	}
	ips, literal, err := p.hostAddrs(ctx, rawURL)
	if literal {
		return p.Check(ips[0])
	}
	if err != nil || len(ips) == 0 {
		var ue *url.Error
		if errors.As(err, &ue) && ue.Op == "parse" {
			return err
		}
		return nil
	}
	var first error
	for _, ip := range ips {
		err := p.Check(ip)
		if err == nil {
			return nil
		}
		if first == nil {
			first = err
		}
	}
	return first
}

// hostAddrs are the addresses of rawURL's host: an IP literal as it is
// (literal true), a name as the resolver answers within checkURLTimeout.
func (p DestinationPolicy) hostAddrs(ctx context.Context, rawURL string) (ips []netip.Addr, literal bool, err error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, false, err
	}
	host := strings.TrimSuffix(u.Hostname(), ".")
	if ip, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{ip}, true, nil
	}
	var r interface {
		LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
	} = net.DefaultResolver
	if p.Resolver != nil {
		r = p.Resolver
	}
	ctx, cancel := context.WithTimeout(ctx, checkURLTimeout)
	defer cancel()
	ips, err = r.LookupNetIP(ctx, "ip", host)
	return ips, false, err
}

// ParseCIDRs parses a comma-separated list of CIDRs ("10.1.0.0/16,
// fd12::/64"); a bare address is a range of one.
func ParseCIDRs(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if !strings.Contains(part, "/") {
			ip, err := netip.ParseAddr(part)
			if err != nil {
				return nil, fmt.Errorf("%q is not a CIDR such as 10.1.0.0/16", part)
			}
			out = append(out, netip.PrefixFrom(ip.Unmap(), ip.Unmap().BitLen()))
			continue
		}
		pre, err := netip.ParsePrefix(part)
		if err != nil {
			return nil, fmt.Errorf("%q is not a CIDR such as 10.1.0.0/16", part)
		}
		out = append(out, pre.Masked())
	}
	return out, nil
}

// destinationError finds the guard's refusal in a dial error.
func destinationError(err error) (*DestinationError, bool) {
	var de *DestinationError
	ok := errors.As(err, &de)
	return de, ok
}
