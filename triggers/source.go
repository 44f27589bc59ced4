package triggers

import "github.com/tripline/tripline/internal/jsonenc"

// Source is the inbound source (SPEC section 13) an event came through, as
// it rides on trigger events and payloads: {id, name}.
type Source struct {
	ID   string `json:"id" expr:"id"`
	Name string `json:"name" expr:"name"`
}

// AppendJSON appends {"id":…,"name":…} to b.
func (s *Source) AppendJSON(b []byte) []byte {
	b = append(b, `{"id":`...)
	b = jsonenc.String(b, s.ID)
	b = append(b, `,"name":`...)
	b = jsonenc.String(b, s.Name)
	return append(b, '}')
}
