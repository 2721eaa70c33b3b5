/// Fired as a user inbound event by `OpenSSLHandler` once the handshake is done,
/// before any decrypted data. Handlers further down use it to bind the connection
/// to an identity (client certificate) or pick a protocol (ALPN).
public struct TLSHandshakeCompleted: Sendable, Hashable {
    /// ALPN result, e.g. "http/1.1"; nil when the client offered no ALPN.
    public let negotiatedProtocol: String?
    /// "TLSv1.2" or "TLSv1.3".
    public let protocolVersion: String
    /// Lowercase hex SHA-256 of the DER of the peer's certificate, only when one was
    /// presented AND verified (server: against `clientCAPath`; client: against the
    /// trust roots). nil otherwise.
    public let peerCertificateSHA256: String?
    /// OpenSSL cipher name, e.g. "TLS_AES_256_GCM_SHA384"; for logs and tests.
    public let cipherSuite: String

    public init(negotiatedProtocol: String?, protocolVersion: String, peerCertificateSHA256: String?, cipherSuite: String) {
        self.negotiatedProtocol = negotiatedProtocol
        self.protocolVersion = protocolVersion
        self.peerCertificateSHA256 = peerCertificateSHA256
        self.cipherSuite = cipherSuite
    }
}
