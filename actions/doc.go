// Package actions owns what Tripline sends: endpoints and their secrets,
// deliveries and their attempts, Standard Webhooks signing, the guarded HTTP
// sender, the retry policy and the Worker that drains the delivery queue.
//
// The deliveries table is the queue: the Worker claims due deliveries through
// the Queue interface declared here (the store implements it), sends them, and
// records each outcome. Deliveries it can send at once are also handed to it
// straight from the ingest that creates them, already claimed (Reserve,
// Dispatch), without a claim transaction.
package actions
