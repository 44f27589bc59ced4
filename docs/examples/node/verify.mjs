// Verifies a Tripline delivery with the official Standard Webhooks library
// (npm install standardwebhooks).
//
// Usage: TRIPLINE_WEBHOOK_SECRET=whsec_… node verify.mjs BODY_FILE HEADERS_FILE
// BODY_FILE holds the raw request body; HEADERS_FILE a JSON object of the
// request headers. Exits 0 when the signature is valid, 1 when it is not.
import { readFileSync } from "node:fs";
import { Webhook } from "standardwebhooks";

// verify:start
// verify returns the payload of a genuine delivery and throws otherwise.
// rawBody is the request body exactly as received (a string or Buffer),
// before any JSON parsing; headers holds the request's headers.
function verify(secret, headers, rawBody) {
  const wh = new Webhook(secret); // "whsec_…", as shown when the endpoint was created
  return wh.verify(rawBody, {
    "webhook-id": headers["webhook-id"],
    "webhook-timestamp": headers["webhook-timestamp"],
    "webhook-signature": headers["webhook-signature"],
  }); // also rejects timestamps more than five minutes off
}
// verify:end

const [bodyFile, headersFile] = process.argv.slice(2);
try {
  const payload = verify(
    process.env.TRIPLINE_WEBHOOK_SECRET,
    JSON.parse(readFileSync(headersFile, "utf8")),
    readFileSync(bodyFile, "utf8"),
  );
  console.log(`verified ${payload.event} ${payload.id}`);
} catch (err) {
  console.error(`not verified: ${err.message}`);
  process.exit(1);
}
