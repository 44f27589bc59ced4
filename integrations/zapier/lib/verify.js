'use strict';

const crypto = require('node:crypto');

// The tolerance of Standard Webhooks timestamps, in seconds.
const TOLERANCE = 5 * 60;

// headerOf reads a header of a Zapier raw request, whose names may come as
// sent or with Zapier's Http- prefix.
const headerOf = (headers, name) => {
  for (const [k, v] of Object.entries(headers || {})) {
    const key = k.toLowerCase().replace(/^http-/, '');
    if (key === name) return Array.isArray(v) ? v[0] : v;
  }
  return undefined;
};

// verify checks a delivery's Standard Webhooks signature (docs/signatures.md)
// with the hook's secret: HMAC-SHA256 of "id.timestamp.body" with the
// base64-decoded secret after whsec_. It throws when no signature matches.
function verify(secret, headers, body, now = Date.now()) {
  const id = headerOf(headers, 'webhook-id');
  const ts = headerOf(headers, 'webhook-timestamp');
  const sigs = headerOf(headers, 'webhook-signature');
  if (!id || !ts || !sigs) throw new Error('not a signed Tripline delivery: webhook-id, -timestamp or -signature missing');
  if (Math.abs(now / 1000 - Number(ts)) > TOLERANCE) throw new Error('webhook-timestamp is too far from now');
  const key = Buffer.from(String(secret).replace(/^whsec_/, ''), 'base64');
  const want = crypto.createHmac('sha256', key).update(`${id}.${ts}.${body}`).digest();
  for (const part of String(sigs).split(' ')) {
    const [version, sig] = part.split(',');
    if (version !== 'v1' || !sig) continue;
    const got = Buffer.from(sig, 'base64');
    if (got.length === want.length && crypto.timingSafeEqual(got, want)) return;
  }
  throw new Error('the delivery signature does not match the hook secret');
}

module.exports = { verify, headerOf };
