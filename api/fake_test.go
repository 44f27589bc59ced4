package api_test

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/tripline/tripline"
	"github.com/tripline/tripline/actions"
	"github.com/tripline/tripline/api"
	"github.com/tripline/tripline/engine"
	"github.com/tripline/tripline/triggers"
)

// fakeStore is an in-memory api.Store: workspace scoping, id order and
// cursors, ErrNotFound and ErrConflict as the real stores do them.
type fakeStore struct {
	mu         sync.Mutex
	keys       map[string]tripline.Workspace // by key hash
	folders    map[string]engine.Folder
	rules      map[string]engine.Rule
	endpoints  map[string]actions.Endpoint
	deliveries map[string]fakeDelivery
	eco        fakeEco // hooks, contacts and trigger events: fake_eco_test.go
	sessions   map[string]tripline.Session
	srcs       fakeSources // sources and their request logs: fake_sources_test.go
	// hook, when set, runs first in every method but WorkspaceGetByAPIKey; an
	// error it returns is the method's.
	hook func(method string) error
}

type fakeDelivery struct {
	d        actions.Delivery
	msg      actions.Message
	attempts []actions.Attempt
}

var _ api.Store = (*fakeStore)(nil)

func newFakeStore() *fakeStore {
	return &fakeStore{
		keys:       map[string]tripline.Workspace{},
		folders:    map[string]engine.Folder{},
		rules:      map[string]engine.Rule{},
		endpoints:  map[string]actions.Endpoint{},
		deliveries: map[string]fakeDelivery{},
	}
}

func (s *fakeStore) enter(method string) (unlock func(), err error) {
	s.mu.Lock()
	hook := s.hook
	s.mu.Unlock()
	if hook != nil {
		if err := hook(method); err != nil {
			return nil, err
		}
	}
	s.mu.Lock()
	return s.mu.Unlock, nil
}

func (s *fakeStore) setHook(h func(method string) error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hook = h
}

func (s *fakeStore) addKey(key string, ws tripline.Workspace) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys[tripline.HashKey(key)] = ws
}

func (s *fakeStore) WorkspaceGetByAPIKey(_ context.Context, keyHash string) (tripline.Workspace, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ws, ok := s.keys[keyHash]
	if !ok {
		return tripline.Workspace{}, tripline.ErrNotFound
	}
	return ws, nil
}

func (s *fakeStore) Ping(context.Context) error {
	unlock, err := s.enter("Ping")
	if err != nil {
		return err
	}
	unlock()
	return nil
}

// list returns up to limit items of workspace ws after cursor, by id.
func list[T any](m map[string]T, p tripline.ListParams, desc bool, wsOf func(T) string, keep func(T) bool) []T {
	ids := slices.Sorted(maps.Keys(m))
	if desc {
		slices.Reverse(ids)
	}
	var out []T
	for _, id := range ids {
		v := m[id]
		after := p.Cursor == "" || (!desc && id > p.Cursor) || (desc && id < p.Cursor)
		if wsOf(v) != p.WorkspaceID || !after || (keep != nil && !keep(v)) {
			continue
		}
		if len(out) == p.Limit {
			break
		}
		out = append(out, v)
	}
	return out
}

func get[T any](m map[string]T, ws, id string, wsOf func(T) string) (T, error) {
	v, ok := m[id]
	if !ok || wsOf(v) != ws {
		var zero T
		return zero, fmt.Errorf("get %s: %w", id, tripline.ErrNotFound)
	}
	return v, nil
}

func folderWS(f engine.Folder) string      { return f.WorkspaceID }
func ruleWS(r engine.Rule) string          { return r.WorkspaceID }
func endpointWS(e actions.Endpoint) string { return e.WorkspaceID }
func deliveryWS(d fakeDelivery) string     { return d.d.WorkspaceID }

func (s *fakeStore) FolderList(_ context.Context, p tripline.ListParams) ([]engine.Folder, error) {
	unlock, err := s.enter("FolderList")
	if err != nil {
		return nil, err
	}
	defer unlock()
	return list(s.folders, p, false, folderWS, nil), nil
}

func (s *fakeStore) FolderGet(_ context.Context, ws, id string) (engine.Folder, error) {
	unlock, err := s.enter("FolderGet")
	if err != nil {
		return engine.Folder{}, err
	}
	defer unlock()
	return get(s.folders, ws, id, folderWS)
}

func (s *fakeStore) FolderInsert(_ context.Context, f engine.Folder) error {
	unlock, err := s.enter("FolderInsert")
	if err != nil {
		return err
	}
	defer unlock()
	if _, ok := s.folders[f.ID]; ok {
		return tripline.ErrConflict
	}
	s.folders[f.ID] = f
	return nil
}

func (s *fakeStore) FolderUpdate(_ context.Context, f engine.Folder) error {
	unlock, err := s.enter("FolderUpdate")
	if err != nil {
		return err
	}
	defer unlock()
	if _, err := get(s.folders, f.WorkspaceID, f.ID, folderWS); err != nil {
		return err
	}
	s.folders[f.ID] = f
	return nil
}

func (s *fakeStore) FolderDelete(_ context.Context, ws, id string) error {
	unlock, err := s.enter("FolderDelete")
	if err != nil {
		return err
	}
	defer unlock()
	if _, err := get(s.folders, ws, id, folderWS); err != nil {
		return err
	}
	for _, r := range s.rules {
		if r.FolderID == id {
			return fmt.Errorf("folder holds rule %s: %w", r.ID, tripline.ErrConflict)
		}
	}
	delete(s.folders, id)
	return nil
}

func (s *fakeStore) RuleList(_ context.Context, p tripline.RuleListParams) ([]engine.Rule, error) {
	unlock, err := s.enter("RuleList")
	if err != nil {
		return nil, err
	}
	defer unlock()
	keep := func(r engine.Rule) bool { return p.FolderID == "" || r.FolderID == p.FolderID }
	return list(s.rules, p.ListParams, false, ruleWS, keep), nil
}

func (s *fakeStore) RuleGet(_ context.Context, ws, id string) (engine.Rule, error) {
	unlock, err := s.enter("RuleGet")
	if err != nil {
		return engine.Rule{}, err
	}
	defer unlock()
	return get(s.rules, ws, id, ruleWS)
}

func (s *fakeStore) RuleInsert(_ context.Context, r engine.Rule) error {
	unlock, err := s.enter("RuleInsert")
	if err != nil {
		return err
	}
	defer unlock()
	if _, ok := s.rules[r.ID]; ok {
		return tripline.ErrConflict
	}
	r.Actions = slices.Clone(r.Actions)
	s.rules[r.ID] = r
	return nil
}

func (s *fakeStore) RuleUpdate(_ context.Context, r engine.Rule) error {
	unlock, err := s.enter("RuleUpdate")
	if err != nil {
		return err
	}
	defer unlock()
	if _, err := get(s.rules, r.WorkspaceID, r.ID, ruleWS); err != nil {
		return err
	}
	r.Actions = slices.Clone(r.Actions)
	s.rules[r.ID] = r
	return nil
}

func (s *fakeStore) RuleDelete(_ context.Context, ws, id string) error {
	unlock, err := s.enter("RuleDelete")
	if err != nil {
		return err
	}
	defer unlock()
	if _, err := get(s.rules, ws, id, ruleWS); err != nil {
		return err
	}
	delete(s.rules, id)
	return nil
}

func (s *fakeStore) EndpointList(_ context.Context, p tripline.ListParams) ([]actions.Endpoint, error) {
	unlock, err := s.enter("EndpointList")
	if err != nil {
		return nil, err
	}
	defer unlock()
	return list(s.endpoints, p, false, endpointWS, nil), nil
}

func (s *fakeStore) EndpointGet(_ context.Context, ws, id string) (actions.Endpoint, error) {
	unlock, err := s.enter("EndpointGet")
	if err != nil {
		return actions.Endpoint{}, err
	}
	defer unlock()
	return get(s.endpoints, ws, id, endpointWS)
}

func (s *fakeStore) EndpointInsert(_ context.Context, e actions.Endpoint) error {
	unlock, err := s.enter("EndpointInsert")
	if err != nil {
		return err
	}
	defer unlock()
	if _, ok := s.endpoints[e.ID]; ok {
		return tripline.ErrConflict
	}
	e.Headers, e.RetrySchedule = maps.Clone(e.Headers), slices.Clone(e.RetrySchedule)
	s.endpoints[e.ID] = e
	return nil
}

func (s *fakeStore) EndpointUpdate(_ context.Context, e actions.Endpoint) error {
	unlock, err := s.enter("EndpointUpdate")
	if err != nil {
		return err
	}
	defer unlock()
	if _, err := get(s.endpoints, e.WorkspaceID, e.ID, endpointWS); err != nil {
		return err
	}
	e.Headers, e.RetrySchedule = maps.Clone(e.Headers), slices.Clone(e.RetrySchedule)
	s.endpoints[e.ID] = e
	return nil
}

func (s *fakeStore) EndpointDelete(_ context.Context, ws, id string) error {
	unlock, err := s.enter("EndpointDelete")
	if err != nil {
		return err
	}
	defer unlock()
	if _, err := get(s.endpoints, ws, id, endpointWS); err != nil {
		return err
	}
	for _, r := range s.rules {
		for _, a := range r.Actions {
			if a.EndpointID == id {
				return fmt.Errorf("endpoint used by rule %s: %w", r.ID, tripline.ErrConflict)
			}
		}
	}
	delete(s.endpoints, id)
	return nil
}

func (s *fakeStore) EndpointStats(_ context.Context, ws, id string) (map[actions.Status]int, error) {
	unlock, err := s.enter("EndpointStats")
	if err != nil {
		return nil, err
	}
	defer unlock()
	if _, err := get(s.endpoints, ws, id, endpointWS); err != nil {
		return nil, err
	}
	counts := map[actions.Status]int{}
	for _, d := range s.deliveries {
		if d.d.WorkspaceID == ws && d.d.EndpointID == id {
			counts[d.d.Status]++
		}
	}
	return counts, nil
}

func (s *fakeStore) DeliveryList(_ context.Context, p actions.DeliveryListParams) ([]actions.Delivery, error) {
	unlock, err := s.enter("DeliveryList")
	if err != nil {
		return nil, err
	}
	defer unlock()
	keep := func(fd fakeDelivery) bool {
		d := fd.d
		match := func(filter, v string) bool { return filter == "" || filter == v }
		return match(p.EndpointID, d.EndpointID) && match(p.RuleID, d.RuleID) && match(p.ContactID, d.ContactID) &&
			match(p.Event, d.Event) && match(string(p.Status), string(d.Status)) && !d.CreatedAt.Before(p.Since) &&
			match(p.TriggerEventID, d.TriggerEventID)
	}
	var out []actions.Delivery
	for _, fd := range list(s.deliveries, p.ListParams, true, deliveryWS, keep) {
		out = append(out, fd.d)
	}
	return out, nil
}

func (s *fakeStore) DeliveryGet(_ context.Context, ws, id string) (actions.Delivery, actions.Message, []actions.Attempt, error) {
	unlock, err := s.enter("DeliveryGet")
	if err != nil {
		return actions.Delivery{}, actions.Message{}, nil, err
	}
	defer unlock()
	fd, err := get(s.deliveries, ws, id, deliveryWS)
	return fd.d, fd.msg, fd.attempts, err
}

func (s *fakeStore) DeliveryStats(_ context.Context, p actions.DeliveryStatsParams) ([]actions.DeliveryHourCount, error) {
	unlock, err := s.enter("DeliveryStats")
	if err != nil {
		return nil, err
	}
	defer unlock()
	type key struct {
		hour   time.Time
		status actions.Status
	}
	counts := map[key]int{}
	for _, fd := range s.deliveries {
		d := fd.d
		if d.WorkspaceID != p.WorkspaceID || d.CreatedAt.Before(p.Since) || !d.CreatedAt.Before(p.Until) ||
			p.EndpointID != "" && d.EndpointID != p.EndpointID || p.RuleID != "" && d.RuleID != p.RuleID {
			continue
		}
		counts[key{d.CreatedAt.UTC().Truncate(time.Hour), d.Status}]++
	}
	out := make([]actions.DeliveryHourCount, 0, len(counts))
	for k, n := range counts {
		out = append(out, actions.DeliveryHourCount{Hour: k.hour, Status: k.status, Count: n})
	}
	slices.SortFunc(out, func(a, b actions.DeliveryHourCount) int {
		return cmp.Or(a.Hour.Compare(b.Hour), strings.Compare(string(a.Status), string(b.Status)))
	})
	return out, nil
}

func (s *fakeStore) putEndpoint(e actions.Endpoint) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.endpoints[e.ID] = e
}

func (s *fakeStore) putDelivery(fd fakeDelivery) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.deliveries[fd.d.ID] = fd
}

func (s *fakeStore) count() (folders, rules, endpoints int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.folders), len(s.rules), len(s.endpoints)
}

// fakeIngester accepts events as engine.Pipeline would: an event whose id was
// seen before is a duplicate; every other event derives one trigger event.
type fakeIngester struct {
	mu    sync.Mutex
	seen  map[string]bool
	calls [][]triggers.Event
	n     int
}

func (f *fakeIngester) Ingest(_ context.Context, workspaceID string, events []triggers.Event) (engine.IngestResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, events)
	if f.seen == nil {
		f.seen = map[string]bool{}
	}
	var res engine.IngestResult
	for _, ev := range events {
		key := workspaceID + "/" + ev.ID
		if ev.ID != "" && f.seen[key] {
			res.Duplicates++
			continue
		}
		f.seen[key] = true
		f.n++
		res.Accepted++
		res.TriggerEventIDs = append(res.TriggerEventIDs, fmt.Sprintf("evt_%03d", f.n))
	}
	return res, nil
}

func (f *fakeIngester) callCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.calls)
}

func (f *fakeIngester) lastCall() []triggers.Event {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[len(f.calls)-1]
}

// syncBuffer is a log destination that tests read while handlers write.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
