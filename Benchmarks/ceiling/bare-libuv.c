/*
 * bare-libuv.c — the ceiling for AppBase's GET /health.
 *
 * A minimal HTTP/1.1 keep-alive server on libuv + http_parser: every request,
 * whatever its method or path, gets 200 with the fixed 15-byte JSON body
 * {"status":"ok"}. Pipelined requests read in one chunk are answered with one
 * write. Nothing else (no routing, no header inspection beyond keep-alive).
 *
 * Build:  gcc -O2 -o bare-libuv bare-libuv.c -luv -lhttp_parser
 * Run:    ./bare-libuv PORT [HOST]      (HOST defaults to 127.0.0.1)
 */
#include <http_parser.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#define RESPONSE_KEEP_ALIVE                                                    \
  "HTTP/1.1 200 OK\r\n"                                                        \
  "Content-Type: application/json\r\n"                                         \
  "Content-Length: 15\r\n"                                                     \
  "\r\n"                                                                       \
  "{\"status\":\"ok\"}"

#define RESPONSE_CLOSE                                                         \
  "HTTP/1.1 200 OK\r\n"                                                        \
  "Content-Type: application/json\r\n"                                         \
  "Content-Length: 15\r\n"                                                     \
  "Connection: close\r\n"                                                      \
  "\r\n"                                                                       \
  "{\"status\":\"ok\"}"

static const char response_keep_alive[] = RESPONSE_KEEP_ALIVE;
static const char response_close[] = RESPONSE_CLOSE;

#define READ_BUFFER_SIZE 65536
#define MAX_BATCH 256 /* responses coalesced into a single write */

typedef struct {
  uv_tcp_t handle;
  http_parser parser;
  unsigned pending;   /* responses owed for the chunk being parsed */
  int close_after;    /* last request asked for Connection: close */
  int closing;
  char read_buffer[READ_BUFFER_SIZE];
} connection_t;

typedef struct {
  uv_write_t req;
  connection_t *conn;
  int close_after;
  unsigned count;
  uv_buf_t bufs[];
} write_req_t;

static http_parser_settings parser_settings;
static uv_loop_t *loop;

static void on_close(uv_handle_t *handle) { free(handle->data); }

static void close_connection(connection_t *conn) {
  if (conn->closing) return;
  conn->closing = 1;
  uv_close((uv_handle_t *)&conn->handle, on_close);
}

static int on_message_complete(http_parser *parser) {
  connection_t *conn = parser->data;
  conn->pending++;
  if (!http_should_keep_alive(parser)) {
    conn->close_after = 1;
    /* Stop parsing: nothing after a Connection: close request is answered. */
    return 1;
  }
  return 0;
}

static void on_write(uv_write_t *req, int status) {
  write_req_t *wr = (write_req_t *)req;
  connection_t *conn = wr->conn;
  int close_after = wr->close_after;
  free(wr);
  if (status < 0 || close_after) close_connection(conn);
}

static void flush_responses(connection_t *conn) {
  unsigned n = conn->pending;
  conn->pending = 0;
  if (n == 0) return;
  int close_after = conn->close_after;

  uv_buf_t stack_bufs[MAX_BATCH];
  if (n > MAX_BATCH) { /* absurd pipelining depth: answer what fits, then close */
    n = MAX_BATCH;
    close_after = conn->close_after = 1;
  }
  for (unsigned i = 0; i < n; i++) {
    if (close_after && i == n - 1)
      stack_bufs[i] = uv_buf_init((char *)response_close, sizeof(response_close) - 1);
    else
      stack_bufs[i] = uv_buf_init((char *)response_keep_alive, sizeof(response_keep_alive) - 1);
  }

  /* Fast path: the socket usually takes everything at once. */
  size_t total = 0;
  for (unsigned i = 0; i < n; i++) total += stack_bufs[i].len;
  int written = uv_try_write((uv_stream_t *)&conn->handle, stack_bufs, n);
  if (written == (int)total) {
    if (close_after) close_connection(conn);
    return;
  }
  if (written < 0 && written != UV_EAGAIN) {
    close_connection(conn);
    return;
  }
  size_t skip = written > 0 ? (size_t)written : 0;

  /* Slow path: queue the remainder (the buffers point at static memory). */
  write_req_t *wr = malloc(sizeof(write_req_t) + n * sizeof(uv_buf_t));
  if (!wr) {
    close_connection(conn);
    return;
  }
  wr->conn = conn;
  wr->close_after = close_after;
  wr->count = 0;
  for (unsigned i = 0; i < n; i++) {
    uv_buf_t b = stack_bufs[i];
    if (skip >= b.len) {
      skip -= b.len;
      continue;
    }
    b.base += skip;
    b.len -= skip;
    skip = 0;
    wr->bufs[wr->count++] = b;
  }
  if (uv_write(&wr->req, (uv_stream_t *)&conn->handle, wr->bufs, wr->count, on_write) < 0) {
    free(wr);
    close_connection(conn);
  }
}

static void alloc_buffer(uv_handle_t *handle, size_t suggested, uv_buf_t *buf) {
  (void)suggested;
  connection_t *conn = handle->data;
  *buf = uv_buf_init(conn->read_buffer, READ_BUFFER_SIZE);
}

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf) {
  connection_t *conn = stream->data;
  if (nread < 0) {
    close_connection(conn);
    return;
  }
  if (nread == 0 || conn->closing || conn->close_after) return;

  size_t parsed = http_parser_execute(&conn->parser, &parser_settings, buf->base, (size_t)nread);
  enum http_errno err = HTTP_PARSER_ERRNO(&conn->parser);
  if (err != HPE_OK && !(err == HPE_CB_message_complete && conn->close_after)) {
    /* Malformed request: answer what was complete, then drop the connection. */
    conn->close_after = 1;
  } else if (parsed != (size_t)nread && !conn->close_after) {
    conn->close_after = 1;
  }
  if (conn->pending > 0) {
    flush_responses(conn);
  } else if (conn->close_after) {
    close_connection(conn);
  }
  if (conn->close_after) uv_read_stop(stream);
}

static void on_connection(uv_stream_t *server, int status) {
  if (status < 0) return;
  connection_t *conn = calloc(1, sizeof(connection_t));
  if (!conn) return;
  uv_tcp_init(loop, &conn->handle);
  conn->handle.data = conn;
  if (uv_accept(server, (uv_stream_t *)&conn->handle) != 0) {
    close_connection(conn);
    return;
  }
  uv_tcp_nodelay(&conn->handle, 1);
  http_parser_init(&conn->parser, HTTP_REQUEST);
  conn->parser.data = conn;
  uv_read_start((uv_stream_t *)&conn->handle, alloc_buffer, on_read);
}

static void on_signal(uv_signal_t *handle, int signum) {
  (void)signum;
  uv_stop(handle->loop);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s PORT [HOST]\n", argv[0]);
    return 2;
  }
  int port = atoi(argv[1]);
  const char *host = argc > 2 ? argv[2] : "127.0.0.1";
  if (port <= 0 || port > 65535) {
    fprintf(stderr, "invalid port: %s\n", argv[1]);
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);

  memset(&parser_settings, 0, sizeof(parser_settings));
  parser_settings.on_message_complete = on_message_complete;

  loop = uv_default_loop();
  uv_tcp_t server;
  uv_tcp_init(loop, &server);
  struct sockaddr_in addr;
  int rc = uv_ip4_addr(host, port, &addr);
  if (rc == 0) rc = uv_tcp_bind(&server, (const struct sockaddr *)&addr, 0);
  if (rc == 0) rc = uv_listen((uv_stream_t *)&server, 1024, on_connection);
  if (rc != 0) {
    fprintf(stderr, "listen on %s:%d failed: %s\n", host, port, uv_strerror(rc));
    return 1;
  }

  uv_signal_t sigint, sigterm;
  uv_signal_init(loop, &sigint);
  uv_signal_start(&sigint, on_signal, SIGINT);
  uv_signal_init(loop, &sigterm);
  uv_signal_start(&sigterm, on_signal, SIGTERM);

  fprintf(stderr, "bare-libuv listening on %s:%d\n", host, port);
  uv_run(loop, UV_RUN_DEFAULT);
  return 0;
}
