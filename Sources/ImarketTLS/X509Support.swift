import COpenSSL
import COpenSSLShim

#if canImport(Glibc)
import Glibc
#endif

/// Owning wrappers and PEM/DER plumbing shared by the handler (fingerprints) and
/// DevCertificates (generation). Kept apart so certificate code never needs the
/// TLS handler and vice versa.
final class OwnedCertificate {
    let pointer: OpaquePointer
    init(_ pointer: OpaquePointer) { self.pointer = pointer }
    deinit { X509_free(pointer) }
}

final class OwnedKey {
    let pointer: OpaquePointer
    init(_ pointer: OpaquePointer) { self.pointer = pointer }
    deinit { EVP_PKEY_free(pointer) }
}

enum X509Support {
    /// Lowercase hex SHA-256 of the certificate's DER encoding, the same value
    /// `openssl x509 -fingerprint -sha256` prints (without colons).
    static func sha256Fingerprint(of cert: OpaquePointer) throws -> String {
        let length = i2d_X509(cert, nil)
        guard length > 0 else {
            throw TLSError.drainingQueue(.certificateLoadFailed, "cannot DER-encode certificate")
        }
        var der = [UInt8](repeating: 0, count: Int(length))
        let written = der.withUnsafeMutableBufferPointer { buffer -> Int32 in
            var cursor = buffer.baseAddress
            return i2d_X509(cert, &cursor)
        }
        guard written == length else {
            throw TLSError.drainingQueue(.certificateLoadFailed, "cannot DER-encode certificate")
        }
        return Crypto.sha256Hex(bytes: der)
    }

    static func loadCertificate(path: String) throws -> OwnedCertificate {
        OpenSSLErrorQueue.clear()
        guard let bio = BIO_new_file(path, "r") else {
            throw TLSError.drainingQueue(.certificateLoadFailed, "cannot open certificate \(path)")
        }
        defer { BIO_free(bio) }
        guard let cert = PEM_read_bio_X509(bio, nil, nil, nil) else {
            throw TLSError.drainingQueue(.certificateLoadFailed, "no PEM certificate in \(path)")
        }
        return OwnedCertificate(cert)
    }

    static func loadPrivateKey(path: String) throws -> OwnedKey {
        OpenSSLErrorQueue.clear()
        guard let bio = BIO_new_file(path, "r") else {
            throw TLSError.drainingQueue(.privateKeyLoadFailed, "cannot open private key \(path)")
        }
        defer { BIO_free(bio) }
        guard let key = PEM_read_bio_PrivateKey(bio, nil, nil, nil) else {
            throw TLSError.drainingQueue(.privateKeyLoadFailed, "no PEM private key in \(path)")
        }
        return OwnedKey(key)
    }

    static func pem(of cert: OwnedCertificate) throws -> [UInt8] {
        try pem { PEM_write_bio_X509($0, cert.pointer) }
    }

    static func pem(of key: OwnedKey) throws -> [UInt8] {
        try pem { PEM_write_bio_PrivateKey($0, key.pointer, nil, nil, 0, nil, nil) }
    }

    private static func pem(_ write: (OpaquePointer) -> Int32) throws -> [UInt8] {
        guard let bio = BIO_new(BIO_s_mem()) else {
            throw TLSError.drainingQueue(.certificateGenerationFailed, "BIO_new failed")
        }
        defer { BIO_free(bio) }
        guard write(bio) == 1 else {
            throw TLSError.drainingQueue(.certificateGenerationFailed, "PEM encoding failed")
        }
        var data: UnsafeMutablePointer<CChar>?
        let length = imarket_BIO_get_mem_data(bio, &data)
        guard length > 0, let data else { return [] }
        return data.withMemoryRebound(to: UInt8.self, capacity: length) {
            Array(UnsafeBufferPointer(start: $0, count: length))
        }
    }

    /// Writes via a temporary file and rename, so a concurrent reader (another
    /// test process, a starting server) never sees a half-written PEM file.
    static func writeFileAtomically(_ bytes: [UInt8], to path: String, mode: mode_t) throws {
        let temporary = path + ".tmp\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, mode)
        guard fd >= 0 else { throw fileError("cannot create \(temporary)") }
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, bytes.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                let error = fileError("cannot write \(temporary)")
                close(fd)
                unlink(temporary)
                throw error
            }
            offset += n
        }
        // open() applies the umask; fchmod makes the mode exact (0600 for keys).
        fchmod(fd, mode)
        close(fd)
        guard rename(temporary, path) == 0 else {
            let error = fileError("cannot rename \(temporary) to \(path)")
            unlink(temporary)
            throw error
        }
    }

    static func fileError(_ message: String) -> TLSError {
        TLSError(.fileSystem, "\(message): \(String(cString: strerror(errno)))")
    }
}
