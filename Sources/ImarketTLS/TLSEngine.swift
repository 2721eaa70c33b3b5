import COpenSSL
import COpenSSLShim
import NIOCore

/// One TLS connection's OpenSSL state: an `SSL` wired to two memory BIOs.
///
/// The network never touches OpenSSL directly. Ciphertext from the channel is
/// appended to the read BIO (`feed`), OpenSSL consumes it during handshake/read
/// calls, and everything OpenSSL wants to send accumulates in the write BIO until
/// the handler drains it into a ByteBuffer (`drainOutput`). This keeps all I/O in
/// NIO and makes "want read" simply mean "wait for the next channelRead".
///
/// Not thread-safe: owned by one handler on one event loop.
final class TLSEngine {
    private let ssl: OpaquePointer
    private let readBIO: OpaquePointer
    private let writeBIO: OpaquePointer
    private let verifiesPeer: Bool

    enum HandshakeResult {
        case complete
        case wantRead
        case failed(TLSError)
    }

    enum ReadResult {
        /// Plaintext was appended to the buffer (possibly 0 bytes if it was full).
        case bytes(Int)
        case wantRead
        case closeNotify
        case failed(TLSError)
    }

    init(context: TLSContext, serverHostname: String?) throws {
        OpenSSLErrorQueue.clear()
        guard let ssl = context.makeSSL() else {
            throw TLSError.drainingQueue(.invalidConfiguration, "SSL_new failed")
        }
        guard let readBIO = BIO_new(BIO_s_mem()), let writeBIO = BIO_new(BIO_s_mem()) else {
            SSL_free(ssl)
            throw TLSError.drainingQueue(.invalidConfiguration, "BIO_new failed")
        }
        // An empty network BIO means "no data yet", never EOF: EOF is signalled by
        // channelInactive, not by the BIO.
        _ = imarket_BIO_set_mem_eof_return(readBIO, -1)
        _ = imarket_BIO_set_mem_eof_return(writeBIO, -1)
        SSL_set_bio(ssl, readBIO, writeBIO)  // ssl now owns both BIOs
        self.ssl = ssl
        self.readBIO = readBIO
        self.writeBIO = writeBIO
        self.verifiesPeer = context.verifiesPeer

        if context.isServer {
            SSL_set_accept_state(ssl)
        } else {
            SSL_set_connect_state(ssl)
            if let host = serverHostname {
                try configureClientHost(host, verify: context.verifiesHostname)
            }
        }
    }

    deinit {
        SSL_free(ssl)
    }

    /// SNI for names (not IP literals, per RFC 6066) and certificate name checks.
    private func configureClientHost(_ host: String, verify: Bool) throws {
        let isIPLiteral = host.contains(":") || host.allSatisfy { $0.isNumber || $0 == "." }
        if !isIPLiteral {
            _ = imarket_SSL_set_tlsext_host_name(ssl, host)
        }
        guard verify else { return }
        let ok: Int32
        if isIPLiteral {
            ok = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host)
        } else {
            ok = SSL_set1_host(ssl, host)
        }
        guard ok == 1 else {
            throw TLSError.drainingQueue(.invalidConfiguration, "cannot verify against host '\(host)'")
        }
    }

    /// Appends received ciphertext to the read BIO (one memcpy; mem BIO writes never fail short).
    func feed(_ buffer: ByteBuffer) {
        buffer.withUnsafeReadableBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let chunk = min(bytes.count - offset, Int(Int32.max))
                let written = BIO_write(readBIO, bytes.baseAddress! + offset, Int32(chunk))
                precondition(written == Int32(chunk), "memory BIO write failed")
                offset += chunk
            }
        }
    }

    func handshake() -> HandshakeResult {
        OpenSSLErrorQueue.clear()
        let rc = SSL_do_handshake(ssl)
        if rc == 1 { return .complete }
        switch SSL_get_error(ssl, rc) {
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
            return .wantRead
        default:
            var detail = "TLS handshake failed"
            let verify = SSL_get_verify_result(ssl)
            if verify != Int(X509_V_OK) {
                detail += ": certificate verification: " + String(cString: X509_verify_cert_error_string(verify))
            }
            return .failed(TLSError.drainingQueue(.handshakeFailed, detail))
        }
    }

    /// Whether a further `read` could return anything: a record (or part of one) is buffered
    /// inside OpenSSL or unread in the read BIO. When neither holds, a read would only report
    /// "want read", and skipping it saves an `SSL_read` with its error-queue bookkeeping per
    /// request.
    var mayHaveInput: Bool {
        SSL_has_pending(ssl) == 1 || imarket_BIO_pending(readBIO) > 0
    }

    /// Decrypts into the writable space of `buffer`; callers loop until `.wantRead`.
    func read(into buffer: inout ByteBuffer) -> ReadResult {
        OpenSSLErrorQueue.clear()
        var failed = false
        let count = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: 0) { space -> Int in
            guard space.count > 0 else { return 0 }
            var read = 0
            if SSL_read_ex(ssl, space.baseAddress, space.count, &read) == 1 { return read }
            failed = true
            return 0
        }
        if !failed { return .bytes(count) }
        switch SSL_get_error(ssl, 0) {
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
            return .wantRead
        case SSL_ERROR_ZERO_RETURN:
            return .closeNotify
        default:
            return .failed(TLSError.drainingQueue(.protocolError("SSL_read"), "decrypting received data failed"))
        }
    }

    /// Encrypts all of `bytes` into the write BIO. With memory BIOs SSL_write never
    /// blocks, so anything but full success is a real error. The outcome is read from the
    /// return value, not from `SSL_get_error`, so the error queue need not be cleared first
    /// (it cost about 2% of the event loops' time per answer); a failure drains it.
    func write(_ bytes: UnsafeRawBufferPointer) -> TLSError? {
        guard bytes.count > 0 else { return nil }
        var offset = 0
        while offset < bytes.count {
            var written = 0
            guard SSL_write_ex(ssl, bytes.baseAddress! + offset, bytes.count - offset, &written) == 1 else {
                return TLSError.drainingQueue(.protocolError("SSL_write"), "encrypting data failed")
            }
            offset += written
        }
        return nil
    }

    /// Queues our close_notify. Returns true when the peer's has also been seen.
    func shutdown() -> Bool {
        OpenSSLErrorQueue.clear()
        let rc = SSL_shutdown(ssl)
        OpenSSLErrorQueue.clear()
        return rc == 1
    }

    /// Ciphertext waiting to be sent.
    var pendingOutput: Int { imarket_BIO_pending(writeBIO) }

    /// Moves all pending ciphertext into `buffer` (one copy), replacing what it held. Its storage
    /// is reused when nothing else still holds it, which is the usual case: the channel has
    /// written the previous answer's ciphertext by the time the next one is drained.
    /// Returns false, leaving `buffer` alone, when nothing is pending.
    func drainOutput(into buffer: inout ByteBuffer) -> Bool {
        let pending = pendingOutput
        guard pending > 0 else { return false }
        buffer.clear(minimumCapacity: pending)
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: pending) { space in
            var read = 0
            _ = BIO_read_ex(writeBIO, space.baseAddress, pending, &read)
            return read
        }
        return true
    }

    /// Facts about the finished handshake.
    func handshakeSummary() -> TLSHandshakeCompleted {
        var alpnPointer: UnsafePointer<UInt8>?
        var alpnLength: UInt32 = 0
        SSL_get0_alpn_selected(ssl, &alpnPointer, &alpnLength)
        var alpn: String?
        if let alpnPointer, alpnLength > 0 {
            alpn = String(decoding: UnsafeBufferPointer(start: alpnPointer, count: Int(alpnLength)), as: UTF8.self)
        }
        let version = String(cString: SSL_get_version(ssl))
        let cipher = SSL_get_current_cipher(ssl).map { String(cString: SSL_CIPHER_get_name($0)) } ?? ""
        return TLSHandshakeCompleted(
            negotiatedProtocol: alpn,
            protocolVersion: version,
            peerCertificateSHA256: verifiedPeerFingerprint(),
            cipherSuite: cipher
        )
    }

    /// Fingerprint of the peer certificate, but only if it was verified: an
    /// unverified certificate proves nothing and must never identify an account.
    private func verifiedPeerFingerprint() -> String? {
        guard verifiesPeer, let cert = imarket_SSL_get1_peer_certificate(ssl) else { return nil }
        defer { X509_free(cert) }
        guard SSL_get_verify_result(ssl) == Int(X509_V_OK) else { return nil }
        return try? X509Support.sha256Fingerprint(of: cert)
    }
}
