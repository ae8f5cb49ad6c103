// SSE fan-out measurement in C: the same scenario and output as sse-fanout.mjs, with a client
// whose own cost is small beside the server's (one epoll thread reads every stream; parsing an
// event is a memmem for the run's marker), so delivery latency measures the server, not the client.
//
//   cc -O2 -pthread -o sse-client sse-client.c
//   sse-client CONFIG      → one JSON object on stdout (progress on stderr)
//
// CONFIG: one "key value" per line (written by compare-pocketbase):
//   mode appbase|pocketbase|trivial     port N        subscribers N    writes N    interval_ms N
//   subscribe_path P   subscribe_header "Name: value" (repeatable)
//   pb_subscribe_path P   pb_subscribe_header H (repeatable)   pb_topics ["notes"]   (pocketbase)
//   write_path P   write_header H (repeatable)   write_extra "owner":"…" (raw JSON members, optional)
//   sent_at_field sentAt|body
// Every write's body is {"title":"sse-<run>-<seq>","body":…,"n":seq[,sentAt][,extra]}; a
// subscriber counts an event when its data holds a marker of this run. The writer is a thread of
// its own on a blocking keep-alive connection; all stamps are CLOCK_MONOTONIC. Loopback only;
// everything is bounded in count and time (connect 90 s, each write 10 s, drain 15 s).
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define MAX_HEADERS 8
#define BUF_CAP (256 * 1024)

static char mode[32] = "appbase", sub_path[512], pb_path[512], pb_topics[256] = "[]", write_path[512];
static char write_extra[512], sent_at_field[32] = "sentAt";
static char *sub_headers[MAX_HEADERS], *pb_headers[MAX_HEADERS], *write_headers[MAX_HEADERS];
static int n_sub_headers, n_pb_headers, n_write_headers;
static int port, subs = 1000, writes = 100, interval_ms = 20;
static char marker[32];
static size_t marker_len;

static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static void fail(const char *why) {
    fprintf(stderr, "[sse-client] %s\n", why);
    printf("{\"error\":\"%s\"}\n", why);
    exit(1);
}

static void load_config(const char *path) {
    FILE *f = fopen(path, "r");
    if (!f) fail("cannot open config");
    char line[2048];
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = 0;
        char *value = strchr(line, ' ');
        if (!value) continue;
        *value++ = 0;
        if (!strcmp(line, "mode")) snprintf(mode, sizeof mode, "%s", value);
        else if (!strcmp(line, "port")) port = atoi(value);
        else if (!strcmp(line, "subscribers")) subs = atoi(value);
        else if (!strcmp(line, "writes")) writes = atoi(value);
        else if (!strcmp(line, "interval_ms")) interval_ms = atoi(value);
        else if (!strcmp(line, "subscribe_path")) snprintf(sub_path, sizeof sub_path, "%s", value);
        else if (!strcmp(line, "pb_subscribe_path")) snprintf(pb_path, sizeof pb_path, "%s", value);
        else if (!strcmp(line, "pb_topics")) snprintf(pb_topics, sizeof pb_topics, "%s", value);
        else if (!strcmp(line, "write_path")) snprintf(write_path, sizeof write_path, "%s", value);
        else if (!strcmp(line, "write_extra")) snprintf(write_extra, sizeof write_extra, "%s", value);
        else if (!strcmp(line, "sent_at_field")) snprintf(sent_at_field, sizeof sent_at_field, "%s", value);
        else if (!strcmp(line, "subscribe_header") && n_sub_headers < MAX_HEADERS) sub_headers[n_sub_headers++] = strdup(value);
        else if (!strcmp(line, "pb_subscribe_header") && n_pb_headers < MAX_HEADERS) pb_headers[n_pb_headers++] = strdup(value);
        else if (!strcmp(line, "write_header") && n_write_headers < MAX_HEADERS) write_headers[n_write_headers++] = strdup(value);
    }
    fclose(f);
    if (port <= 0 || subs <= 0 || subs > 20000 || writes <= 0 || writes > 100000 || !sub_path[0] || !write_path[0])
        fail("bad config");
}

static int connect_loopback(void) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct timeval tv = {10, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) { close(fd); return -1; }
    return fd;
}

static int send_all(int fd, const char *data, size_t len) {
    while (len > 0) {
        ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return -1;
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

/// One blocking request on `fd` (keep-alive); returns the status (0 on failure) and reads the
/// whole answer (Content-Length or chunked bodies are not needed here: every answer we read
/// carries Content-Length or none).
static int http_request(int fd, const char *method, const char *path, char **headers, int n_headers,
                        const char *body) {
    char req[8192];
    int len = snprintf(req, sizeof req, "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n", method, path, port);
    for (int i = 0; i < n_headers; i++) len += snprintf(req + len, sizeof req - len, "%s\r\n", headers[i]);
    if (body) len += snprintf(req + len, sizeof req - len, "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
                              strlen(body), body);
    else len += snprintf(req + len, sizeof req - len, "\r\n");
    if (len >= (int)sizeof req || send_all(fd, req, (size_t)len) != 0) return 0;
    char buf[16384];
    size_t have = 0;
    char *end = NULL;
    while (!end) {
        ssize_t n = recv(fd, buf + have, sizeof buf - 1 - have, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return 0;
        have += (size_t)n;
        buf[have] = 0;
        end = strstr(buf, "\r\n\r\n");
        if (!end && have >= sizeof buf - 1) return 0;
    }
    int status = 0;
    if (sscanf(buf, "HTTP/1.%*d %d", &status) != 1) return 0;
    size_t body_len = 0;
    char *cl = strcasestr(buf, "\r\ncontent-length:");
    if (cl && cl < end) body_len = strtoul(cl + 17, NULL, 10);
    size_t got = have - (size_t)(end + 4 - buf);
    while (got < body_len) {
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return 0;
        got += (size_t)n;
    }
    return status;
}

typedef struct {
    int fd;
    int ready;
    char client_id[128];
    size_t len;
    char *buf;
    /// Chunked transfer coding: the bytes left of the current chunk, or (when 0) the size line
    /// being read (`line`, `line_len`) and whether a chunk's trailing CRLF is still to skip.
    int chunked;
    size_t chunk_left;
    int skip_crlf;
    char line[32];
    size_t line_len;
} Sub;

/// Appends `data` to the subscriber's event buffer, removing the chunked framing if any.
/// Returns -1 on a malformed chunk or the last chunk (the stream ended).
static int take(Sub *s, const char *data, size_t n) {
    if (!s->chunked) {
        if (s->len + n > BUF_CAP) return -1;
        memcpy(s->buf + s->len, data, n);
        s->len += n;
        return 0;
    }
    while (n > 0) {
        if (s->chunk_left > 0) {
            size_t k = n < s->chunk_left ? n : s->chunk_left;
            if (s->len + k > BUF_CAP) return -1;
            memcpy(s->buf + s->len, data, k);
            s->len += k;
            s->chunk_left -= k;
            data += k;
            n -= k;
            if (s->chunk_left == 0) s->skip_crlf = 2;
            continue;
        }
        char c = *data++;
        n--;
        if (s->skip_crlf > 0) { s->skip_crlf--; continue; }
        if (c == '\n') {
            s->line[s->line_len] = 0;
            s->chunk_left = strtoul(s->line, NULL, 16);
            s->line_len = 0;
            if (s->chunk_left == 0) return -1;
        } else if (c != '\r' && s->line_len < sizeof s->line - 1) {
            s->line[s->line_len++] = c;
        }
    }
    return 0;
}

static Sub *subscribers;
static uint8_t *seen;
static double *sent_at, *ack_at;
static double *deliveries; // pairs: seq, t
static size_t n_deliveries, cap_deliveries;
static long received, duplicates, foreign_events;
static atomic_int writer_done;
static atomic_long acked;
static double write_ms = -1;
static long errors_connect, errors_stream, errors_write;

static void note_delivery(int seq, double t) {
    if (n_deliveries + 2 > cap_deliveries) {
        cap_deliveries = cap_deliveries ? cap_deliveries * 2 : 1 << 16;
        deliveries = realloc(deliveries, cap_deliveries * sizeof *deliveries);
        if (!deliveries) fail("out of memory");
    }
    deliveries[n_deliveries++] = seq;
    deliveries[n_deliveries++] = t;
}

/// One complete event block (without its blank line) of subscriber `s`, received at `t`.
static void on_block(Sub *s, int index, char *block, size_t len, double t) {
    if (!s->ready) {
        if (!strcmp(mode, "pocketbase")) {
            char *id = memmem(block, len, "\"clientId\":\"", 12);
            if (memmem(block, len, "PB_CONNECT", 10) && id) {
                id += 12;
                size_t n = 0;
                while (id + n < block + len && id[n] != '"' && n < sizeof s->client_id - 1) n++;
                memcpy(s->client_id, id, n);
                s->client_id[n] = 0;
                s->ready = 1;
            }
        } else if (memmem(block, len, "event: ready", 12) || memmem(block, len, "event:ready", 11)) {
            s->ready = 1;
        }
        return;
    }
    char *at = memmem(block, len, marker, marker_len);
    if (!at) { foreign_events++; return; }
    int seq = atoi(at + marker_len);
    if (seq < 0 || seq >= writes) { foreign_events++; return; }
    size_t k = (size_t)index * writes + seq;
    if (seen[k]) { duplicates++; return; }
    seen[k] = 1;
    received++;
    note_delivery(seq, t);
}

/// Reads what `s` has; returns -1 when the stream ended.
static int pump(Sub *s, int index) {
    static char raw[64 * 1024];
    for (;;) {
        if (s->len >= BUF_CAP / 2) { s->len = 0; foreign_events++; } // an event over 128 KiB: dropped
        ssize_t n = recv(s->fd, raw, sizeof raw, MSG_DONTWAIT);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return 0;
        if (n <= 0) return -1;
        double t = now_ms();
        size_t scan_from = s->len >= 3 ? s->len - 3 : 0;
        if (take(s, raw, (size_t)n) != 0) return -1;
        size_t start = 0;
        for (size_t i = scan_from; i + 1 < s->len; i++) {
            // Blank line: "\n\n" or "\r\n\r\n".
            if (s->buf[i] == '\n' && (s->buf[i + 1] == '\n' ||
                                      (s->buf[i + 1] == '\r' && i + 2 < s->len && s->buf[i + 2] == '\n'))) {
                if (i > start && s->buf[start] != ':') on_block(s, index, s->buf + start, i - start, t);
                start = i + (s->buf[i + 1] == '\n' ? 2 : 3);
                i = start - 1;
            }
        }
        if (start > 0) {
            memmove(s->buf, s->buf + start, s->len - start);
            s->len -= start;
        }
    }
}

/// Opens one stream: the request, and the response head (consumed; events follow).
static int open_stream(Sub *s) {
    s->fd = connect_loopback();
    if (s->fd < 0) return -1;
    char req[4096];
    int len = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nAccept: text/event-stream\r\n", sub_path, port);
    for (int i = 0; i < n_sub_headers; i++) len += snprintf(req + len, sizeof req - len, "%s\r\n", sub_headers[i]);
    len += snprintf(req + len, sizeof req - len, "\r\n");
    if (send_all(s->fd, req, (size_t)len) != 0) return -1;
    // The head, byte by byte up to the blank line: nothing of the body is read past it.
    char head[8192];
    size_t have = 0;
    while (have < sizeof head - 1) {
        ssize_t n = recv(s->fd, head + have, 1, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return -1;
        have++;
        if (have >= 4 && !memcmp(head + have - 4, "\r\n\r\n", 4)) break;
    }
    head[have] = 0;
    int status = 0;
    if (sscanf(head, "HTTP/1.%*d %d", &status) != 1 || status != 200) return -1;
    s->chunked = strcasestr(head, "transfer-encoding: chunked") != NULL;
    return 0;
}

static void *writer_thread(void *unused) {
    (void)unused;
    int fd = connect_loopback();
    double t0 = now_ms();
    for (int seq = 0; seq < writes; seq++) {
        double wait = t0 + (double)seq * interval_ms - now_ms();
        if (wait > 0) {
            struct timespec ts = {(time_t)(wait / 1000), (long)(((long long)(wait * 1e6)) % 1000000000LL)};
            nanosleep(&ts, NULL);
        }
        struct timeval wall;
        gettimeofday(&wall, NULL);
        long long wall_ms = (long long)wall.tv_sec * 1000 + wall.tv_usec / 1000;
        char body[2048];
        if (!strcmp(sent_at_field, "body"))
            snprintf(body, sizeof body, "{\"title\":\"%s%d\",\"body\":\"sentAt=%lld\",\"n\":%d%s%s}", marker, seq, wall_ms, seq,
                     write_extra[0] ? "," : "", write_extra);
        else
            snprintf(body, sizeof body, "{\"title\":\"%s%d\",\"body\":\"\",\"n\":%d,\"sentAt\":%lld%s%s}", marker, seq, seq,
                     wall_ms, write_extra[0] ? "," : "", write_extra);
        if (fd < 0) fd = connect_loopback();
        sent_at[seq] = now_ms();
        int status = fd < 0 ? 0 : http_request(fd, "POST", write_path, write_headers, n_write_headers, body);
        if (status >= 200 && status < 300) {
            ack_at[seq] = now_ms();
            atomic_fetch_add(&acked, 1);
        } else {
            errors_write++;
            if (fd >= 0) close(fd);
            fd = -1;
        }
    }
    write_ms = now_ms() - t0;
    if (fd >= 0) close(fd);
    atomic_store(&writer_done, 1);
    return NULL;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/// NAN when there is nothing to rank (printed as null); a percentile may be negative (an event
/// that arrived before its write's acknowledgement).
static double pct(double *sorted, size_t n, double p) {
    if (!n) return NAN;
    double k = (n - 1) * p / 100;
    size_t lo = (size_t)k, hi = lo + 1 < n ? lo + 1 : n - 1;
    return sorted[lo] + (sorted[hi] - sorted[lo]) * (k - lo);
}

static void print_ms(const char *name, double v, int last) {
    if (isnan(v)) printf("\"%s\":null%s", name, last ? "" : ",");
    else printf("\"%s\":%.3f%s", name, v, last ? "" : ",");
}

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: sse-client CONFIG\n"); return 2; }
    load_config(argv[1]);
    srand((unsigned)time(NULL) ^ (unsigned)getpid());
    snprintf(marker, sizeof marker, "sse-%06x-", rand() & 0xffffff);
    marker_len = strlen(marker);
    subscribers = calloc((size_t)subs, sizeof *subscribers);
    seen = calloc((size_t)subs * writes, 1);
    sent_at = calloc((size_t)writes, sizeof *sent_at);
    ack_at = calloc((size_t)writes, sizeof *ack_at);
    if (!subscribers || !seen || !sent_at || !ack_at) fail("out of memory");
    for (int i = 0; i < writes; i++) sent_at[i] = ack_at[i] = -1;

    int ep = epoll_create1(EPOLL_CLOEXEC);
    double t0 = now_ms();
    fprintf(stderr, "[sse-client %s] connecting %d subscribers\n", mode, subs);
    for (int i = 0; i < subs && now_ms() - t0 < 90000; i++) {
        Sub *s = &subscribers[i];
        s->buf = malloc(BUF_CAP);
        if (!s->buf) fail("out of memory");
        if (open_stream(s) != 0) {
            errors_connect++;
            if (s->fd >= 0) close(s->fd);
            s->fd = -1;
            continue;
        }
        struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
        epoll_ctl(ep, EPOLL_CTL_ADD, s->fd, &ev);
    }
    // Until every stream is ready (its first event), or 90 s.
    struct epoll_event events[512];
    int ready = 0;
    while (now_ms() - t0 < 90000) {
        ready = 0;
        for (int i = 0; i < subs; i++) ready += subscribers[i].ready;
        if (ready == subs - errors_connect - errors_stream) break;
        int n = epoll_wait(ep, events, 512, 100);
        for (int k = 0; k < n; k++) {
            int i = (int)events[k].data.u32;
            if (pump(&subscribers[i], i) < 0) { errors_stream++; epoll_ctl(ep, EPOLL_CTL_DEL, subscribers[i].fd, NULL); }
        }
    }
    if (!strcmp(mode, "pocketbase")) {
        // Each PocketBase client subscribes with a POST naming its clientId.
        int fd = connect_loopback();
        for (int i = 0; i < subs; i++) {
            Sub *s = &subscribers[i];
            if (!s->ready) continue;
            char body[512];
            snprintf(body, sizeof body, "{\"clientId\":\"%s\",\"subscriptions\":%s}", s->client_id, pb_topics);
            int status = fd < 0 ? 0 : http_request(fd, "POST", pb_path, pb_headers, n_pb_headers, body);
            if (status < 200 || status >= 300) { s->ready = 0; errors_connect++; if (fd >= 0) close(fd); fd = connect_loopback(); }
        }
        if (fd >= 0) close(fd);
        ready = 0;
        for (int i = 0; i < subs; i++) ready += subscribers[i].ready;
    }
    double connect_ms = now_ms() - t0;
    fprintf(stderr, "[sse-client %s] %d/%d subscribed in %.0f ms; writing %d records\n", mode, ready, subs, connect_ms, writes);

    pthread_t writer;
    if (pthread_create(&writer, NULL, writer_thread, NULL) != 0) fail("cannot start the writer thread");
    double drain_start = -1;
    for (;;) {
        int n = epoll_wait(ep, events, 512, 20);
        for (int k = 0; k < n; k++) {
            int i = (int)events[k].data.u32;
            if (pump(&subscribers[i], i) < 0) { errors_stream++; epoll_ctl(ep, EPOLL_CTL_DEL, subscribers[i].fd, NULL); }
        }
        if (atomic_load(&writer_done)) {
            if (drain_start < 0) drain_start = now_ms();
            if (received >= (long)ready * atomic_load(&acked) || now_ms() - drain_start > 15000) break;
        }
    }
    pthread_join(writer, NULL);
    double drain_ms = now_ms() - drain_start;

    size_t nd = n_deliveries / 2;
    double *from_ack = malloc((nd + 1) * sizeof(double)), *from_send = malloc((nd + 1) * sizeof(double));
    double *ack_lat = malloc(((size_t)writes + 1) * sizeof(double));
    size_t na = 0, ns = 0, nl = 0;
    long before_ack = 0;
    for (size_t i = 0; i < nd; i++) {
        int seq = (int)deliveries[2 * i];
        double t = deliveries[2 * i + 1];
        if (ack_at[seq] >= 0) {
            double d = t - ack_at[seq];
            if (d < 0) before_ack++;
            from_ack[na++] = d;
        }
        if (sent_at[seq] >= 0) from_send[ns++] = t - sent_at[seq];
    }
    for (int seq = 0; seq < writes; seq++)
        if (ack_at[seq] >= 0) ack_lat[nl++] = ack_at[seq] - sent_at[seq];
    qsort(from_ack, na, sizeof(double), cmp_double);
    qsort(from_send, ns, sizeof(double), cmp_double);
    qsort(ack_lat, nl, sizeof(double), cmp_double);
    long expected = (long)subs * writes;
    printf("{\"mode\":\"%s\",\"client\":\"c\",\"timedOut\":false,\"subscribers\":%d,\"subscriberThreads\":1,\"subscribed\":%d,",
           mode, subs, ready);
    printf("\"connectMs\":%.1f,\"writes\":%d,\"acked\":%ld,\"writeMs\":%.1f,\"intervalMs\":%d,", connect_ms, writes,
           atomic_load(&acked), write_ms, interval_ms);
    printf("\"expected\":%ld,\"expectedConnected\":%ld,\"received\":%ld,\"completeness\":%.6f,", expected,
           (long)ready * atomic_load(&acked), received, (double)received / (double)expected);
    printf("\"duplicates\":%ld,\"foreign\":%ld,\"beforeAck\":%ld,", duplicates, foreign_events, before_ack);
    print_ms("p50Ms", pct(from_ack, na, 50), 0);
    print_ms("p99Ms", pct(from_ack, na, 99), 0);
    print_ms("maxMs", na ? from_ack[na - 1] : NAN, 0);
    print_ms("fromSendP50Ms", pct(from_send, ns, 50), 0);
    print_ms("fromSendP99Ms", pct(from_send, ns, 99), 0);
    print_ms("writeAckP50Ms", pct(ack_lat, nl, 50), 0);
    print_ms("writeAckP99Ms", pct(ack_lat, nl, 99), 0);
    // Per write: its ack and its last delivery, both from the send (where a tail comes from).
    double *last = calloc((size_t)writes + 1, sizeof(double));
    for (size_t i = 0; last && i < nd; i++) {
        int seq = (int)deliveries[2 * i];
        if (sent_at[seq] >= 0 && deliveries[2 * i + 1] - sent_at[seq] > last[seq]) last[seq] = deliveries[2 * i + 1] - sent_at[seq];
    }
    printf("\"perWrite\":[");
    for (int seq = 0; last && seq < writes; seq++)
        printf("%s[%.2f,%.2f]", seq ? "," : "", ack_at[seq] >= 0 ? ack_at[seq] - sent_at[seq] : -1.0, last[seq]);
    printf("],");
    free(last);
    printf("\"drainMs\":%.1f,\"errors\":{", drain_ms);
    const char *sep = "";
    if (errors_connect) { printf("\"connect\":%ld", errors_connect); sep = ","; }
    if (errors_stream) { printf("%s\"stream closed\":%ld", sep, errors_stream); sep = ","; }
    if (errors_write) printf("%s\"write\":%ld", sep, errors_write);
    printf("}}\n");
    fprintf(stderr, "[sse-client %s] received %ld/%ld (drain %.0f ms)\n", mode, received, expected, drain_ms);
    for (int i = 0; i < subs; i++) if (subscribers[i].fd >= 0) close(subscribers[i].fd);
    return 0;
}
