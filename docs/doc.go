// Package docs generates the parts of Tripline's documentation that are
// derived from the code, so that they cannot drift: docs/triggers.md, the
// trigger reference, is rendered from the trigger catalogue and sample
// payloads made by the real Apply and DefaultPayload.
//
// Regenerate after changing the catalogue:
//
//	go test ./docs -run TestTriggerReference -update
package docs
