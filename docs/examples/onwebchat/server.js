// An onWebChat receiver as its webhooks page describes verification: the
// X-OWC-Signature header is the HMAC-SHA256 (hex) of the exact request body
// with the endpoint's signing secret; recompute and compare. (The page
// points at Node.js and PHP samples that the copy in shared/platforms does
// not hold; this is written from its description.) Node's http module only.
// Point an endpoint with "signatures": [{"preset": "onwebchat"}] at it, with
// the secret in OWC_SIGNING_SECRET.
const crypto = require('crypto');
const http = require('http');

function verify(rawBody, signature, secret) {
  const expected = crypto.createHmac('sha256', secret).update(rawBody).digest('hex');
  const a = Buffer.from(expected);
  const b = Buffer.from(signature || '');
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    if (!verify(body, req.headers['x-owc-signature'], process.env.OWC_SIGNING_SECRET)) {
      res.writeHead(401).end('invalid signature');
      return;
    }
    const event = JSON.parse(body);
    // X-OWC-Event names the event; de-duplicate retries on X-OWC-Delivery.
    res.writeHead(200).end(`ok ${event.id}`);
  });
}).listen(process.env.PORT || 3000, () => console.log('listening'));
