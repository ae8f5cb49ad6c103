// The SSE floor: the least a server can do for compare-pocketbase's SSE scenario, in C.
//
//   cc -O2 -o sse-emitter sse-emitter.c
//   sse-emitter PORT
//
// Same interface as sse-emitter.mjs:
//   GET  /subscribe  → text/event-stream (chunked); "event: ready" first, then every broadcast
//   POST /emit       → 201 with the record; its JSON body is then written to every open stream
//                      as "event: create" with data {"action":"create","collection":"notes","record":{…}}
//   GET  /health     → 200
// One thread and one epoll set, like AppBase's one loop: every stream gets one write() per
// event, so what sse-client measures against it is the kernel's and the client's cost of a
// fan-out with no storage, no rules and no runtime — the floor under any server's figure.
// Loopback only; no keep-alive timeouts (compare-pocketbase stops it).
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_FDS 65536
#define IN_CAP (64 * 1024)
#define OUT_CAP (1024 * 1024)

struct conn {
    int open, stream;
    size_t in_len, out_len;
    char *in, *out;  // out: bytes the socket did not take yet (EPOLLOUT drains them)
};

static struct conn conns[MAX_FDS];
static int epfd;
static long seq;

static void drop(int fd) {
    struct conn *c = &conns[fd];
    epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL);
    close(fd);
    free(c->in);
    free(c->out);
    memset(c, 0, sizeof *c);
}

/// Writes what it can now and keeps the rest (bounded) for EPOLLOUT; a stream that falls
/// OUT_CAP behind is dropped, as a server would drop a client that does not read.
static void send_bytes(int fd, const char *data, size_t len) {
    struct conn *c = &conns[fd];
    if (c->out_len == 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno != EAGAIN && errno != EINTR) { drop(fd); return; }
        if (n > 0) { data += n; len -= (size_t)n; }
        if (len == 0) return;
    }
    if (c->out_len + len > OUT_CAP) { drop(fd); return; }
    if (!c->out && !(c->out = malloc(OUT_CAP))) { drop(fd); return; }
    memcpy(c->out + c->out_len, data, len);
    c->out_len += len;
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.fd = fd};
    epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &ev);
}

static void flush_out(int fd) {
    struct conn *c = &conns[fd];
    ssize_t n = write(fd, c->out, c->out_len);
    if (n < 0 && errno != EAGAIN && errno != EINTR) { drop(fd); return; }
    if (n > 0) {
        memmove(c->out, c->out + n, c->out_len - (size_t)n);
        c->out_len -= (size_t)n;
    }
    if (c->out_len == 0) {
        struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};
        epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &ev);
    }
}

static void respond(int fd, const char *status, const char *body) {
    char head[512];
    int len = snprintf(head, sizeof head, "HTTP/1.1 %s\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
                       status, strlen(body), body);
    send_bytes(fd, head, (size_t)len);
}

/// The chunked frame `text` on every open stream.
static void broadcast(const char *text, size_t len) {
    char chunk[16];
    int head = snprintf(chunk, sizeof chunk, "%zx\r\n", len);
    char *frame = malloc((size_t)head + len + 2);
    if (!frame) return;
    memcpy(frame, chunk, (size_t)head);
    memcpy(frame + head, text, len);
    memcpy(frame + head + len, "\r\n", 2);
    for (int fd = 0; fd < MAX_FDS; fd++)
        if (conns[fd].open && conns[fd].stream) send_bytes(fd, frame, (size_t)head + len + 2);
    free(frame);
}

static void emit(int fd, const char *body, size_t body_len) {
    // The body is a JSON object: the record is {"id":"rN", <its members>, stamps}.
    const char *open = memchr(body, '{', body_len);
    const char *close_brace = body_len ? (const char *)memrchr(body, '}', body_len) : NULL;
    if (!open || !close_brace || close_brace < open) { respond(fd, "400 Bad Request", "{}"); return; }
    size_t inner_len = (size_t)(close_brace - open - 1);
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    char stamp[40];
    struct tm tm;
    gmtime_r(&now.tv_sec, &tm);
    size_t stamp_len = strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
    stamp_len += (size_t)snprintf(stamp + stamp_len, sizeof stamp - stamp_len, ".%03ldZ", now.tv_nsec / 1000000);
    long id = ++seq;
    size_t cap = inner_len + 256;
    char *record = malloc(cap), *frame = malloc(cap + 128);
    if (!record || !frame) { free(record); free(frame); respond(fd, "500 Internal Server Error", "{}"); return; }
    snprintf(record, cap, "{\"id\":\"r%ld\"%s%.*s,\"createdAt\":\"%s\",\"updatedAt\":\"%s\",\"version\":1}",
                              id, inner_len ? "," : "", (int)inner_len, open + 1, stamp, stamp);
    // Answered first, then broadcast (as sse-emitter.mjs does).
    respond(fd, "201 Created", record);
    int frame_len = snprintf(frame, cap + 128, "event: create\nid: %ld\ndata: {\"action\":\"create\",\"collection\":\"notes\",\"record\":%s}\n\n",
                             id, record);
    broadcast(frame, (size_t)frame_len);
    free(record);
    free(frame);
}

/// Handles every complete request in the connection's input.
static void handle_input(int fd) {
    struct conn *c = &conns[fd];
    while (c->open && !c->stream) {
        char *end = memmem(c->in, c->in_len, "\r\n\r\n", 4);
        if (!end) return;
        size_t head_len = (size_t)(end - c->in) + 4;
        size_t body_len = 0;
        char *cl = memmem(c->in, head_len, "\r\nContent-Length:", 17);
        if (!cl) cl = memmem(c->in, head_len, "\r\ncontent-length:", 17);
        if (cl) body_len = strtoul(cl + 17, NULL, 10);
        if (head_len + body_len > IN_CAP) { drop(fd); return; }
        if (c->in_len < head_len + body_len) return;
        if (!strncmp(c->in, "GET /subscribe", 14)) {
            const char *head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
                               "Transfer-Encoding: chunked\r\n\r\n";
            c->stream = 1;
            send_bytes(fd, head, strlen(head));
            const char *ready = "event: ready\ndata: {}\n\n";
            char frame[64];
            int len = snprintf(frame, sizeof frame, "%zx\r\n%s\r\n", strlen(ready), ready);
            if (conns[fd].open) send_bytes(fd, frame, (size_t)len);
        } else if (!strncmp(c->in, "POST /emit", 10)) {
            emit(fd, c->in + head_len, body_len);
        } else if (!strncmp(c->in, "GET /health", 11)) {
            respond(fd, "200 OK", "{\"status\":\"ok\"}");
        } else {
            respond(fd, "404 Not Found", "{}");
        }
        if (!conns[fd].open) return;
        memmove(c->in, c->in + head_len + body_len, c->in_len - head_len - body_len);
        c->in_len -= head_len + body_len;
    }
}

int main(int argc, char **argv) {
    int port = argc > 1 ? atoi(argv[1]) : 0;
    if (port <= 0 || port > 65535) { fprintf(stderr, "usage: sse-emitter PORT\n"); return 2; }
    signal(SIGPIPE, SIG_IGN);
    int listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(listener, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(listener, 4096) != 0) {
        perror("sse-emitter: bind/listen");
        return 1;
    }
    epfd = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = listener};
    epoll_ctl(epfd, EPOLL_CTL_ADD, listener, &ev);
    fprintf(stderr, "sse-emitter (C) on 127.0.0.1:%d\n", port);
    struct epoll_event events[256];
    for (;;) {
        int n = epoll_wait(epfd, events, 256, -1);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) { perror("sse-emitter: epoll_wait"); return 1; }
        for (int i = 0; i < n; i++) {
            int fd = events[i].data.fd;
            if (fd == listener) {
                int client;
                while ((client = accept4(listener, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
                    if (client >= MAX_FDS || !(conns[client].in = malloc(IN_CAP))) { close(client); continue; }
                    conns[client].open = 1;
                    setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    struct epoll_event cev = {.events = EPOLLIN, .data.fd = client};
                    epoll_ctl(epfd, EPOLL_CTL_ADD, client, &cev);
                }
                continue;
            }
            if (!conns[fd].open) continue;
            if (events[i].events & EPOLLOUT) flush_out(fd);
            if (!conns[fd].open || !(events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))) continue;
            struct conn *c = &conns[fd];
            ssize_t got = read(fd, c->in + c->in_len, IN_CAP - c->in_len);
            if (got == 0 || (got < 0 && errno != EAGAIN && errno != EINTR)) { drop(fd); continue; }
            if (got > 0) {
                c->in_len += (size_t)got;
                if (c->stream) c->in_len = 0;  // a stream's client sends nothing more that matters
                else handle_input(fd);
                if (conns[fd].open && c->in_len == IN_CAP) drop(fd);
            }
        }
    }
}
