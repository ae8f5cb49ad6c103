// A trivial SSE emitter: the floor for sse-fanout.mjs (what the client costs alone).
//
//   node sse-emitter.mjs PORT
//
//   GET  /subscribe  → text/event-stream; "event: ready" first, then every broadcast
//   POST /emit       → 201 {"id":...} — answered first, then the JSON body is broadcast
//                      to every open stream as "event: create" with
//                      data {"action":"create","collection":"notes","record":{id,...body}}
// No storage, no rules, no auth: only HTTP + SSE framing, on 127.0.0.1.
import http from "node:http";

const port = Number(process.argv[2]);
if (!port) { console.error("usage: node sse-emitter.mjs PORT"); process.exit(2); }

const streams = new Set();
let seq = 0;

const server = http.createServer((req, res) => {
  if (req.method === "GET" && req.url.startsWith("/subscribe")) {
    res.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-cache", Connection: "keep-alive" });
    res.socket.setNoDelay(true);
    res.write("event: ready\ndata: {}\n\n");
    streams.add(res);
    req.on("close", () => streams.delete(res));
    return;
  }
  if (req.method === "POST" && req.url.startsWith("/emit")) {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      let body;
      try { body = JSON.parse(Buffer.concat(chunks).toString() || "{}"); } catch { res.writeHead(400).end(); return; }
      const id = ++seq;
      const now = new Date().toISOString();
      const record = { id: `r${id}`, ...body, createdAt: now, updatedAt: now, version: 1 };
      const reply = JSON.stringify(record);
      res.writeHead(201, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(reply) });
      res.end(reply);
      const frame = `event: create\nid: ${id}\ndata: ${JSON.stringify({ action: "create", collection: "notes", record })}\n\n`;
      for (const s of streams) s.write(frame);
    });
    return;
  }
  if (req.url === "/health") { res.writeHead(200, { "Content-Type": "application/json" }).end('{"status":"ok"}'); return; }
  res.writeHead(404).end();
});
server.maxConnections = 20000;
server.keepAliveTimeout = 60_000;
server.headersTimeout = 65_000;
server.requestTimeout = 0;
server.listen(port, "127.0.0.1", () => process.stderr.write(`sse-emitter on 127.0.0.1:${port}\n`));
for (const sig of ["SIGTERM", "SIGINT"]) process.on(sig, () => { for (const s of streams) s.destroy(); server.close(); process.exit(0); });
