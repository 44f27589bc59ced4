package actions

import (
	"context"
	"errors"
	"net/netip"
	"net/url"
	"strings"
	"testing"
)

func TestClassifyAddress(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		ip, kind string
	}{
		{"8.8.8.8", ""},
		{"93.184.215.14", ""},
		{"2606:4700:4700::1111", ""},
		{"172.32.0.1", ""},  // just past 172.16/12
		{"100.128.0.1", ""}, // just past 100.64/10
		{"169.253.255.255", ""},
		{"127.0.0.1", "loopback"},
		{"127.255.255.254", "loopback"},
		{"::1", "loopback"},
		{"10.0.0.5", "private"},
		{"172.16.0.1", "private"},
		{"172.31.255.255", "private"},
		{"192.168.1.1", "private"},
		{"fc00::1", "private"},
		{"fd12:3456::1", "private"},
		{"169.254.1.1", "link-local"},
		{"fe80::1", "link-local"},
		{"fe80::1%eth0", "link-local"},
		{"169.254.169.254", "cloud metadata"},
		{"fd00:ec2::254", "cloud metadata"},
		{"100.64.0.1", "shared (CGNAT)"},
		{"100.127.255.255", "shared (CGNAT)"},
		{"224.0.0.1", "multicast"},
		{"239.255.255.250", "multicast"},
		{"ff02::1", "multicast"},
		{"0.0.0.0", "unspecified (this network)"},
		{"0.1.2.3", "unspecified (this network)"},
		{"::", "unspecified"},
		{"255.255.255.255", "broadcast"},
		{"240.0.0.1", "reserved"},
		// IPv4-mapped IPv6 is judged as the IPv4 address inside.
		{"::ffff:127.0.0.1", "loopback"},
		{"::ffff:10.0.0.5", "private"},
		{"::ffff:169.254.169.254", "cloud metadata"},
		{"::ffff:8.8.8.8", ""},
	} {
		if got := ClassifyAddress(netip.MustParseAddr(tc.ip)); got != tc.kind {
			t.Errorf("ClassifyAddress(%s) = %q, want %q", tc.ip, got, tc.kind)
		}
	}
}

func TestDestinationPolicy(t *testing.T) {
	t.Parallel()
	allowed, err := ParseCIDRs(" 10.1.0.0/16, 192.168.7.7 ,fd12::/64")
	if err != nil {
		t.Fatal(err)
	}
	p := DestinationPolicy{Allowed: allowed}
	for ip, ok := range map[string]bool{
		"10.1.2.3": true, "10.2.0.1": false, "192.168.7.7": true, "192.168.7.8": false,
		"fd12::5": true, "fd13::5": false, "::ffff:10.1.0.9": true, "1.1.1.1": true, "127.0.0.1": false,
	} {
		if err := p.Check(netip.MustParseAddr(ip)); (err == nil) != ok {
			t.Errorf("Check(%s) = %v, want allowed %v", ip, err, ok)
		}
	}
	err = p.Check(netip.MustParseAddr("10.0.0.5"))
	want := "destination 10.0.0.5 is a private address; set TRIPLINE_ALLOW_PRIVATE_DESTINATIONS=true or allow its CIDR"
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("error %v, want it to start %q", err, want)
	}
	if err := (DestinationPolicy{AllowPrivate: true}).Check(netip.MustParseAddr("127.0.0.1")); err != nil {
		t.Fatalf("AllowPrivate refuses: %v", err)
	}
	for _, bad := range []string{"10.0.0.0/33", "nope", "10.0.0.0/8,x"} {
		if _, err := ParseCIDRs(bad); err == nil {
			t.Errorf("ParseCIDRs(%q) accepted", bad)
		}
	}
	if err := p.DialControl("tcp", "[::ffff:127.0.0.1]:80", nil); err == nil {
		t.Fatal("DialControl let a mapped loopback address through")
	}
	if err := p.DialControl("tcp", "1.1.1.1:443", nil); err != nil {
		t.Fatalf("DialControl refused a public address: %v", err)
	}
}

// fakeResolver resolves names from a map.
type fakeResolver map[string][]string

func (f fakeResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	addrs, ok := f[host]
	if !ok {
		return nil, errors.New("no such host")
	}
	var out []netip.Addr
	for _, a := range addrs {
		out = append(out, netip.MustParseAddr(a))
	}
	return out, nil
}

func TestCheckURL(t *testing.T) {
	t.Parallel()
	p := DestinationPolicy{Resolver: fakeResolver{
		"internal.example": {"10.0.0.5"},
		"mixed.example":    {"10.0.0.5", "93.184.215.14"},
		"public.example":   {"93.184.215.14"},
		"meta.example":     {"169.254.169.254"},
	}}
	for raw, ok := range map[string]bool{
		"http://127.0.0.1:8080/hook":     false,
		"http://[::1]/hook":              false,
		"https://[::ffff:10.0.0.1]/":     false,
		"https://internal.example/hook":  false,
		"https://meta.example/latest":    false,
		"https://mixed.example/hook":     true, // dial time decides, per address
		"https://public.example/hook":    true,
		"https://unknown.example/hook":   true, // may exist later; checked at dial time
		"https://93.184.215.14:8443/x":   true,
		"https://internal.example./hook": false,
	} {
		if err := p.CheckURL(context.Background(), raw); (err == nil) != ok {
			t.Errorf("CheckURL(%s) = %v, want allowed %v", raw, err, ok)
		}
	}
}

// TestSenderRefusesLoopbackName: a host name that resolves to loopback is
// refused at dial time, and the attempt says why.
func TestSenderRefusesLoopbackName(t *testing.T) {
	t.Parallel()
	h, got := capture()
	srv := newServer(t, h)
	u, _ := url.Parse(srv.URL)
	u.Host = "localhost:" + u.Port()
	s := NewSender(SenderConfig{DialControl: DestinationPolicy{}.DialControl})
	a := s.Send(context.Background(), claimFor(t, u.String()))
	if a.StatusCode != 0 || !strings.Contains(a.Error, "is a loopback address; set TRIPLINE_ALLOW_PRIVATE_DESTINATIONS=true") {
		t.Fatalf("attempt %+v, want the SSRF error", a)
	}
	select {
	case r := <-got:
		t.Fatalf("the request reached the server: %v", r.header)
	default:
	}
	// Allowed, the same request goes through.
	s = NewSender(SenderConfig{DialControl: DestinationPolicy{AllowPrivate: true}.DialControl})
	if a := s.Send(context.Background(), claimFor(t, u.String())); !a.Succeeded() {
		t.Fatalf("allowed attempt failed: %+v", a)
	}
}
