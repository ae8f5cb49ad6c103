// Server-Sent Events over fetch streaming. EventSource cannot send headers (the control plane
// wants X-Master-Key), so this reads text/event-stream from a fetch body instead.

/** Incremental text/event-stream parser (WHATWG HTML §9.2.6): feed text, get whole events. */
export class SSEParser {
  constructor() {
    this.buffer = '';
    this.reset();
    this.lastEventId = '';
  }

  reset() {
    this.event = '';
    this.data = [];
  }

  /** Parses `text` and returns the events it completes: [{event, data, id}]. */
  push(text) {
    this.buffer += text;
    const events = [];
    let start = 0;
    for (;;) {
      const match = /\r\n|\r|\n/g;
      match.lastIndex = start;
      const found = match.exec(this.buffer);
      // A lone \r at the end may be the first half of \r\n: wait for more.
      if (!found || (found[0] === '\r' && found.index === this.buffer.length - 1)) break;
      const line = this.buffer.slice(start, found.index);
      start = found.index + found[0].length;
      const event = this.line(line);
      if (event) events.push(event);
    }
    this.buffer = this.buffer.slice(start);
    return events;
  }

  line(line) {
    if (line === '') {
      if (this.data.length === 0) { this.reset(); return null; }
      const event = { event: this.event || 'message', data: this.data.join('\n'), id: this.lastEventId };
      this.reset();
      return event;
    }
    if (line.startsWith(':')) return null; // a comment (heartbeat)
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.event = value;
    else if (field === 'data') this.data.push(value);
    else if (field === 'id' && !value.includes('\0')) this.lastEventId = value;
    return null;
  }
}

/** Thrown (and reported once) when the server refuses the credentials: no point retrying. */
export class StreamUnauthorized extends Error {}

/**
 * Keeps one event stream open, reconnecting with exponential backoff (0.5 s doubling to 15 s,
 * reset once a stream opens). Callbacks: onEvent({event, data, id}), onStatus('connecting' |
 * 'live' | 'reconnecting'), onUnauthorized() (stops). Returns { close() }.
 */
export function openEventStream(url, { headers = {}, onEvent, onStatus = () => {}, onUnauthorized = () => {} }) {
  const controller = new AbortController();
  let delay = 500;
  let closed = false;

  // Waits `ms`, or less if the stream is closed meanwhile; leaves no listener behind either way.
  const wait = (ms) => new Promise((resolve) => {
    const done = () => { clearTimeout(timer); controller.signal.removeEventListener('abort', done); resolve(); };
    const timer = setTimeout(done, ms);
    controller.signal.addEventListener('abort', done);
  });

  async function runOnce() {
    const response = await fetch(url, { headers: { Accept: 'text/event-stream', ...headers }, cache: 'no-store', signal: controller.signal });
    if (response.status === 401) throw new StreamUnauthorized('unauthorized');
    if (!response.ok || !response.body) throw new Error(`event stream answered ${response.status}`);
    onStatus('live');
    delay = 500;
    const parser = new SSEParser();
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      for (const event of parser.push(value)) onEvent(event);
    }
  }

  (async () => {
    onStatus('connecting');
    while (!closed) {
      try {
        await runOnce();
      } catch (error) {
        if (closed || controller.signal.aborted) return;
        if (error instanceof StreamUnauthorized) { closed = true; onUnauthorized(); return; }
      }
      if (closed) return;
      onStatus('reconnecting');
      await wait(delay);
      delay = Math.min(delay * 2, 15000);
    }
  })();

  return {
    close() { closed = true; controller.abort(); },
  };
}
