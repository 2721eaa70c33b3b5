import COpenSSL

/// Hashing, MACs and randomness for the whole project, all from the same
/// OpenSSL the TLS stack uses, so there is exactly one crypto provider to audit.
public enum Crypto {
    /// SHA-256 digest (32 bytes).
    public static func sha256(_ bytes: some Sequence<UInt8>) -> [UInt8] {
        if let digest = bytes.withContiguousStorageIfAvailable({ sha256(buffer: UnsafeRawBufferPointer($0)) }) {
            return digest
        }
        return Array(bytes).withUnsafeBytes { sha256(buffer: $0) }
    }

    /// SHA-1 digest (20 bytes). Only for the WebSocket handshake (RFC 6455 section 4.2.2), which
    /// fixes it; never for anything that needs collision resistance.
    public static func sha1(_ bytes: some Sequence<UInt8>) -> [UInt8] {
        Array(bytes).withUnsafeBytes { digest($0, EVP_sha1(), length: 20) }
    }

    /// Lowercase hex SHA-256 of the string's UTF-8 bytes.
    public static func sha256Hex(_ string: String) -> String {
        hex(sha256(string.utf8))
    }

    /// Lowercase hex SHA-256 of `bytes`.
    public static func sha256Hex(bytes: [UInt8]) -> String {
        hex(sha256(bytes))
    }

    /// HMAC-SHA256 (32 bytes).
    public static func hmacSHA256(key: [UInt8], data: some Sequence<UInt8>) -> [UInt8] {
        if let mac = data.withContiguousStorageIfAvailable({ hmacSHA256(key: key, buffer: UnsafeRawBufferPointer($0)) }) {
            return mac
        }
        return Array(data).withUnsafeBytes { hmacSHA256(key: key, buffer: $0) }
    }

    /// Cryptographically secure random bytes. A failing CSPRNG leaves no safe way
    /// to continue (tokens and keys would be predictable), hence the precondition.
    public static func randomBytes(_ count: Int) -> [UInt8] {
        precondition(count >= 0 && count <= Int(Int32.max), "invalid random byte count \(count)")
        var bytes = [UInt8](repeating: 0, count: count)
        guard count > 0 else { return bytes }
        let ok = bytes.withUnsafeMutableBufferPointer { RAND_bytes($0.baseAddress, Int32(count)) }
        precondition(ok == 1, "RAND_bytes failed: the system CSPRNG is unavailable")
        return bytes
    }

    /// Comparison whose time depends only on the length, for secrets such as
    /// token hashes and MACs. Different lengths compare unequal immediately: the
    /// length of a digest is not a secret.
    public static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        guard !a.isEmpty else { return true }
        return a.withUnsafeBytes { pa in
            b.withUnsafeBytes { pb in CRYPTO_memcmp(pa.baseAddress, pb.baseAddress, a.count) == 0 }
        }
    }

    /// Lowercase hex encoding.
    public static func hex(_ bytes: [UInt8]) -> String {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        return String(unsafeUninitializedCapacity: bytes.count * 2) { out in
            var index = 0
            for byte in bytes {
                out[index] = digits[Int(byte >> 4)]
                out[index + 1] = digits[Int(byte & 0x0f)]
                index += 2
            }
            return index
        }
    }

    static func sha256(buffer: UnsafeRawBufferPointer) -> [UInt8] {
        digest(buffer, EVP_sha256(), length: 32)
    }

    private static func digest(_ buffer: UnsafeRawBufferPointer, _ type: OpaquePointer?, length expected: Int) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: expected)
        var length: UInt32 = 0
        let ok = digest.withUnsafeMutableBufferPointer { out in
            EVP_Digest(buffer.baseAddress, buffer.count, out.baseAddress, &length, type, nil)
        }
        precondition(ok == 1 && Int(length) == expected, "EVP_Digest failed")
        return digest
    }

    private static func hmacSHA256(key: [UInt8], buffer: UnsafeRawBufferPointer) -> [UInt8] {
        var mac = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        // OpenSSL rejects a NULL key pointer even with length 0; an empty key is
        // legal HMAC, so point at a dummy byte.
        let keyStorage = key.isEmpty ? [UInt8(0)] : key
        let result = keyStorage.withUnsafeBytes { keyBytes in
            mac.withUnsafeMutableBufferPointer { out in
                HMAC(
                    EVP_sha256(), keyBytes.baseAddress, Int32(key.count),
                    buffer.baseAddress?.assumingMemoryBound(to: UInt8.self), buffer.count,
                    out.baseAddress, &length
                )
            }
        }
        precondition(result != nil && length == 32, "HMAC-SHA256 failed")
        return mac
    }
}
