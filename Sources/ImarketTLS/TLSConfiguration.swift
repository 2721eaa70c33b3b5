import NIOCore

/// Server-side TLS settings. The protocol policy (TLS 1.2 + 1.3, ECDHE+AEAD only
/// on 1.2, no compression, no renegotiation) is fixed on purpose and not
/// configurable: the server must not be deployable with a weaker setup.
public struct TLSConfiguration: Sendable {
    /// PEM file: leaf certificate first, then intermediates.
    public let certificateChainPath: String
    /// PEM private key (any format PEM_read_PrivateKey accepts, unencrypted).
    public let privateKeyPath: String
    /// When set, the server asks for a client certificate and verifies a presented
    /// one against this CA file. A certificate is NOT required: clients without one
    /// still connect (and get `peerCertificateSHA256 == nil`); a certificate that
    /// fails verification fails the handshake.
    public let clientCAPath: String?
    /// ALPN protocols in server preference order. Default `["http/1.1"]`.
    /// A client that offers ALPN but none of these gets a `no_application_protocol`
    /// alert (RFC 7301 §3.2); a client that offers no ALPN at all is accepted.
    public let alpnProtocols: [String]
    /// A connection that has not completed the handshake after this long is closed.
    /// Default 10 s: it bounds the cost of idle or slowloris-style connections.
    public let handshakeTimeout: TimeAmount
    /// After sending close_notify, how long to wait for the peer's before closing
    /// the socket anyway. Default 3 s.
    public let closeNotifyTimeout: TimeAmount

    public init(
        certificateChainPath: String,
        privateKeyPath: String,
        clientCAPath: String? = nil,
        alpnProtocols: [String] = ["http/1.1"],
        handshakeTimeout: TimeAmount = .seconds(10),
        closeNotifyTimeout: TimeAmount = .seconds(3)
    ) {
        self.certificateChainPath = certificateChainPath
        self.privateKeyPath = privateKeyPath
        self.clientCAPath = clientCAPath
        self.alpnProtocols = alpnProtocols
        self.handshakeTimeout = handshakeTimeout
        self.closeNotifyTimeout = closeNotifyTimeout
    }

    /// TLS 1.2 suites: forward secrecy (ECDHE) and AEAD only. TLS 1.3 suites are
    /// OpenSSL's defaults, which already satisfy both.
    public static let tls12CipherList =
        "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
        + "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
        + "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"
}

/// Client-side TLS settings, for tests and benchmark tooling (the server never
/// dials out over TLS). Same protocol policy as the server.
public struct TLSClientConfiguration: Sendable {
    /// CA file used to verify the server. `nil` disables verification entirely,
    /// which only makes sense for load generators pointed at a known host.
    public let trustRootsPath: String?
    /// Optional client certificate chain (PEM) and its key.
    public let certificateChainPath: String?
    public let privateKeyPath: String?
    /// ALPN protocols offered, in preference order. Default `["http/1.1"]`.
    public let alpnProtocols: [String]
    /// Check that the server certificate matches the host name (or IP) given to
    /// `OpenSSLHandler(context:serverHostname:)`. Only meaningful with `trustRootsPath`.
    public let verifyHostname: Bool
    public let handshakeTimeout: TimeAmount
    public let closeNotifyTimeout: TimeAmount

    public init(
        trustRootsPath: String? = nil,
        certificateChainPath: String? = nil,
        privateKeyPath: String? = nil,
        alpnProtocols: [String] = ["http/1.1"],
        verifyHostname: Bool = true,
        handshakeTimeout: TimeAmount = .seconds(10),
        closeNotifyTimeout: TimeAmount = .seconds(3)
    ) {
        self.trustRootsPath = trustRootsPath
        self.certificateChainPath = certificateChainPath
        self.privateKeyPath = privateKeyPath
        self.alpnProtocols = alpnProtocols
        self.verifyHostname = verifyHostname
        self.handshakeTimeout = handshakeTimeout
        self.closeNotifyTimeout = closeNotifyTimeout
    }
}
