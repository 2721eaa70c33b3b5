import COpenSSL

#if canImport(Glibc)
import Glibc
#endif

/// Where `DevCertificates.ensureServerCertificates(in:)` put its files.
public struct DevCertificatePaths: Sendable, Hashable {
    public let directory: String
    public let caCertificatePath: String
    public let caKeyPath: String
    public let serverCertificatePath: String
    public let serverKeyPath: String
}

/// A private development PKI: one CA, one server certificate for localhost, and
/// client certificates on demand (tests bind those to accounts). Production
/// deployments supply real certificates through `TLSConfiguration` instead.
public enum DevCertificates {
    /// Creates `dir` (mode 0700) and, if absent, `ca.pem`/`ca.key` (self-signed CA,
    /// 10 years) and `server.pem`/`server.key` (CA-signed, SAN localhost, 127.0.0.1,
    /// ::1, serverAuth, 2 years). Keys are EC P-256, files 0600. Existing files are
    /// reused so clients that trust `ca.pem` keep working across restarts; a new
    /// CA always gets a new server certificate.
    public static func ensureServerCertificates(in dir: String) throws -> DevCertificatePaths {
        try makeDirectory(dir)
        let paths = DevCertificatePaths(
            directory: dir,
            caCertificatePath: dir + "/ca.pem",
            caKeyPath: dir + "/ca.key",
            serverCertificatePath: dir + "/server.pem",
            serverKeyPath: dir + "/server.key"
        )
        var createdCA = false
        if !exists(paths.caCertificatePath) || !exists(paths.caKeyPath) {
            let key = try CertificateBuilder.generateKey()
            var builder = CertificateBuilder(commonName: "imarket development CA", validityDays: 3650)
            builder.extensions = [
                (NID_basic_constraints, "critical,CA:TRUE"),
                (NID_key_usage, "critical,keyCertSign,cRLSign"),
                (NID_subject_key_identifier, "hash"),
            ]
            let cert = try builder.build(subjectKey: key, issuer: nil)
            try X509Support.writeFileAtomically(try X509Support.pem(of: key), to: paths.caKeyPath, mode: 0o600)
            try X509Support.writeFileAtomically(try X509Support.pem(of: cert), to: paths.caCertificatePath, mode: 0o644)
            createdCA = true
        }
        if createdCA || !exists(paths.serverCertificatePath) || !exists(paths.serverKeyPath) {
            let issuer = try loadCA(directory: dir)
            let key = try CertificateBuilder.generateKey()
            var builder = CertificateBuilder(commonName: "localhost", validityDays: 730)
            builder.extensions = [
                (NID_basic_constraints, "critical,CA:FALSE"),
                (NID_key_usage, "critical,digitalSignature"),
                (NID_ext_key_usage, "serverAuth"),
                (NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1,IP:::1"),
                (NID_subject_key_identifier, "hash"),
                (NID_authority_key_identifier, "keyid:always"),
            ]
            let cert = try builder.build(subjectKey: key, issuer: issuer)
            try X509Support.writeFileAtomically(try X509Support.pem(of: key), to: paths.serverKeyPath, mode: 0o600)
            try X509Support.writeFileAtomically(try X509Support.pem(of: cert), to: paths.serverCertificatePath, mode: 0o644)
        }
        return paths
    }

    /// Issues a client certificate (clientAuth, 1 year) from the CA in `caDirectory`
    /// into `outputDirectory` as `client-<name>.pem` / `client-<name>.key` (0600),
    /// overwriting earlier ones. Returns the fingerprint the server will report as
    /// `TLSHandshakeCompleted.peerCertificateSHA256`.
    public static func issueClientCertificate(
        caDirectory: String, commonName: String, outputDirectory: String
    ) throws -> (certPath: String, keyPath: String, sha256Fingerprint: String) {
        try makeDirectory(outputDirectory)
        let issuer = try loadCA(directory: caDirectory)
        let safeName = String(commonName.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" })
        let certPath = outputDirectory + "/client-\(safeName).pem"
        let keyPath = outputDirectory + "/client-\(safeName).key"
        let key = try CertificateBuilder.generateKey()
        var builder = CertificateBuilder(commonName: commonName, validityDays: 365)
        builder.extensions = [
            (NID_basic_constraints, "critical,CA:FALSE"),
            (NID_key_usage, "critical,digitalSignature"),
            (NID_ext_key_usage, "clientAuth"),
            (NID_subject_key_identifier, "hash"),
            (NID_authority_key_identifier, "keyid:always"),
        ]
        let cert = try builder.build(subjectKey: key, issuer: issuer)
        try X509Support.writeFileAtomically(try X509Support.pem(of: key), to: keyPath, mode: 0o600)
        try X509Support.writeFileAtomically(try X509Support.pem(of: cert), to: certPath, mode: 0o644)
        return (certPath, keyPath, try X509Support.sha256Fingerprint(of: cert.pointer))
    }

    /// Lowercase hex SHA-256 of the DER of the first certificate in a PEM file.
    public static func fingerprint(ofPEMCertificateAt path: String) throws -> String {
        let cert = try X509Support.loadCertificate(path: path)
        return try X509Support.sha256Fingerprint(of: cert.pointer)
    }

    private static func loadCA(directory: String) throws -> (certificate: OwnedCertificate, key: OwnedKey) {
        (try X509Support.loadCertificate(path: directory + "/ca.pem"), try X509Support.loadPrivateKey(path: directory + "/ca.key"))
    }

    private static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    /// `mkdir -p` with mode 0700 for every directory it creates.
    private static func makeDirectory(_ path: String) throws {
        var prefix = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            prefix += "/" + component
            if mkdir(prefix, 0o700) != 0 && errno != EEXIST {
                throw X509Support.fileError("cannot create directory \(prefix)")
            }
        }
    }
}
