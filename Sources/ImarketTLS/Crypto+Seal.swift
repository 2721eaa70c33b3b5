import COpenSSL

/// Authenticated encryption (AES-256-GCM) for the few secrets the server must keep but not
/// store in the clear, e.g. a one-time token inside a stored idempotent result.
extension Crypto {
    /// Returns nonce (12 bytes) ‖ ciphertext ‖ tag (16 bytes). `key` must be 32 bytes.
    public static func seal(_ plaintext: [UInt8], key: [UInt8]) -> [UInt8] {
        precondition(key.count == 32, "AES-256-GCM needs a 32-byte key")
        let nonce = randomBytes(12)
        guard let ctx = EVP_CIPHER_CTX_new() else { preconditionFailure("EVP_CIPHER_CTX_new failed") }
        defer { EVP_CIPHER_CTX_free(ctx) }
        var out = [UInt8](repeating: 0, count: plaintext.count + 16)
        var length: Int32 = 0
        var tag = [UInt8](repeating: 0, count: 16)
        let ok = EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), nil, key, nonce) == 1
            && plaintext.withUnsafeBufferPointer { p in
                EVP_EncryptUpdate(ctx, &out, &length, p.baseAddress, Int32(p.count)) == 1
            }
        var finalLength: Int32 = 0
        let finished = ok && out.withUnsafeMutableBufferPointer { o in
            EVP_EncryptFinal_ex(ctx, o.baseAddress! + Int(length), &finalLength) == 1
        } && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, &tag) == 1
        precondition(finished, "AES-256-GCM encryption failed")
        return nonce + out.prefix(Int(length + finalLength)) + tag
    }

    /// Opens what `seal` produced; nil when the key is wrong or the data was altered.
    public static func open(_ sealed: [UInt8], key: [UInt8]) -> [UInt8]? {
        guard key.count == 32, sealed.count >= 28, let ctx = EVP_CIPHER_CTX_new() else { return nil }
        defer { EVP_CIPHER_CTX_free(ctx) }
        let nonce = Array(sealed.prefix(12))
        let body = Array(sealed.dropFirst(12).dropLast(16))
        var tag = Array(sealed.suffix(16))
        var out = [UInt8](repeating: 0, count: body.count + 16)
        var length: Int32 = 0
        var finalLength: Int32 = 0
        guard EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), nil, key, nonce) == 1,
              body.withUnsafeBufferPointer({ b in EVP_DecryptUpdate(ctx, &out, &length, b.baseAddress, Int32(b.count)) == 1 }),
              EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, 16, &tag) == 1,
              out.withUnsafeMutableBufferPointer({ o in EVP_DecryptFinal_ex(ctx, o.baseAddress! + Int(length), &finalLength) == 1 })
        else { return nil }
        return Array(out.prefix(Int(length + finalLength)))
    }
}
