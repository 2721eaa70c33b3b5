import COpenSSL
import COpenSSLShim
import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// A configured `SSL_CTX`, built once at startup and shared by every connection
/// on every event loop. OpenSSL's SSL_CTX is safe to use concurrently for
/// creating connections as long as nobody mutates it, and this class never does
/// after `init`; that is what justifies `@unchecked Sendable`.
public final class TLSContext: @unchecked Sendable {
    let sslContext: OpaquePointer
    /// True for contexts made with `init(server:)`.
    public let isServer: Bool
    public let handshakeTimeout: TimeAmount
    public let closeNotifyTimeout: TimeAmount
    /// Whether peer certificates are verified (server: client CA configured;
    /// client: trust roots configured). Peer fingerprints are reported only then.
    let verifiesPeer: Bool
    /// Client contexts only: check the certificate against the dialled host name.
    let verifiesHostname: Bool
    /// ALPN list in wire format, owned here because the C selection callback
    /// points into it for the lifetime of the SSL_CTX.
    private let alpnWire: UnsafeMutableBufferPointer<UInt8>?

    // Once every stored property is set, a throw below runs deinit, which frees
    // the SSL_CTX and the ALPN buffer; that is why both are assigned first.
    public init(server configuration: TLSConfiguration) throws {
        OpenSSLErrorQueue.clear()
        let wire = try Self.makeALPNWire(configuration.alpnProtocols)
        guard let ctx = SSL_CTX_new(TLS_server_method()) else {
            wire?.deallocate()
            throw TLSError.drainingQueue(.invalidConfiguration, "SSL_CTX_new failed")
        }
        self.sslContext = ctx
        self.isServer = true
        self.handshakeTimeout = configuration.handshakeTimeout
        self.closeNotifyTimeout = configuration.closeNotifyTimeout
        self.verifiesPeer = configuration.clientCAPath != nil
        self.verifiesHostname = false
        self.alpnWire = wire
        try Self.applyProtocolPolicy(ctx)
        _ = imarket_SSL_CTX_set_options(ctx, imarket_SSL_OP_CIPHER_SERVER_PREFERENCE())

        try Self.requireReadable(configuration.certificateChainPath, .certificateLoadFailed, "certificate chain")
        try Self.requireReadable(configuration.privateKeyPath, .privateKeyLoadFailed, "private key")
        guard SSL_CTX_use_certificate_chain_file(ctx, configuration.certificateChainPath) == 1 else {
            throw TLSError.drainingQueue(.certificateLoadFailed, "cannot load certificate chain \(configuration.certificateChainPath)")
        }
        // Parse the key separately so "unreadable key" and "key for another
        // certificate" give different errors (SSL_CTX_use_PrivateKey_file conflates them).
        let key = try X509Support.loadPrivateKey(path: configuration.privateKeyPath)
        guard SSL_CTX_use_PrivateKey(ctx, key.pointer) == 1, SSL_CTX_check_private_key(ctx) == 1 else {
            throw TLSError.drainingQueue(.privateKeyMismatch, "private key \(configuration.privateKeyPath) does not match certificate \(configuration.certificateChainPath)")
        }

        // Resumption (tickets for 1.3, cache + tickets for 1.2) saves a full
        // handshake for returning clients. The session id context is mandatory
        // once client certificates are requested, or resumption fails outright.
        _ = imarket_SSL_CTX_set_session_cache_mode(ctx, imarket_SSL_SESS_CACHE_SERVER())
        let sessionContext: [UInt8] = Array("imarket".utf8)
        _ = SSL_CTX_set_session_id_context(ctx, sessionContext, UInt32(sessionContext.count))

        if let caPath = configuration.clientCAPath {
            try Self.requireReadable(caPath, .invalidConfiguration, "client CA file")
            guard SSL_CTX_load_verify_locations(ctx, caPath, nil) == 1 else {
                throw TLSError.drainingQueue(.invalidConfiguration, "cannot load client CA file \(caPath)")
            }
            // Advertise the acceptable CA names so clients pick the right certificate.
            if let names = SSL_load_client_CA_file(caPath) {
                SSL_CTX_set_client_CA_list(ctx, names)
            }
            // SSL_VERIFY_PEER without FAIL_IF_NO_PEER_CERT: ask, verify if given, don't require.
            SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nil)
        } else {
            SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nil)
        }

        if let wire = alpnWire {
            imarket_SSL_CTX_set_alpn_server_protocols(ctx, wire.baseAddress)
        }
        OpenSSLErrorQueue.clear()
    }

    public init(client configuration: TLSClientConfiguration) throws {
        OpenSSLErrorQueue.clear()
        let wire = try Self.makeALPNWire(configuration.alpnProtocols)
        guard let ctx = SSL_CTX_new(TLS_client_method()) else {
            wire?.deallocate()
            throw TLSError.drainingQueue(.invalidConfiguration, "SSL_CTX_new failed")
        }
        self.sslContext = ctx
        self.isServer = false
        self.handshakeTimeout = configuration.handshakeTimeout
        self.closeNotifyTimeout = configuration.closeNotifyTimeout
        self.verifiesPeer = configuration.trustRootsPath != nil
        self.verifiesHostname = configuration.trustRootsPath != nil && configuration.verifyHostname
        self.alpnWire = wire
        try Self.applyProtocolPolicy(ctx)

        if let trust = configuration.trustRootsPath {
            try Self.requireReadable(trust, .invalidConfiguration, "trust roots file")
            guard SSL_CTX_load_verify_locations(ctx, trust, nil) == 1 else {
                throw TLSError.drainingQueue(.invalidConfiguration, "cannot load trust roots \(trust)")
            }
            SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nil)
        } else {
            SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nil)
        }
        if let chain = configuration.certificateChainPath {
            guard let keyPath = configuration.privateKeyPath else {
                throw TLSError(.invalidConfiguration, "client certificate given without a private key")
            }
            guard SSL_CTX_use_certificate_chain_file(ctx, chain) == 1 else {
                throw TLSError.drainingQueue(.certificateLoadFailed, "cannot load certificate chain \(chain)")
            }
            let key = try X509Support.loadPrivateKey(path: keyPath)
            guard SSL_CTX_use_PrivateKey(ctx, key.pointer) == 1, SSL_CTX_check_private_key(ctx) == 1 else {
                throw TLSError.drainingQueue(.privateKeyMismatch, "private key \(keyPath) does not match \(chain)")
            }
        }
        if let wire = alpnWire {
            // Unlike most OpenSSL calls, SSL_CTX_set_alpn_protos returns 0 on success.
            guard SSL_CTX_set_alpn_protos(ctx, wire.baseAddress, UInt32(wire.count - 1)) == 0 else {
                throw TLSError.drainingQueue(.invalidConfiguration, "cannot set ALPN protocols")
            }
        }
        OpenSSLErrorQueue.clear()
    }

    deinit {
        SSL_CTX_free(sslContext)
        alpnWire?.deallocate()
    }

    /// Creates the per-connection SSL object. Internal: only the handler uses it.
    func makeSSL() -> OpaquePointer? {
        SSL_new(sslContext)
    }

    /// TLS 1.2–1.3, ECDHE+AEAD suites on 1.2, no compression, no renegotiation.
    private static func applyProtocolPolicy(_ ctx: OpaquePointer) throws {
        guard imarket_SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) == 1,
              imarket_SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) == 1
        else {
            throw TLSError.drainingQueue(.invalidConfiguration, "cannot restrict protocol versions")
        }
        guard SSL_CTX_set_cipher_list(ctx, TLSConfiguration.tls12CipherList) == 1 else {
            throw TLSError.drainingQueue(.invalidConfiguration, "cipher list rejected")
        }
        _ = imarket_SSL_CTX_set_options(
            ctx,
            imarket_SSL_OP_NO_COMPRESSION() | imarket_SSL_OP_NO_RENEGOTIATION()
        )
    }

    /// ALPN wire format (length-prefixed names) plus a trailing 0 byte, which the
    /// C selection callback uses as its terminator. `nil` for an empty list.
    private static func makeALPNWire(_ protocols: [String]) throws -> UnsafeMutableBufferPointer<UInt8>? {
        guard !protocols.isEmpty else { return nil }
        var bytes: [UInt8] = []
        for name in protocols {
            let utf8 = Array(name.utf8)
            guard !utf8.isEmpty, utf8.count <= 255 else {
                throw TLSError(.invalidConfiguration, "invalid ALPN protocol name '\(name)'")
            }
            bytes.append(UInt8(utf8.count))
            bytes.append(contentsOf: utf8)
        }
        bytes.append(0)
        let buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: bytes.count)
        _ = buffer.initialize(from: bytes)
        return buffer
    }

    private static func requireReadable(_ path: String, _ code: TLSError.Code, _ what: String) throws {
        guard access(path, R_OK) == 0 else {
            throw TLSError(code, "\(what) \(path) is not readable: \(String(cString: strerror(errno)))")
        }
    }
}
