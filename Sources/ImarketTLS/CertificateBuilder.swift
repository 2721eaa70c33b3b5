import COpenSSL
import COpenSSLShim

/// Builds and signs X.509 v3 certificates with the OpenSSL API (no `openssl`
/// subprocess: the server must be able to bootstrap its own dev PKI anywhere).
struct CertificateBuilder {
    var commonName: String
    var organization = "imarket development"
    var validityDays: Int
    /// (NID, value in openssl.cnf syntax), added in order.
    var extensions: [(nid: Int32, value: String)] = []

    /// A fresh EC P-256 key: small, fast, accepted by every TLS 1.2/1.3 client.
    static func generateKey() throws -> OwnedKey {
        OpenSSLErrorQueue.clear()
        guard let key = imarket_EVP_EC_gen_P256() else {
            throw TLSError.drainingQueue(.certificateGenerationFailed, "EC P-256 key generation failed")
        }
        return OwnedKey(key)
    }

    /// Creates a certificate for `subjectKey`, signed by `issuer` (certificate and
    /// key), or self-signed when `issuer` is nil.
    func build(subjectKey: OwnedKey, issuer: (certificate: OwnedCertificate, key: OwnedKey)?) throws -> OwnedCertificate {
        OpenSSLErrorQueue.clear()
        guard let raw = X509_new() else {
            throw TLSError.drainingQueue(.certificateGenerationFailed, "X509_new failed")
        }
        let cert = OwnedCertificate(raw)
        func check(_ ok: Bool, _ what: String) throws {
            if !ok { throw TLSError.drainingQueue(.certificateGenerationFailed, what) }
        }
        try check(X509_set_version(raw, 2) == 1, "X509_set_version")  // 2 means v3
        try setRandomSerial(raw)
        // Back-date by an hour so small clock differences between hosts don't
        // make a just-created certificate "not yet valid".
        try check(X509_gmtime_adj(X509_getm_notBefore(raw), -3600) != nil, "notBefore")
        try check(X509_gmtime_adj(X509_getm_notAfter(raw), validityDays * 86_400) != nil, "notAfter")
        try check(X509_set_pubkey(raw, subjectKey.pointer) == 1, "X509_set_pubkey")

        let name = X509_get_subject_name(raw)
        try addNameEntry(name, "O", organization)
        try addNameEntry(name, "CN", commonName)
        let issuerName = issuer.map { X509_get_subject_name($0.certificate.pointer) } ?? name
        try check(X509_set_issuer_name(raw, issuerName) == 1, "X509_set_issuer_name")

        var v3 = X509V3_CTX()
        imarket_X509V3_set_ctx_nodb(&v3)
        X509V3_set_ctx(&v3, issuer?.certificate.pointer ?? raw, raw, nil, nil, 0)
        for (nid, value) in extensions {
            guard let ext = X509V3_EXT_conf_nid(nil, &v3, nid, value) else {
                throw TLSError.drainingQueue(.certificateGenerationFailed, "extension \(nid)=\(value)")
            }
            defer { X509_EXTENSION_free(ext) }
            try check(X509_add_ext(raw, ext, -1) == 1, "X509_add_ext \(value)")
        }

        let signingKey = issuer?.key ?? subjectKey
        try check(X509_sign(raw, signingKey.pointer, EVP_sha256()) > 0, "X509_sign")
        return cert
    }

    /// 127-bit random serial: unique without bookkeeping, positive as RFC 5280 requires.
    private func setRandomSerial(_ cert: OpaquePointer) throws {
        guard let bn = BN_new() else {
            throw TLSError.drainingQueue(.certificateGenerationFailed, "BN_new failed")
        }
        defer { BN_free(bn) }
        guard BN_rand(bn, 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) == 1,
              BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert)) != nil
        else {
            throw TLSError.drainingQueue(.certificateGenerationFailed, "serial number")
        }
    }

    private func addNameEntry(_ name: OpaquePointer?, _ field: String, _ value: String) throws {
        let ok = value.withCString { cValue in
            cValue.withMemoryRebound(to: UInt8.self, capacity: value.utf8.count + 1) {
                X509_NAME_add_entry_by_txt(name, field, imarket_MBSTRING_ASC(), $0, -1, -1, 0)
            }
        }
        guard ok == 1 else {
            throw TLSError.drainingQueue(.certificateGenerationFailed, "subject name \(field)=\(value)")
        }
    }
}
