package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/tripline/tripline/engine"
	"github.com/tripline/tripline/triggers"
)

var _ engine.SimulateStore = (*Store)(nil)

// reader is the read pool seen through the ingest methods, for reads
// outside an ingest transaction: they write nothing.
func (s *Store) reader() *ingestTx { return &ingestTx{s: s, tx: s.read} }

// RuleListAll implements engine.SimulateStore on the read pool.
func (s *Store) RuleListAll(ctx context.Context, workspaceID string) ([]engine.Rule, []engine.Folder, error) {
	return s.reader().RuleListAll(ctx, workspaceID)
}

// ContactGetMany implements engine.SimulateStore on the read pool.
func (s *Store) ContactGetMany(ctx context.Context, p engine.ContactGetManyParams) (map[string]*triggers.Contact, error) {
	return s.reader().ContactGetMany(ctx, p)
}

// RuleFireGetMany implements engine.SimulateStore: when each rule last fired
// for the contact. It reads; only RuleFireClaim records a firing.
func (s *Store) RuleFireGetMany(ctx context.Context, p engine.RuleFireGetManyParams) (map[string]time.Time, error) {
	out := map[string]time.Time{}
	for _, ids := range chunks(p.RuleIDs, s.batchRows(1)) {
		var rows []ruleFireRow
		err := s.read.WithContext(ctx).Where("workspace_id = ? AND contact_id = ? AND rule_id IN ?", p.WorkspaceID, p.ContactID, ids).
			Find(&rows).Error
		if err != nil {
			return nil, fmt.Errorf("get rule fires: %w", translate(err))
		}
		for _, r := range rows {
			out[r.RuleID] = r.FiredAt.Time
		}
	}
	return out, nil
}

// RuleErrorRecordMany implements engine.IngestTx with one UPDATE … FROM
// (VALUES …) per batch of rules (one statement for any realistic ingest), the
// same SQL on both dialects: VALUES columns are column1, column2… on both.
func (t *ingestTx) RuleErrorRecordMany(ctx context.Context, p engine.RuleErrorRecordManyParams) error {
	at := p.At
	if at.IsZero() {
		at = t.s.now()
	}
	for _, batch := range chunks(p.Errors, t.s.batchRows(3)) {
		var sb strings.Builder
		args := []any{ts(at)}
		sb.WriteString(`UPDATE rules SET last_error = v.column2, last_error_at = ?, error_count = rules.error_count + v.column3 FROM (VALUES `)
		for i, e := range batch {
			if i > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString("(?, ?, CAST(? AS INTEGER))")
			args = append(args, e.RuleID, e.Error, e.Count)
		}
		sb.WriteString(`) AS v WHERE rules.workspace_id = ? AND rules.id = v.column1`)
		args = append(args, p.WorkspaceID)
		if err := t.db(ctx).Exec(sb.String(), args...).Error; err != nil {
			return fmt.Errorf("record rule errors: %w", translate(err))
		}
	}
	return nil
}
