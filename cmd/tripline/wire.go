package main

import (
	"github.com/tripline/tripline/api"
	"github.com/tripline/tripline/store"
)

// The store satisfies the Store the HTTP package declares without importing
// it (ARCHITECTURE.md: store never imports api); main, which wires the two,
// is where the compiler checks that it does.
var _ api.Store = (*store.Store)(nil)
