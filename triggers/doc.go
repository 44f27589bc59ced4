// Package triggers owns contact state, the inbound event types of the API and the
// trigger catalogue. Its centre is Apply, a pure function that applies one inbound
// event to the contacts it touches and derives the trigger events that really
// happened: applying a tag a contact already has fires nothing.
//
// The package does no I/O; it imports only the standard library (and id).
package triggers
