#ifndef IMARKET_COPENSSL_SHIM_H
#define IMARKET_COPENSSL_SHIM_H

/*
 * Functions wrapping the OpenSSL 3 macros (and bit-shift constants) that the
 * Swift importer cannot see. Each one is a one-line forwarder; keeping them as
 * real functions gives Swift a typed, linkable symbol for every macro we use.
 */

#include <stdint.h>
#include <stddef.h>
#include <openssl/ssl.h>
#include <openssl/bio.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

/* --- SSL_CTX configuration macros --- */
int imarket_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int version);
int imarket_SSL_CTX_set_max_proto_version(SSL_CTX *ctx, int version);
uint64_t imarket_SSL_CTX_set_options(SSL_CTX *ctx, uint64_t options);
long imarket_SSL_CTX_set_session_cache_mode(SSL_CTX *ctx, long mode);

/* --- option and cache-mode bits (SSL_OP_BIT() expressions are not importable) --- */
uint64_t imarket_SSL_OP_NO_COMPRESSION(void);
uint64_t imarket_SSL_OP_NO_RENEGOTIATION(void);
uint64_t imarket_SSL_OP_CIPHER_SERVER_PREFERENCE(void);
long imarket_SSL_SESS_CACHE_SERVER(void);

/* --- per-connection macros --- */
int imarket_SSL_set_tlsext_host_name(SSL *ssl, const char *name);
/* SSL_get1_peer_certificate on OpenSSL 3 (SSL_get_peer_certificate is a macro). */
X509 *imarket_SSL_get1_peer_certificate(const SSL *ssl);

/* --- memory BIO macros --- */
/* Makes an empty memory BIO report "retry" instead of EOF, which is what a
   network-fed read BIO needs. */
long imarket_BIO_set_mem_eof_return(BIO *bio, int value);
size_t imarket_BIO_pending(BIO *bio);
/* Returns the number of readable bytes and points *data at them (no copy). */
long imarket_BIO_get_mem_data(BIO *bio, char **data);

/* --- ALPN selection on the server ---
 * Installs a C callback that picks the first protocol from the server's
 * preference list (wire format) that the client also offers. When the client
 * offers ALPN but none matches, the handshake fails with the
 * no_application_protocol alert (RFC 7301 section 3.2).
 * `wire` is the ALPN wire format (length-prefixed names) followed by one 0
 * byte: a zero length is invalid in ALPN, so it terminates the list without a
 * separate length argument. The buffer must outlive the SSL_CTX. */
void imarket_SSL_CTX_set_alpn_server_protocols(SSL_CTX *ctx, const unsigned char *wire);

/* --- certificate generation macros --- */
void imarket_X509V3_set_ctx_nodb(X509V3_CTX *ctx);
EVP_PKEY *imarket_EVP_EC_gen_P256(void);
int imarket_MBSTRING_ASC(void);

#endif
