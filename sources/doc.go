// Package sources owns inbound sources (SPEC section 13): a platform's own
// webhook JSON, verified with the platform's signature scheme and mapped with
// gjson paths to the inbound events of package triggers, and the built-in
// kinds that map the seed platforms' documented webhooks with no
// configuration.
//
// Everything here is pure: a Mapping is compiled once, when a source is saved
// or loaded (Compile), and applied per request (Compiled.Apply) by walking
// the compiled field list, without reflection. Verification (Verify.Check)
// works on the raw body and the request headers. Storage and HTTP are the
// store and api packages' business.
package sources
