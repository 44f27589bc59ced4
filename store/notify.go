package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"
)

// DeliveriesChannel is the Postgres notification channel on which a commit
// that made deliveries due tells every instance's worker to claim. A
// database used through another schema than public (search_path) uses the
// channel DeliveriesChannel + "_" + schema: notifications are database-wide.
const DeliveriesChannel = "tripline_deliveries"

// channelFor returns the notification channel of the tables in schema.
func channelFor(schema string) string {
	if schema == "" || schema == "public" {
		return DeliveriesChannel
	}
	return DeliveriesChannel + "_" + schema
}

// notifyDue queues a notification on DeliveriesChannel in tx; Postgres sends
// it when tx commits, and not at all when it rolls back. Notifications with
// the same payload in one transaction are folded into one.
func (s *Store) notifyDue(tx *gorm.DB) error {
	if s.dialect != DialectPostgres {
		return nil // one process per SQLite file: the commit wakes its worker itself
	}
	if err := tx.Exec("SELECT pg_notify(?, '')", s.channel).Error; err != nil {
		return fmt.Errorf("notify deliveries: %w", translate(err))
	}
	return nil
}

// ListenDeliveries calls wake each time another transaction, in any
// instance, commits deliveries that are due, until ctx is done; it then
// returns nil. It holds a connection of its own with LISTEN. When the
// connection fails it reconnects, backing off up to 30 s, and calls wake
// after each (re)connection, since notifications may have been missed
// meanwhile; the first call also says that it listens. Polling stays the
// fallback while it is down. On SQLite it returns at once: one process owns
// the file, and its ingest wakes its worker in process.
func (s *Store) ListenDeliveries(ctx context.Context, wake func()) error {
	if s.dialect != DialectPostgres {
		return nil
	}
	for failures := 0; ; {
		err := s.listen(ctx, wake)
		if ctx.Err() != nil {
			return nil
		}
		failures++
		wait := min(100*time.Millisecond<<min(failures-1, 9), 30*time.Second)
		s.log.WarnContext(ctx, "listen for deliveries; polling until it is back", "error", err, "retry_in", wait)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
	}
}

// listen runs one LISTEN connection until it fails or ctx is done.
func (s *Store) listen(ctx context.Context, wake func()) error {
	conn, err := pgx.Connect(ctx, s.url)
	if err != nil {
		return err
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
		defer cancel()
		_ = conn.Close(cctx)
	}()
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{s.channel}.Sanitize()); err != nil {
		return err
	}
	wake()
	for {
		if _, err := conn.WaitForNotification(ctx); err != nil {
			return err
		}
		wake()
	}
}
