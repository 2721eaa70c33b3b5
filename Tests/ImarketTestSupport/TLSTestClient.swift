import COpenSSL
import COpenSSLShim

#if canImport(Glibc)
import Glibc
#endif

/// Failure of `TLSTestClient`, with OpenSSL's error queue text when relevant.
public struct TLSTestClientError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A deliberately simple, BLOCKING HTTPS/1.1 client for tests only.
///
/// It shares no code with the server's TLS stack (plain POSIX sockets plus
/// SSL_set_fd), so a bug in the server's handler cannot be masked by the same bug
/// on the client side. Every read has a timeout (SO_RCVTIMEO) so a hung server
/// fails the test instead of hanging the test run. Not thread-safe: use one
/// client per test thread; `@unchecked Sendable` only lets tests hand it over.
public final class TLSTestClient: @unchecked Sendable {
    public let host: String
    public let port: Int
    private let caPath: String?
    private let certificatePath: String?
    private let keyPath: String?
    private let alpn: [String]
    private let readTimeout: Double
    private var ctx: OpaquePointer?
    private var ssl: OpaquePointer?
    private var fd: Int32 = -1
    /// Decrypted bytes received but not yet consumed by the HTTP parser.
    var inbound: [UInt8] = []
    var inboundOffset = 0

    /// Connects and completes the handshake.
    /// - Parameters:
    ///   - caPath: CA file to verify the server against (hostname/IP checked too);
    ///     nil disables verification.
    ///   - certificatePath/keyPath: optional client certificate.
    public init(
        host: String = "127.0.0.1", port: Int, caPath: String?,
        certificatePath: String? = nil, keyPath: String? = nil,
        alpn: [String] = ["http/1.1"], readTimeout: Double = 10
    ) throws {
        self.host = host
        self.port = port
        self.caPath = caPath
        self.certificatePath = certificatePath
        self.keyPath = keyPath
        self.alpn = alpn
        self.readTimeout = readTimeout
        try connect()
    }

    deinit {
        disconnect()
    }

    /// Whether the TLS connection is currently open.
    public var isConnected: Bool { ssl != nil }

    /// TLS version negotiated, e.g. "TLSv1.3".
    public var protocolVersion: String? { ssl.map { String(cString: SSL_get_version($0)) } }

    /// (Re)connects: TCP, then TLS handshake.
    public func connect() throws {
        disconnect()
        ERR_clear_error()
        fd = try Self.openSocket(host: host, port: port)
        setReadTimeout(readTimeout)
        guard let ctx = SSL_CTX_new(TLS_client_method()) else { throw failure("SSL_CTX_new") }
        self.ctx = ctx
        if let caPath {
            guard SSL_CTX_load_verify_locations(ctx, caPath, nil) == 1 else { throw failure("load CA \(caPath)") }
            SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nil)
        }
        if let certificatePath, let keyPath {
            guard SSL_CTX_use_certificate_chain_file(ctx, certificatePath) == 1,
                  SSL_CTX_use_PrivateKey_file(ctx, keyPath, SSL_FILETYPE_PEM) == 1
            else { throw failure("load client certificate") }
        }
        if !alpn.isEmpty {
            var wire: [UInt8] = []
            for name in alpn { wire.append(UInt8(name.utf8.count)); wire.append(contentsOf: name.utf8) }
            _ = SSL_CTX_set_alpn_protos(ctx, wire, UInt32(wire.count))
        }
        guard let ssl = SSL_new(ctx) else { throw failure("SSL_new") }
        self.ssl = ssl
        let isIP = host.contains(":") || host.allSatisfy { $0.isNumber || $0 == "." }
        if isIP {
            if caPath != nil { _ = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host) }
        } else {
            _ = imarket_SSL_set_tlsext_host_name(ssl, host)
            if caPath != nil { _ = SSL_set1_host(ssl, host) }
        }
        SSL_set_fd(ssl, fd)
        guard SSL_connect(ssl) == 1 else {
            let error = failure("TLS handshake with \(host):\(port)")
            disconnect()
            throw error
        }
    }

    /// Closes without sending close_notify (like a crashing client); use
    /// `shutdown()` first for a clean close.
    public func disconnect() {
        if let ssl { SSL_free(ssl) }
        if let ctx { SSL_CTX_free(ctx) }
        ssl = nil
        ctx = nil
        if fd >= 0 { close(fd) }
        fd = -1
        inbound.removeAll()
        inboundOffset = 0
    }

    /// Sends our close_notify.
    public func shutdown() {
        if let ssl { _ = SSL_shutdown(ssl) }
    }

    /// Encrypts and sends `bytes` as is (for malformed-request tests).
    public func sendRaw(_ bytes: [UInt8]) throws {
        guard let ssl else { throw TLSTestClientError("not connected") }
        ERR_clear_error()
        var offset = 0
        while offset < bytes.count {
            var written = 0
            let ok = bytes.withUnsafeBytes { SSL_write_ex(ssl, $0.baseAddress! + offset, bytes.count - offset, &written) }
            guard ok == 1 else { throw failure("SSL_write") }
            offset += written
        }
    }

    /// Result of `readRawUntilClose`.
    public struct RawReadResult: Sendable {
        public let bytes: [UInt8]
        /// The server ended the stream with close_notify (a clean TLS close).
        public let receivedCloseNotify: Bool
        /// The read timed out before the server closed.
        public let timedOut: Bool
    }

    /// Reads everything until the server closes (or `timeout` seconds pass).
    public func readRawUntilClose(timeout: Double) -> RawReadResult {
        var bytes = Array(inbound[inboundOffset...])
        inbound.removeAll()
        inboundOffset = 0
        setReadTimeout(timeout)
        defer { setReadTimeout(readTimeout) }
        while true {
            switch readChunk() {
            case .data(let chunk): bytes += chunk
            case .closeNotify: return RawReadResult(bytes: bytes, receivedCloseNotify: true, timedOut: false)
            case .timeout: return RawReadResult(bytes: bytes, receivedCloseNotify: false, timedOut: true)
            case .closed: return RawReadResult(bytes: bytes, receivedCloseNotify: false, timedOut: false)
            }
        }
    }

    enum Chunk { case data([UInt8]), closeNotify, timeout, closed }

    func readChunk() -> Chunk {
        guard let ssl else { return .closed }
        ERR_clear_error()
        var buffer = [UInt8](repeating: 0, count: 16_384)
        var count = 0
        let ok = buffer.withUnsafeMutableBytes { SSL_read_ex(ssl, $0.baseAddress, $0.count, &count) }
        if ok == 1 { return .data(Array(buffer[0..<count])) }
        let code = SSL_get_error(ssl, 0)
        let savedErrno = errno
        if code == SSL_ERROR_ZERO_RETURN { return .closeNotify }
        if code == SSL_ERROR_WANT_READ || (code == SSL_ERROR_SYSCALL && (savedErrno == EAGAIN || savedErrno == EWOULDBLOCK)) {
            return .timeout
        }
        return .closed
    }

    private func setReadTimeout(_ seconds: Double) {
        guard fd >= 0 else { return }
        var tv = timeval(tv_sec: Int(seconds), tv_usec: Int((seconds - Double(Int(seconds))) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    func failure(_ what: String) -> TLSTestClientError {
        var messages: [String] = []
        while case let code = ERR_get_error(), code != 0 {
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            messages.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return TLSTestClientError("\(what) failed: " + (messages.isEmpty ? "errno \(errno)" : messages.joined(separator: "; ")))
    }

    /// Blocking TCP connect to an IPv4 or IPv6 host.
    static func openSocket(host: String, port: Int) throws -> Int32 {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_family = AF_UNSPEC
        var result: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &result)
        guard rc == 0, let first = result else {
            throw TLSTestClientError("cannot resolve \(host): \(String(cString: gai_strerror(rc)))")
        }
        defer { freeaddrinfo(first) }
        var candidate: UnsafeMutablePointer<addrinfo>? = first
        while let info = candidate {
            let fd = socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
            if fd >= 0 {
                if Glibc.connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 { return fd }
                close(fd)
            }
            candidate = info.pointee.ai_next
        }
        throw TLSTestClientError("cannot connect to \(host):\(port): errno \(errno)")
    }
}
