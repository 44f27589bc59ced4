// A local receiver for Tripline's webhooks: it verifies each delivery with the
// official Standard Webhooks library and prints it (README, "Walkthrough").
// Usage: WEBHOOK_SECRET=whsec_… node receiver.mjs   (PORT, default 9000)
import { createServer } from "node:http";
import { Webhook } from "standardwebhooks";

const wh = new Webhook(process.env.WEBHOOK_SECRET); // as shown when the endpoint was created
const port = Number(process.env.PORT || 9000);
createServer((req, res) => {
  let body = "";
  req.setEncoding("utf8");
  req.on("data", (chunk) => (body += chunk));
  req.on("end", () => {
    try {
      const p = wh.verify(body, req.headers); // throws unless signed with the secret, within 5 minutes
      console.log(`verified ${p.event} ${p.id} budget=${p.contact?.custom_fields?.budget}`);
      res.writeHead(204).end();
    } catch (err) {
      console.log(`rejected: ${err.message}`);
      res.writeHead(400).end();
    }
  });
}).listen(port, "127.0.0.1", () => console.log(`receiver listening on http://127.0.0.1:${port}/`));
