#ifndef APPBASE_COPENSSL_SHIM_H
#define APPBASE_COPENSSL_SHIM_H
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/bio.h>
#include <openssl/x509.h>
#include <openssl/evp.h>

/* Function-like macros Swift cannot import, as inline functions. No logic of their own. */

static inline int appbase_ssl_ctx_set_min_proto(SSL_CTX *ctx, int version) {
    return (int)SSL_CTX_set_min_proto_version(ctx, version);
}
static inline int appbase_ssl_ctx_set_max_proto(SSL_CTX *ctx, int version) {
    return (int)SSL_CTX_set_max_proto_version(ctx, version);
}
static inline int appbase_tls1_2_version(void) { return TLS1_2_VERSION; }
static inline int appbase_tls1_3_version(void) { return TLS1_3_VERSION; }
static inline uint64_t appbase_ssl_server_options(void) {
    return SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE;
}
static inline long appbase_ssl_ctx_set_session_cache_server(SSL_CTX *ctx) {
    return SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
}
static inline long appbase_ssl_ctx_set_mode(SSL_CTX *ctx, long mode) {
    return SSL_CTX_set_mode(ctx, mode);
}
static inline long appbase_ssl_mode_release_buffers(void) { return SSL_MODE_RELEASE_BUFFERS; }
static inline long appbase_ssl_mode_auto_retry(void) { return SSL_MODE_AUTO_RETRY; }
static inline uint64_t appbase_ssl_op_prioritize_chacha(void) { return SSL_OP_PRIORITIZE_CHACHA; }
static inline void appbase_bio_set_retry_read(BIO *bio) { BIO_set_retry_read(bio); }
static inline void appbase_bio_clear_retry_flags(BIO *bio) { BIO_clear_retry_flags(bio); }
static inline int appbase_bio_ctrl_flush(void) { return BIO_CTRL_FLUSH; }
static inline int appbase_bio_type_source_sink(void) { return BIO_TYPE_SOURCE_SINK; }
static inline long appbase_bio_set_mem_eof_return(BIO *bio, int value) {
    return BIO_set_mem_eof_return(bio, value);
}
static inline long appbase_bio_get_mem_data(BIO *bio, char **data) {
    return BIO_get_mem_data(bio, data);
}
static inline int appbase_bio_reset(BIO *bio) { return (int)BIO_reset(bio); }
static inline int appbase_tlsext_nametype_host_name(void) { return TLSEXT_NAMETYPE_host_name; }
static inline int appbase_tlsext_err_ok(void) { return SSL_TLSEXT_ERR_OK; }
static inline int appbase_tlsext_err_noack(void) { return SSL_TLSEXT_ERR_NOACK; }
static inline int appbase_openssl_npn_negotiated(void) { return OPENSSL_NPN_NEGOTIATED; }
static inline int appbase_ssl_session_reused(SSL *ssl) { return (int)SSL_session_reused(ssl); }
/* Client side (tests and benchmarks). */
static inline long appbase_ssl_set_tlsext_host_name(SSL *ssl, const char *name) {
    return SSL_set_tlsext_host_name(ssl, name);
}
static inline int appbase_x509_v_ok(void) { return X509_V_OK; }
static inline uint64_t appbase_ssl_op_ignore_unexpected_eof(void) { return SSL_OP_IGNORE_UNEXPECTED_EOF; }
static inline long appbase_ssl_mode_partial_moving_writes(void) {
    return SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER;
}
#endif
