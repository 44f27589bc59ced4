package jsonenc

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// marshal is what every function here must match.
func marshal(t *testing.T, v any) string {
	t.Helper()
	j, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("json.Marshal(%#v): %v", v, err)
	}
	return string(j)
}

var strings = []string{
	"", "plain", `quote " backslash \ slash /`, "<script>&amp;</script>", "\b\f\n\r\t\x00\x01\x1f\x7f",
	"Zoë O'Neil 日本語 😀", "line\u2028para\u2029", "bad \xff utf-8 \xc3", "\xe2\x80", "tail\xe2\x80\xa8",
}

func TestString(t *testing.T) {
	t.Parallel()
	for _, s := range strings {
		if got, want := string(String([]byte("x"), s)), "x"+marshal(t, s); got != want {
			t.Errorf("String(%q) = %s, want %s", s, got, want)
		}
		if got, want := string(String([]byte("x"), []byte(s))), "x"+marshal(t, s); got != want {
			t.Errorf("String([]byte(%q)) = %s, want %s", s, got, want)
		}
	}
}

func FuzzString(f *testing.F) {
	for _, s := range strings {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want := marshal(t, s)
		if got := string(String(nil, s)); got != want {
			t.Errorf("String(%q) = %s, want %s", s, got, want)
		}
		if got := string(String(nil, []byte(s))); got != want {
			t.Errorf("String([]byte(%q)) = %s, want %s", s, got, want)
		}
	})
}

func TestFloat(t *testing.T) {
	t.Parallel()
	floats := []float64{0, math.Copysign(0, -1), 1, -1, 0.1, 1e-6, 9.999e-7, 1e-7, 1e20, 1e21, 123456789e13, -1e-10,
		math.MaxFloat64, math.SmallestNonzeroFloat64, 1.5e300, 3.14159, 100, 1e-9}
	r := rand.New(rand.NewPCG(1, 2))
	for range 10000 {
		if f := math.Float64frombits(r.Uint64()); !math.IsNaN(f) && !math.IsInf(f, 0) {
			floats = append(floats, f)
		}
		floats = append(floats, r.NormFloat64()*math.Pow(10, float64(r.IntN(60)-30)))
	}
	for _, f := range floats {
		got, err := Float(nil, f)
		if want := marshal(t, f); err != nil || string(got) != want {
			t.Fatalf("Float(%v) = %s, %v; want %s", f, got, err, want)
		}
	}
	for _, f := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		if _, err := Float(nil, f); err == nil {
			t.Errorf("Float(%v): no error", f)
		}
	}
}

func TestTime(t *testing.T) {
	t.Parallel()
	paris := time.FixedZone("Paris", 3600)
	for _, tm := range []time.Time{
		{}, time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC), time.Date(2026, 11, 22, 10, 0, 0, 123_456_789, paris),
		time.Date(2026, 1, 2, 3, 4, 5, 120_000_000, time.UTC), time.Now(), time.Date(9999, 12, 31, 23, 59, 59, 999_999_999, time.UTC),
	} {
		got, err := Time([]byte("x"), tm)
		if want := "x" + marshal(t, tm); err != nil || string(got) != want {
			t.Errorf("Time(%v) = %s, %v; want %s", tm, got, err, want)
		}
	}
	for _, tm := range []time.Time{time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC)} {
		if got, err := Time([]byte("x"), tm); err == nil || string(got) != "x" {
			t.Errorf("Time(%v) = %s, %v; want an error and nothing appended", tm, got, err)
		}
	}
}

type marshaler struct{}

func (marshaler) MarshalJSON() ([]byte, error) { return []byte(` { "a" : [ 1 , 2 ] } `), nil }

func TestValue(t *testing.T) {
	t.Parallel()
	values := []any{
		nil, true, false, "s<>", 1.5, 1e-7, 42, int64(-7), []string{"a", "<b>"}, []string(nil),
		[]any{nil, "x", 2.0, []any{}, map[string]any{}}, []any(nil),
		map[string]any{"b": 1.0, "a": "x", "é": nil, "A": []any{true}, "<k>": map[string]any{"z": 1.0, "y": map[string]any(nil)}},
		map[string]any(nil), map[string]string{"b": "1", "a": "<2>"}, map[string]string(nil),
		[]map[string]any{{"b": 1.0, "a": 2.0}, nil}, []map[string]any(nil),
		// Not written directly: through json.Marshal.
		float32(0.1), uint8(3), json.Number("12.50"), json.RawMessage(` [1, 2] `), marshaler{},
		map[string]any{"m": marshaler{}, "t": time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)},
		struct {
			A string `json:"a"`
		}{"<x>"},
	}
	for _, v := range values {
		got, err := Value([]byte("x"), v)
		if want := "x" + marshal(t, v); err != nil || string(got) != want {
			t.Errorf("Value(%#v) = %s, %v; want %s", v, got, err, want)
		}
	}
	for _, v := range []any{math.NaN(), []any{math.Inf(1)}, map[string]any{"f": func() {}}} {
		if _, err := Value(nil, v); err == nil {
			t.Errorf("Value(%#v): no error", v)
		}
	}
}

func BenchmarkString(b *testing.B) {
	s := `{"id":"evt_01","type":"tag_applied","contact":{"name":"Zoë O'Neil","tags":["vip"]}}`
	b.Run("jsonenc", func(b *testing.B) {
		b.ReportAllocs()
		buf := make([]byte, 0, 256)
		for b.Loop() {
			buf = String(buf[:0], s)
		}
	})
	b.Run("encoding_json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := json.Marshal(s); err != nil {
				b.Fatal(err)
			}
		}
	})
}
