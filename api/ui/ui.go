// Package ui holds the web UI's files, embedded into the binary: one HTML
// page, its stylesheet and its JavaScript modules. There is no build step:
// the files here are what the browser gets, served by package api at / and
// /assets/. The scripts are the project's own (no third-party code), written
// as standard ES modules; they talk to the same /v1 API as every client,
// with the session cookie instead of a bearer key. See docs/ui.md.
package ui

import (
	"embed"
	"io/fs"
)

//go:embed static
var files embed.FS

// Files returns the UI's files: index.html at the root, the rest beside it.
func Files() fs.FS {
	sub, err := fs.Sub(files, "static")
	if err != nil {
		panic(err) // "static" is embedded above: cannot happen
	}
	return sub
}
