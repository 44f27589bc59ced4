// A Chat Data receiver as its docs describe it: the page's verifySignature
// (its .update(body).digest('base64') line and closing braces were lost when
// the page was copied; restored below, marked), in a handler like the
// chat-data-webhooks-example repository's: the event name from
// x-chat-data-topic, the base64 signature from x-chat-data-hmac-sha256, 403
// when it does not match, 405 for anything but POST. Node's http module
// only, no packages. Point an endpoint with "signatures": [{"preset":
// "chat-data"}] at it, with the secret in SIGNING_SECRET.
const crypto = require('crypto');
const http = require('http');

const verifySignature = (body, signature, signingSecret) => {
  const digest = crypto
.createHmac('sha256', signingSecret)
    .update(body) // restored: lost from the page
    .digest('base64'); // restored: lost from the page
  const computedHmac = Buffer.from(digest, 'base64');
  try {
if (crypto.timingSafeEqual(computedHmac, Buffer.from(signature, 'base64'))) {
  return true;
} else {
  return false;
  }
  } catch (err) { // restored: the closing braces
return false;
  }
};

http.createServer((req, res) => {
  if (req.method !== 'POST') {
    res.writeHead(405).end('Method Not Allowed');
    return;
  }
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    const topic = req.headers['x-chat-data-topic'];
    const signature = req.headers['x-chat-data-hmac-sha256'] || '';
    if (!verifySignature(body, signature, process.env.SIGNING_SECRET)) {
      res.writeHead(403).end('Invalid signature');
      return;
    }
    const event = JSON.parse(body);
    res.writeHead(200, { 'Content-Type': 'text/plain' }).end(`received ${topic} ${event.id}`);
  });
}).listen(process.env.PORT || 3000, () => console.log('listening'));
