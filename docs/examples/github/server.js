// GitHub's documented JavaScript check of X-Hub-Signature-256 ("Validating
// webhook deliveries", the Web Crypto example), verbatim in verifySignature
// and hexToBytes, inside a Node http server (GitHub's page shows no server).
// Point an endpoint with "signatures": [{"preset": "github"}] at it, with
// the secret in WEBHOOK_SECRET.
const http = require('http');

let encoder = new TextEncoder();

async function verifySignature(secret, header, payload) {
    let parts = header.split("=");
    let sigHex = parts[1];

    let algorithm = { name: "HMAC", hash: { name: 'SHA-256' } };

    let keyBytes = encoder.encode(secret);
    let extractable = false;
    let key = await crypto.subtle.importKey(
        "raw",
        keyBytes,
        algorithm,
        extractable,
        [ "sign", "verify" ],
    );

    let sigBytes = hexToBytes(sigHex);
    let dataBytes = encoder.encode(payload);
    let equal = await crypto.subtle.verify(
        algorithm.name,
        key,
        sigBytes,
        dataBytes,
    );

    return equal;
}

function hexToBytes(hex) {
    let len = hex.length / 2;
    let bytes = new Uint8Array(len);

    let index = 0;
    for (let i = 0; i < hex.length; i += 2) {
        let c = hex.slice(i, i + 2);
        let b = parseInt(c, 16);
        bytes[index] = b;
        index += 1;
    }

    return bytes;
}

http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', async () => {
    const payload = Buffer.concat(chunks).toString('utf8');
    const header = req.headers['x-hub-signature-256'] || '';
    if (!(await verifySignature(process.env.WEBHOOK_SECRET, header, payload))) {
      res.writeHead(401).end('Unauthorized');
      return;
    }
    res.writeHead(202).end('Accepted');
  });
}).listen(process.env.PORT || 3000, () => console.log('listening'));
