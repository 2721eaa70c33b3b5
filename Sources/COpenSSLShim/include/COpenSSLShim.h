#ifndef IMARKET_COPENSSL_SHIM_H
#define IMARKET_COPENSSL_SHIM_H
#include <openssl/ssl.h>
#endif
