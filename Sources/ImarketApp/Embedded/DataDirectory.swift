import Foundation
import ImarketPostgres
import ImarketTLS

/// The files of the embedded default under `<data-dir>` (API section 13):
/// `pg/` the private PostgreSQL cluster, `tls/` the development CA and server certificate,
/// `admin.token` the first admin token (mode 0600).
public struct DataDirectory: Sendable {
    public let path: String

    public init(_ path: String) {
        self.path = URL(fileURLWithPath: path).standardizedFileURL.path
    }

    public var clusterPath: String { path + "/pg" }
    public var tlsPath: String { path + "/tls" }
    public var adminTokenPath: String { path + "/admin.token" }

    public func create() throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        // An existing directory keeps its mode, but the cluster user must be able to traverse it.
        chmod(path, 0o711)
    }

    public func developmentCertificates() throws -> DevCertificatePaths {
        try create()
        return try DevCertificates.ensureServerCertificates(in: tlsPath)
    }

    public func embeddedCluster() -> EmbeddedCluster {
        EmbeddedCluster(dataDirectory: clusterPath)
    }

    /// Writes the token file readable by its owner only. Fails if the file already exists, so a
    /// token shown once is never silently replaced.
    public func writeAdminToken(_ token: String) throws {
        let fd = open(adminTokenPath, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else { throw DataDirectoryError.cannotWrite(adminTokenPath, String(cString: strerror(errno))) }
        defer { close(fd) }
        let line = token + "\n"
        let written = line.withCString { write(fd, $0, strlen($0)) }
        guard written == line.utf8.count else { throw DataDirectoryError.cannotWrite(adminTokenPath, "short write") }
    }

    public var hasAdminToken: Bool { FileManager.default.fileExists(atPath: adminTokenPath) }
}

public enum DataDirectoryError: Error, CustomStringConvertible {
    case cannotWrite(String, String)

    public var description: String {
        switch self {
        case .cannotWrite(let path, let why): return "cannot write \(path): \(why)"
        }
    }
}
