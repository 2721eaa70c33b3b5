#include "COpenSSLShim.h"
#include <openssl/x509v3.h>
#include <openssl/evp.h>
#include <openssl/asn1.h>
#include <string.h>

int imarket_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int version) {
    return (int)SSL_CTX_set_min_proto_version(ctx, version);
}

int imarket_SSL_CTX_set_max_proto_version(SSL_CTX *ctx, int version) {
    return (int)SSL_CTX_set_max_proto_version(ctx, version);
}

uint64_t imarket_SSL_CTX_set_options(SSL_CTX *ctx, uint64_t options) {
    return (uint64_t)SSL_CTX_set_options(ctx, options);
}

long imarket_SSL_CTX_set_session_cache_mode(SSL_CTX *ctx, long mode) {
    return SSL_CTX_set_session_cache_mode(ctx, mode);
}

uint64_t imarket_SSL_OP_NO_COMPRESSION(void) { return SSL_OP_NO_COMPRESSION; }
uint64_t imarket_SSL_OP_NO_RENEGOTIATION(void) { return SSL_OP_NO_RENEGOTIATION; }
uint64_t imarket_SSL_OP_CIPHER_SERVER_PREFERENCE(void) { return SSL_OP_CIPHER_SERVER_PREFERENCE; }
long imarket_SSL_SESS_CACHE_SERVER(void) { return SSL_SESS_CACHE_SERVER; }

int imarket_SSL_set_tlsext_host_name(SSL *ssl, const char *name) {
    return (int)SSL_set_tlsext_host_name(ssl, name);
}

X509 *imarket_SSL_get1_peer_certificate(const SSL *ssl) {
    return SSL_get1_peer_certificate(ssl);
}

long imarket_BIO_set_mem_eof_return(BIO *bio, int value) {
    return BIO_set_mem_eof_return(bio, value);
}

size_t imarket_BIO_pending(BIO *bio) {
    return BIO_ctrl_pending(bio);
}

long imarket_BIO_get_mem_data(BIO *bio, char **data) {
    return BIO_get_mem_data(bio, data);
}

static int imarket_alpn_select(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                               const unsigned char *in, unsigned int inlen, void *arg) {
    (void)ssl;
    const unsigned char *server = (const unsigned char *)arg;
    if (server == NULL) {
        return SSL_TLSEXT_ERR_NOACK;
    }
    /* Walk the server's list in preference order; the first protocol the client
       also offers wins. */
    unsigned int server_len = 0;
    while (server[server_len] != 0) {
        server_len += 1u + server[server_len];
    }
    for (unsigned int i = 0; i < server_len; i += 1u + server[i]) {
        unsigned char len = server[i];
        for (unsigned int j = 0; j + 1 <= inlen; j += 1u + in[j]) {
            if (j + 1u + in[j] > inlen) {
                break;
            }
            if (in[j] == len && memcmp(in + j + 1, server + i + 1, len) == 0) {
                *out = in + j + 1;
                *outlen = len;
                return SSL_TLSEXT_ERR_OK;
            }
        }
    }
    return SSL_TLSEXT_ERR_ALERT_FATAL;
}

void imarket_SSL_CTX_set_alpn_server_protocols(SSL_CTX *ctx, const unsigned char *wire) {
    SSL_CTX_set_alpn_select_cb(ctx, imarket_alpn_select, (void *)wire);
}

void imarket_X509V3_set_ctx_nodb(X509V3_CTX *ctx) {
    X509V3_set_ctx_nodb(ctx);
}

EVP_PKEY *imarket_EVP_EC_gen_P256(void) {
    return EVP_EC_gen("P-256");
}

int imarket_MBSTRING_ASC(void) { return MBSTRING_ASC; }
