import Foundation
import Glibc
import ImarketPostgres

/// One private PostgreSQL cluster per test process, started on first use in a fresh
/// temporary directory (fsync off) and stopped when the process exits. Test classes get
/// isolation by asking for their own database rather than their own cluster.
public final class TestCluster: @unchecked Sendable {
    public static let shared = TestCluster()

    private let lock = NSLock()
    private var cluster: EmbeddedCluster?
    private var root: String?

    private init() {}

    /// The running cluster, started on first call.
    public func embedded() throws -> EmbeddedCluster {
        lock.lock()
        defer { lock.unlock() }
        if let cluster { return cluster }
        var template = Array("/tmp/imarket-test-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw EmbeddedClusterError("mkdtemp failed") }
        let directory = String(cString: made)
        // mkdtemp makes 0700; the server may run as another user (we may be root) and must traverse it.
        chmod(directory, 0o711)
        let cluster = EmbeddedCluster(dataDirectory: directory + "/data", fastTestMode: true)
        try cluster.start()
        self.cluster = cluster
        self.root = directory
        atexit { TestCluster.shared.tearDownAtExit() }
        return cluster
    }

    /// Creates (or recreates) a database for one test class and returns its conninfo.
    /// Names are sanitized to [a-z0-9_].
    public func makeDatabase(name: String) throws -> String {
        let cluster = try embedded()
        let sanitized = String(name.lowercased().unicodeScalars.map {
            ($0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "_")) ? Character($0) : "_"
        }.prefix(50))
        let database = "t_" + sanitized
        try cluster.createDatabase(database, replacing: true)
        return cluster.conninfo(database: database)
    }

    /// Stops the server (fast shutdown) for outage tests; the socket directory is kept so
    /// existing conninfo strings work again after `startServer()`.
    public func stopServer() throws {
        try embedded().stop()
    }

    public func startServer() throws {
        try embedded().start()
    }

    private func tearDownAtExit() {
        lock.lock()
        defer { lock.unlock() }
        try? cluster?.stop()
        if let root { try? FileManager.default.removeItem(atPath: root) }
        cluster = nil
    }
}
