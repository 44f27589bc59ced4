// Package engine owns rules and folders: compiling conditions and payload
// templates with expr, the rule index, matching, frequency, and the ingest
// Pipeline that turns inbound events into contact changes, trigger events and
// deliveries in one transaction.
package engine
