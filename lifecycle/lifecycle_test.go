package lifecycle

import (
	"context"
	"errors"
	"testing"
)

func TestLoop(t *testing.T) {
	t.Parallel()
	l := New("thing")
	if started, err := l.Stop(context.Background()); started || err != nil {
		t.Fatalf("Stop before Start: %v, %v", started, err)
	}
	set := false
	if err := l.Start(func() { set = true }, func() { <-l.Stopping() }); err != nil || !set {
		t.Fatalf("Start: %v, setup ran %v", err, set)
	}
	if err := l.Start(nil, func() { t.Error("second Start ran") }); err == nil || err.Error() != "thing already started" {
		t.Fatalf("second Start: %v", err)
	}
	if started, err := l.Stop(context.Background()); !started || err != nil {
		t.Fatalf("Stop: %v, %v", started, err)
	}
	<-l.Done()
	if _, err := l.Stop(context.Background()); err != nil { // a second Stop is harmless
		t.Fatalf("second Stop: %v", err)
	}
}

func TestLoopStopDeadline(t *testing.T) {
	t.Parallel()
	l := New("slow")
	release := make(chan struct{})
	if err := l.Start(nil, func() { <-release }); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if started, err := l.Stop(ctx); !started || !errors.Is(err, context.Canceled) {
		t.Fatalf("Stop past its deadline: %v, %v", started, err)
	}
	select {
	case <-l.Done():
		t.Fatal("done before the loop returned")
	default:
	}
	close(release)
	<-l.Done()
}
