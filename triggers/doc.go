// Package triggers owns contact state, the inbound event types of the API,
// contact patches, the trigger catalogue and the arithmetic of
// datetime_based_trigger (datetime.go). Its centre is Apply, a pure function
// that applies one inbound event to the contacts it touches and derives the
// trigger events that really happened: applying a tag a contact already has
// fires nothing.
//
// Where SPEC sections 3 to 5 are silent, the package decides:
//   - conversation_id is required on conversation_opened only; the other
//     conversation events and marked_as_follow_up fall back to the contact's
//     current conversation, and change nothing when it has none.
//   - A conversation event naming an id other than the current conversation's
//     starts a new conversation (open, bot, unassigned, not marked, not
//     archived) that replaces it. Its triggers compare with a conversation
//     Tripline did not know, so it fires conversation_opened when it ends up
//     open, whatever the event type.
//   - conversation_unassigned clears the assignee whoever it is.
//   - A sequence is kept by its id, or by its name when the event has none; an
//     event names a sequence the contact has by either.
//   - new_lead fires when the email or the phone goes from empty to set (once
//     per event), also when the other one was set already.
//   - contact_referred sets the referred contact's referred_by even when it had
//     one (the last referral wins); that change fires nothing.
//   - message_created and chat_rated take an optional conversation_id, which
//     defaults to the current conversation's and changes no state.
//   - A contact patch's tags and sequences drop duplicates and empty strings are
//     rejected; conversation, referred_by, created_at and updated_at cannot be
//     patched.
//
// The package does no I/O. It imports only the standard library (time/tzdata
// included, so rules can name IANA zones on a host without zoneinfo) and
// internal/jsonenc, which writes contacts' JSON by hand on the hot path; the
// golangci-lint depguard rule in .golangci.yml holds it to that.
package triggers
