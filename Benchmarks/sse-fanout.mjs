// SSE fan-out measurement: N subscribers, W writes, delivery latency and completeness.
//
//   node sse-fanout.mjs CONFIG.json      → one JSON object on stdout (progress on stderr)
//
// CONFIG (written by compare-pocketbase; see adapters/*.py sse_config()):
//   mode           "appbase" | "pocketbase" | "trivial"
//   host, port     the server (127.0.0.1 only)
//   subscribers    number of SSE connections (default 1000)
//   writes         number of records written (default 100)
//   intervalMs     spacing between write starts (default 20)
//   subscriberThreads  worker threads sharing the subscribers (default 1). One thread parsing
//                  1,000 streams is itself the bottleneck (its floor against a trivial emitter
//                  is what it measures); several spread the client's share over the cores.
//   subscribe      {path, headers}  GET that opens the stream
//   pbSubscribe    {path, headers, topics}  PocketBase: POST {clientId, subscriptions}
//   write          {path, headers, body, sentAtField}  POST that creates one record
//
// Every write carries a marker title "sse-<run>-<seq>"; a subscriber counts an event when
// its data contains a marker of this run. The writer runs in a worker thread of this same
// process (its own event loop, so its acknowledgement is stamped when the response arrives,
// not after the 1,000 subscriber sockets have been serviced); both threads stamp with
// process.hrtime (one monotonic clock), so the clocks agree. Reported:
//   p50Ms/p99Ms          delivery − the writer's 2xx acknowledgement (response fully read)
//   fromSendP50Ms/P99Ms  delivery − the moment the writer sent the request
//   writeAckP50Ms/P99Ms  the writes' own request → acknowledgement time
// A server that fans out before it answers delivers before the ack: such events give a
// negative latency, are counted in "beforeAck" and kept in the percentiles.
// Everything is bounded in count and time.

import http from "node:http";
import fs from "node:fs";
import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads";

const now = () => Number(process.hrtime.bigint()) / 1e6; // ms, monotonic, process-wide

const cfg = isMainThread ? JSON.parse(fs.readFileSync(process.argv[2], "utf8")) : workerData.cfg;
const HOST = cfg.host || "127.0.0.1";
if (HOST !== "127.0.0.1" && HOST !== "localhost") throw new Error("loopback only");
const PORT = cfg.port;
const SUBS = cfg.subscribers ?? 1000;
const WRITES = cfg.writes ?? 100;
const INTERVAL = cfg.intervalMs ?? 20;
const CONNECT_CONCURRENCY = cfg.connectConcurrency ?? 50;
const CONNECT_TIMEOUT = cfg.connectTimeoutMs ?? 90_000;
const WRITE_TIMEOUT = cfg.writeTimeoutMs ?? 10_000;
const DRAIN_TIMEOUT = cfg.drainTimeoutMs ?? 15_000;
const RUN = isMainThread ? Math.random().toString(36).slice(2, 8) : workerData.run;
const ROLE = isMainThread ? "main" : workerData.role;
const THREADS = Math.max(1, Math.min(cfg.subscriberThreads ?? 1, 16));
const MARK = `sse-${RUN}-`;

const log = (...a) => process.stderr.write(`[sse ${cfg.mode}] ${a.join(" ")}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const ackAt = new Float64Array(WRITES).fill(NaN);
const sentAt = new Float64Array(WRITES).fill(NaN);
const seen = new Uint8Array(SUBS * WRITES);
const deliveries = []; // [seq, t]
let received = 0;
let duplicates = 0;
let foreign = 0;
const errors = {};
const noteError = (k) => { errors[k] = (errors[k] || 0) + 1; };

const subscribers = [];
const subAgent = new http.Agent({ keepAlive: true, maxSockets: CONNECT_CONCURRENCY });
const writeAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function request(method, path, headers, body, agent) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const h = { ...headers };
    if (data) { h["Content-Type"] = "application/json"; h["Content-Length"] = data.length; }
    const req = http.request({ host: HOST, port: PORT, method, path, headers: h, agent }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString(), t: now() }));
      res.on("error", reject);
    });
    req.setTimeout(WRITE_TIMEOUT, () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    if (data) req.write(data);
    req.end();
  });
}

// Parse one SSE event block ("field: value" lines). Returns {event, data}.
function parseBlock(block) {
  let event = "message";
  let data = "";
  for (const line of block.split("\n")) {
    if (line.startsWith("data:")) data += (data ? "\n" : "") + line.slice(line[5] === " " ? 6 : 5);
    else if (line.startsWith("event:")) event = line.slice(line[6] === " " ? 7 : 6);
  }
  return { event, data };
}

function onEvent(sub, ev, t) {
  if (!sub.ready) {
    if (cfg.mode === "pocketbase") {
      if (ev.event === "PB_CONNECT") {
        try { sub.clientId = JSON.parse(ev.data).clientId; } catch { noteError("bad PB_CONNECT"); }
        sub.onConnect?.();
      }
    } else if (ev.event === "ready") {
      sub.onConnect?.();
    }
    return;
  }
  const at = ev.data.indexOf(MARK);
  if (at < 0) { foreign++; return; }
  const seq = parseInt(ev.data.slice(at + MARK.length, at + MARK.length + 8), 10);
  if (!(seq >= 0 && seq < WRITES)) { foreign++; return; }
  const k = sub.index * WRITES + seq;
  if (seen[k]) { duplicates++; return; }
  seen[k] = 1;
  received++;
  deliveries.push(seq, t);
}

function openSubscriber(index) {
  return new Promise((resolve) => {
    const sub = { index, ready: false, buf: "", clientId: null, req: null, res: null };
    subscribers.push(sub);
    let settled = false;
    const done = (ok, why) => {
      if (settled) return;
      settled = true;
      if (!ok) noteError(why);
      resolve(ok);
    };
    const timer = setTimeout(() => done(false, "connect timeout"), CONNECT_TIMEOUT);
    sub.onConnect = async () => {
      sub.onConnect = null;
      if (cfg.mode === "pocketbase") {
        try {
          const p = cfg.pbSubscribe;
          const r = await request("POST", p.path, p.headers, { clientId: sub.clientId, subscriptions: p.topics }, subAgent);
          if (r.status < 200 || r.status >= 300) { clearTimeout(timer); return done(false, `subscribe ${r.status}`); }
        } catch (e) { clearTimeout(timer); return done(false, `subscribe ${e.message}`); }
      }
      sub.ready = true;
      clearTimeout(timer);
      done(true);
    };
    const req = http.request({ host: HOST, port: PORT, method: "GET", path: cfg.subscribe.path,
      headers: { Accept: "text/event-stream", ...cfg.subscribe.headers }, agent: false }, (res) => {
      sub.res = res;
      if (res.statusCode !== 200) { res.resume(); clearTimeout(timer); return done(false, `stream ${res.statusCode}`); }
      res.setEncoding("utf8");
      if (cfg.mode !== "pocketbase") {
        // The contract sends "event: ready" first; tolerate a server that does not.
        setTimeout(() => { if (sub.onConnect) { noteError("no ready event (assumed ready after 5 s)"); sub.onConnect(); } }, 5000).unref();
      }
      res.on("data", (chunk) => {
        const t = now();
        let buf = sub.buf + (chunk.includes("\r") ? chunk.replace(/\r\n?/g, "\n") : chunk);
        let cut;
        while ((cut = buf.indexOf("\n\n")) >= 0) {
          const block = buf.slice(0, cut);
          buf = buf.slice(cut + 2);
          if (block && !block.startsWith(":")) onEvent(sub, parseBlock(block), t);
        }
        sub.buf = buf;
      });
      res.on("error", () => noteError("stream error"));
      res.on("close", () => { if (!settled) { clearTimeout(timer); done(false, "stream closed"); } else if (!stopping) noteError("stream closed early"); });
    });
    sub.req = req;
    req.on("error", (e) => { clearTimeout(timer); done(false, `connect ${e.code || e.message}`); });
    req.end();
  });
}

let stopping = false;

async function connectAll(from = 0, to = SUBS) {
  const t0 = now();
  let next = from;
  let ok = 0;
  const worker = async () => {
    while (next < to) {
      const i = next++;
      if (await openSubscriber(i)) ok++;
      if (now() - t0 > CONNECT_TIMEOUT) break;
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONNECT_CONCURRENCY, to - from) }, worker));
  return { ok, ms: now() - t0 };
}

// Runs in a subscriber thread: its share of the subscribers, progress every 50 ms, and on
// "stop" its deliveries and counters.
async function subscriberThread() {
  const { from, to } = workerData;
  const conn = await connectAll(from, to);
  parentPort.postMessage({ connected: conn.ok });
  const progress = setInterval(() => parentPort.postMessage({ received }), 50);
  parentPort.on("message", (m) => {
    if (!m.stop) return;
    clearInterval(progress);
    stopping = true;
    parentPort.postMessage({ final: { deliveries, received, duplicates, foreign, errors } });
    for (const sub of subscribers) { try { sub.req?.destroy(); } catch {} }
    subAgent.destroy();
    setTimeout(() => process.exit(0), 50);
  });
}

// Main thread with subscriberThreads > 1: the subscriber threads, connected.
const subThreads = [];
let threadReceived = 0;
function connectThreads() {
  const t0 = now();
  const per = Math.ceil(SUBS / THREADS);
  const started = [];
  for (let i = 0; i < THREADS; i++) {
    const from = i * per, to = Math.min(SUBS, from + per);
    if (from >= to) break;
    const worker = new Worker(new URL(import.meta.url), { workerData: { cfg, run: RUN, role: "subs", from, to } });
    const thread = { worker, received: 0, final: null, onFinal: null };
    subThreads.push(thread);
    started.push(new Promise((resolve) => {
      worker.on("message", (m) => {
        if (m.connected !== undefined) resolve(m.connected);
        else if (m.received !== undefined) {
          threadReceived += m.received - thread.received;
          thread.received = m.received;
        } else if (m.final) {
          thread.final = m.final;
          thread.onFinal?.();
        }
      });
      worker.on("error", (e) => { noteError(`subscriber thread ${e.message}`); resolve(0); });
    }));
  }
  return Promise.all(started).then((counts) => ({ ok: counts.reduce((a, b) => a + b, 0), ms: now() - t0 }));
}

// Collects every subscriber thread's deliveries and counters into this thread's (bounded wait).
async function collectThreads() {
  await Promise.all(subThreads.map((thread) => new Promise((resolve) => {
    if (thread.final) return resolve();
    thread.onFinal = resolve;
    thread.worker.postMessage({ stop: true });
    setTimeout(resolve, 5000).unref();
  })));
  for (const thread of subThreads) {
    const f = thread.final;
    if (!f) { noteError("subscriber thread gave no result"); continue; }
    for (const d of f.deliveries) deliveries.push(d);
    received += f.received;
    duplicates += f.duplicates;
    foreign += f.foreign;
    for (const [k, v] of Object.entries(f.errors)) errors[k] = (errors[k] || 0) + v;
  }
}

// Runs in the worker thread: paced writes, each stamped at send and at acknowledgement.
async function writerThread() {
  const w = cfg.write;
  const t0 = now();
  for (let seq = 0; seq < WRITES; seq++) {
    const wait = t0 + seq * INTERVAL - now();
    if (wait > 0) await sleep(wait);
    const body = { ...w.body, title: `${MARK}${seq}`, n: seq };
    const wall = Date.now();
    if (w.sentAtField === "body") body.body = `sentAt=${wall}`;
    else body.sentAt = wall;
    const sent = now();
    let msg;
    try {
      const r = await request("POST", w.path, w.headers, body, writeAgent);
      msg = { seq, sent, ack: r.status >= 200 && r.status < 300 ? r.t : null, status: r.status };
    } catch (e) {
      msg = { seq, sent, ack: null, status: 0, error: e.message };
    }
    parentPort.postMessage(msg);
  }
  parentPort.postMessage({ done: true, ms: now() - t0 });
  writeAgent.destroy();
}

// Main thread: start the writer thread and collect its stamps.
function writeAll() {
  return new Promise((resolve) => {
    let acked = 0;
    let settled = false;
    const worker = new Worker(new URL(import.meta.url), { workerData: { cfg, run: RUN, role: "writer" } });
    const end = (ms) => { if (!settled) { settled = true; resolve({ acked, ms }); } };
    worker.on("message", (m) => {
      if (m.done) { end(m.ms); return; }
      sentAt[m.seq] = m.sent;
      if (m.ack !== null) { ackAt[m.seq] = m.ack; acked++; }
      else noteError(m.error ? `write ${m.error}` : `write ${m.status}`);
    });
    worker.on("error", (e) => { noteError(`writer ${e.message}`); end(null); });
    worker.on("exit", () => end(null));
  });
}

function pct(sorted, p) {
  if (!sorted.length) return null;
  const k = (sorted.length - 1) * p / 100;
  const lo = Math.floor(k), hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (k - lo);
}

async function main() {
  const hardStop = setTimeout(() => { log("hard time limit reached"); finish(true); }, CONNECT_TIMEOUT + WRITES * (INTERVAL + WRITE_TIMEOUT) + DRAIN_TIMEOUT + 10_000);
  hardStop.unref();
  log(`connecting ${SUBS} subscribers` + (THREADS > 1 ? ` in ${THREADS} threads` : ""));
  const conn = THREADS > 1 ? await connectThreads() : await connectAll();
  log(`${conn.ok}/${SUBS} subscribed in ${conn.ms.toFixed(0)} ms; writing ${WRITES} records`);
  await sleep(200);
  const wr = await writeAll();
  const expected = conn.ok * wr.acked;
  const drainStart = now();
  while (received + threadReceived < expected && now() - drainStart < DRAIN_TIMEOUT) await sleep(20);
  const drainMs = now() - drainStart;
  state = { conn, wr, expected, drainMs };
  await finish(false);
  log(`received ${received}/${expected} (drain ${drainMs.toFixed(0)} ms)`);
}

let state = null;
let finished = false;
async function finish(timedOut) {
  if (finished) return;
  finished = true;
  stopping = true;
  if (subThreads.length) await collectThreads();
  const fromAck = [];
  const fromSend = [];
  let beforeAck = 0;
  for (let i = 0; i < deliveries.length; i += 2) {
    const seq = deliveries[i], t = deliveries[i + 1];
    if (!Number.isNaN(ackAt[seq])) {
      const d = t - ackAt[seq];
      if (d < 0) beforeAck++;
      fromAck.push(d);
    }
    if (!Number.isNaN(sentAt[seq])) fromSend.push(t - sentAt[seq]);
  }
  const ackLat = [];
  for (let seq = 0; seq < WRITES; seq++) if (!Number.isNaN(ackAt[seq])) ackLat.push(ackAt[seq] - sentAt[seq]);
  ackLat.sort((a, b) => a - b);
  fromAck.sort((a, b) => a - b);
  fromSend.sort((a, b) => a - b);
  const s = state || { conn: { ok: subThreads.length ? null : subscribers.filter((x) => x.ready).length, ms: null }, wr: { acked: 0, ms: null }, expected: 0, drainMs: null };
  const expectedFull = SUBS * WRITES;
  const out = {
    mode: cfg.mode, timedOut,
    subscribers: SUBS, subscriberThreads: THREADS, subscribed: s.conn.ok, connectMs: s.conn.ms,
    writes: WRITES, acked: s.wr.acked, writeMs: s.wr.ms, intervalMs: INTERVAL,
    expected: expectedFull, expectedConnected: s.expected, received,
    completeness: expectedFull ? received / expectedFull : null,
    duplicates, foreign, beforeAck,
    p50Ms: pct(fromAck, 50), p99Ms: pct(fromAck, 99), maxMs: fromAck.length ? fromAck[fromAck.length - 1] : null,
    fromSendP50Ms: pct(fromSend, 50), fromSendP99Ms: pct(fromSend, 99),
    writeAckP50Ms: pct(ackLat, 50), writeAckP99Ms: pct(ackLat, 99),
    drainMs: s.drainMs, errors,
  };
  process.stdout.write(JSON.stringify(out) + "\n");
  for (const sub of subscribers) { try { sub.req?.destroy(); } catch {} }
  for (const thread of subThreads) thread.worker.terminate();
  subAgent.destroy();
  writeAgent.destroy();
  setTimeout(() => process.exit(0), 100).unref();
}

if (ROLE === "main") {
  main().catch((e) => { log(`fatal: ${e.stack || e}`); noteError(`fatal ${e.message}`); finish(true); });
} else if (ROLE === "subs") {
  subscriberThread().catch((e) => { log(`subscriber thread: ${e.stack || e}`); process.exit(1); });
} else {
  writerThread().catch((e) => { parentPort.postMessage({ done: true, ms: null, error: e.message }); });
}
