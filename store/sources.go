package store

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/tripline/tripline"
	"github.com/tripline/tripline/sources"
	"gorm.io/gorm"
)

type sourceRow struct {
	ID          string
	WorkspaceID string
	Name        string
	Kind        string
	Verify      *string
	Secret      string
	Mapping     *string
	Enabled     bool
	Token       string
	TokenHash   string
	CreatedAt   timestamp
	UpdatedAt   timestamp
}

func (sourceRow) TableName() string { return "sources" }

// sourceVerify is the verify column: the settings without the secret,
// which has its own sealed column.
type sourceVerify struct {
	Scheme   string `json:"scheme"`
	Header   string `json:"header,omitempty"`
	Encoding string `json:"encoding,omitempty"`
	Prefix   string `json:"prefix,omitempty"`
}

func (s *Store) seal(v string) (string, error) {
	if s.secrets == nil || v == "" {
		return v, nil
	}
	return s.secrets.Seal(v)
}

func (s *Store) open(v string) (string, error) {
	if s.secrets == nil || v == "" {
		return v, nil
	}
	return s.secrets.Open(v)
}

func (s *Store) newSourceRow(src sources.Source) (sourceRow, error) {
	row := sourceRow{ID: src.ID, WorkspaceID: src.WorkspaceID, Name: src.Name, Kind: src.Kind, Enabled: src.Enabled,
		TokenHash: src.TokenHash, CreatedAt: ts(src.CreatedAt), UpdatedAt: ts(src.UpdatedAt)}
	var err error
	if row.Token, err = s.seal(src.Token); err != nil {
		return row, fmt.Errorf("source %s: seal token: %w", src.ID, err)
	}
	if v := src.Verify; v != nil {
		b, err := json.Marshal(sourceVerify{Scheme: v.Scheme, Header: v.Header, Encoding: v.Encoding, Prefix: v.Prefix})
		if err != nil {
			return row, err
		}
		text := string(b)
		row.Verify = &text
		if row.Secret, err = s.seal(v.Secret); err != nil {
			return row, fmt.Errorf("source %s: seal secret: %w", src.ID, err)
		}
	}
	if len(src.Mapping) > 0 {
		m := string(src.Mapping)
		row.Mapping = &m
	}
	return row, nil
}

func (s *Store) sourceDomain(r sourceRow) (sources.Source, error) {
	src := sources.Source{ID: r.ID, WorkspaceID: r.WorkspaceID, Name: r.Name, Kind: r.Kind, Enabled: r.Enabled,
		TokenHash: r.TokenHash, CreatedAt: r.CreatedAt.Time, UpdatedAt: r.UpdatedAt.Time}
	var err error
	if src.Token, err = s.open(r.Token); err != nil {
		return src, fmt.Errorf("source %s: open token: %w", r.ID, err)
	}
	if r.Verify != nil {
		var v sourceVerify
		if err := json.Unmarshal([]byte(*r.Verify), &v); err != nil {
			return src, fmt.Errorf("source %s: verify: %w", r.ID, err)
		}
		src.Verify = &sources.Verify{Scheme: v.Scheme, Header: v.Header, Encoding: v.Encoding, Prefix: v.Prefix}
		if src.Verify.Secret, err = s.open(r.Secret); err != nil {
			return src, fmt.Errorf("source %s: open secret: %w", r.ID, err)
		}
	}
	if r.Mapping != nil {
		src.Mapping = json.RawMessage(*r.Mapping)
	}
	return src, nil
}

func (s *Store) sourcesDomain(rows []sourceRow) ([]sources.Source, error) {
	out := make([]sources.Source, len(rows))
	for i, r := range rows {
		var err error
		if out[i], err = s.sourceDomain(r); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// SourceList returns one page of the workspace's sources, by id.
func (s *Store) SourceList(ctx context.Context, p tripline.ListParams) ([]sources.Source, error) {
	var rows []sourceRow
	if err := page(s.read.WithContext(ctx), p, false).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list sources: %w", translate(err))
	}
	return s.sourcesDomain(rows)
}

// SourceGet returns one source of the workspace.
func (s *Store) SourceGet(ctx context.Context, workspaceID, id string) (sources.Source, error) {
	var row sourceRow
	if err := s.read.WithContext(ctx).Where("workspace_id = ? AND id = ?", workspaceID, id).Take(&row).Error; err != nil {
		return sources.Source{}, notFound(err, "source %s", id)
	}
	return s.sourceDomain(row)
}

// SourceGetByTokenHash returns the source whose token hashes to hash.
func (s *Store) SourceGetByTokenHash(ctx context.Context, hash string) (sources.Source, error) {
	var row sourceRow
	if err := s.read.WithContext(ctx).Where("token_hash = ?", hash).Take(&row).Error; err != nil {
		return sources.Source{}, notFound(err, "source by token")
	}
	return s.sourceDomain(row)
}

// SourceInsert stores a new source.
func (s *Store) SourceInsert(ctx context.Context, src sources.Source) error {
	row, err := s.newSourceRow(src)
	if err != nil {
		return fmt.Errorf("insert source: %w", err)
	}
	if err := s.db.WithContext(ctx).Create(&row).Error; err != nil {
		return fmt.Errorf("insert source %s: %w", src.ID, translate(err))
	}
	return nil
}

// SourceUpdate saves every field of a source.
func (s *Store) SourceUpdate(ctx context.Context, src sources.Source) error {
	row, err := s.newSourceRow(src)
	if err != nil {
		return fmt.Errorf("update source: %w", err)
	}
	res := s.db.WithContext(ctx).Model(&sourceRow{}).Where("workspace_id = ? AND id = ?", src.WorkspaceID, src.ID).Updates(map[string]any{
		"name": row.Name, "kind": row.Kind, "verify": row.Verify, "secret": row.Secret, "mapping": row.Mapping,
		"enabled": row.Enabled, "token": row.Token, "token_hash": row.TokenHash, "updated_at": row.UpdatedAt,
	})
	if res.Error != nil {
		return fmt.Errorf("update source %s: %w", src.ID, translate(res.Error))
	}
	if res.RowsAffected == 0 {
		return errNotFound("source %s", src.ID)
	}
	return nil
}

// SourceDelete deletes a source and its request log. Trigger events keep
// its id and name in their payloads.
func (s *Store) SourceDelete(ctx context.Context, workspaceID, id string) error {
	err := s.writeTx(ctx, func(tx *gorm.DB) error {
		if err := tx.Exec(`DELETE FROM source_requests WHERE workspace_id = ? AND source_id = ?`, workspaceID, id).Error; err != nil {
			return err
		}
		res := tx.Where("workspace_id = ? AND id = ?", workspaceID, id).Delete(&sourceRow{})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return errNotFound("source %s", id)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("delete source %s: %w", id, err)
	}
	return nil
}

type sourceRequestRow struct {
	ID            string
	WorkspaceID   string
	SourceID      string
	ReceivedAt    timestamp
	Status        int
	Outcome       string
	EventName     string
	ContactID     string
	Detail        string
	Problems      string
	TriggerEvents string
	Headers       string
	Body          string
}

func (sourceRequestRow) TableName() string { return "source_requests" }

// SourceRequestInsert adds an entry to a source's request log and drops
// the entries beyond the newest sources.LogSize, in one transaction.
func (s *Store) SourceRequestInsert(ctx context.Context, e sources.LogEntry) error {
	problems, err := json.Marshal(orNone(e.Problems))
	if err != nil {
		return err
	}
	tes, err := json.Marshal(orNone(e.TriggerEvents))
	if err != nil {
		return err
	}
	headers, err := json.Marshal(e.Headers)
	if err != nil {
		return err
	}
	row := sourceRequestRow{ID: e.ID, WorkspaceID: e.WorkspaceID, SourceID: e.SourceID, ReceivedAt: ts(e.ReceivedAt),
		Status: e.Status, Outcome: e.Outcome, EventName: e.EventName, ContactID: e.ContactID, Detail: e.Detail,
		Problems: string(problems), TriggerEvents: string(tes), Headers: string(headers), Body: e.Body}
	err = s.writeTx(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		// The log's oldest entries go: whatever is older than the
		// LogSize-th newest.
		return tx.Exec(`DELETE FROM source_requests WHERE source_id = ? AND id < (
			SELECT id FROM source_requests WHERE source_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?)`,
			e.SourceID, e.SourceID, sources.LogSize-1).Error
	})
	if err != nil {
		return fmt.Errorf("insert source request: %w", err)
	}
	return nil
}

func orNone[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// SourceRequestList returns a source's request log, newest first.
func (s *Store) SourceRequestList(ctx context.Context, workspaceID, sourceID string) ([]sources.LogEntry, error) {
	var rows []sourceRequestRow
	err := s.read.WithContext(ctx).Where("workspace_id = ? AND source_id = ?", workspaceID, sourceID).
		Order("id DESC").Limit(sources.LogSize).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("list source requests: %w", translate(err))
	}
	out := make([]sources.LogEntry, len(rows))
	for i, r := range rows {
		e := sources.LogEntry{ID: r.ID, WorkspaceID: r.WorkspaceID, SourceID: r.SourceID, ReceivedAt: r.ReceivedAt.Time,
			Status: r.Status, Outcome: r.Outcome, EventName: r.EventName, ContactID: r.ContactID, Detail: r.Detail, Body: r.Body}
		for _, f := range []struct {
			text string
			dst  any
		}{{r.Problems, &e.Problems}, {r.TriggerEvents, &e.TriggerEvents}, {r.Headers, &e.Headers}} {
			if err := json.Unmarshal([]byte(f.text), f.dst); err != nil {
				return nil, fmt.Errorf("source request %s: %w", r.ID, err)
			}
		}
		out[i] = e
	}
	return out, nil
}
