import COpenSSL

/// The one error type this module throws or fires down a pipeline.
///
/// Callers switch on `code`; `message` and `openSSLErrors` exist for logs, so a
/// failed handshake can be diagnosed from the server log without a packet capture.
public struct TLSError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: Sendable, Hashable {
        /// The TLS handshake failed (bad protocol version or cipher, plain HTTP on
        /// the TLS port, a client certificate that did not verify, ALPN mismatch…).
        case handshakeFailed
        /// The peer did not finish the handshake within `handshakeTimeout`.
        case handshakeTimeout
        /// The TCP connection ended without a close_notify (during or after the handshake).
        /// Common and usually harmless with HTTP clients; log it at debug level.
        case unexpectedEOF
        /// OpenSSL reported an error after the handshake; the payload names the operation.
        case protocolError(String)
        /// A certificate chain could not be read or parsed.
        case certificateLoadFailed
        /// A private key could not be read or parsed.
        case privateKeyLoadFailed
        /// The private key does not belong to the certificate.
        case privateKeyMismatch
        /// A configuration value was rejected (cipher list, CA file, ALPN list…).
        case invalidConfiguration
        /// Creating a key or certificate failed.
        case certificateGenerationFailed
        /// Reading or writing a file failed (errno text in `message`).
        case fileSystem
    }

    public let code: Code
    public let message: String
    /// The OpenSSL error queue at the time of the failure, oldest first.
    public let openSSLErrors: [String]

    public init(_ code: Code, _ message: String, openSSLErrors: [String] = []) {
        self.code = code
        self.message = message
        self.openSSLErrors = openSSLErrors
    }

    /// Builds an error and drains the thread's OpenSSL error queue into it, so the
    /// next connection handled on this thread starts with an empty queue.
    static func drainingQueue(_ code: Code, _ message: String) -> TLSError {
        TLSError(code, message, openSSLErrors: OpenSSLErrorQueue.drain())
    }

    public var description: String {
        var text = "TLSError(\(code)): \(message)"
        if !openSSLErrors.isEmpty {
            text += " [" + openSSLErrors.joined(separator: "; ") + "]"
        }
        return text
    }
}

/// OpenSSL keeps errors in a per-thread queue. Event-loop threads serve many
/// connections, so every operation whose outcome `SSL_get_error` classifies clears it
/// first, and every failure drains it; otherwise one client's failure would be reported
/// against the next one.
enum OpenSSLErrorQueue {
    static func clear() {
        ERR_clear_error()
    }

    static func drain() -> [String] {
        var messages: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            messages.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return messages
    }
}
