import Foundation
import Glibc

/// A private PostgreSQL cluster in a directory: the server's embedded default mode and
/// the test harness. It listens on a Unix socket only (listen_addresses = ''), in a
/// socket directory only its owner can enter, so nothing else on the host can reach it
/// and the port number never clashes with another server.
///
/// Methods block (they run initdb/pg_ctl): call them at startup or from a thread you own.
public final class EmbeddedCluster: @unchecked Sendable {
    public let dataDirectory: String
    public let port: Int
    /// Turns fsync, synchronous_commit and full_page_writes off: faster, not crash-safe.
    public let fastTestMode: Bool
    public static let userName = "imarket"
    public static let databaseName = "imarket"

    private let requestedBinDirectory: String?
    private let process = ClusterProcess(runAsUser: ClusterProcess.unprivilegedUserIfRoot())
    private let lock = NSLock()
    /// Remembered across stop/start so the conninfo handed out stays valid.
    private var socketDirectory: String?
    private var activePort: Int

    /// Unix socket paths are limited to 107 bytes (sun_path minus the terminator).
    static let maxSocketPathLength = 107

    public init(dataDirectory: String, binDirectory: String? = nil, port: Int = 5432, fastTestMode: Bool = false) {
        self.dataDirectory = (dataDirectory as NSString).standardizingPath
        self.requestedBinDirectory = binDirectory
        self.port = port
        self.activePort = port
        self.fastTestMode = fastTestMode
    }

    /// The OS user running initdb/postgres when this process is root, else nil.
    public var serverOSUser: String? { process.runAsUser }

    /// Creates the cluster if needed, starts it (or adopts one already running there),
    /// makes sure database `imarket` exists, and returns its conninfo.
    @discardableResult
    public func start() throws -> String {
        lock.lock()
        defer { lock.unlock() }
        let bin = try requestedBinDirectory ?? ClusterProcess.findBinDirectory()
        try prepareDataDirectory()
        if !FileManager.default.fileExists(atPath: dataDirectory + "/PG_VERSION") {
            try initialize(bin: bin)
        }
        if let running = try runningServer(bin: bin) {
            socketDirectory = running.socketDirectory
            activePort = running.port
        } else {
            let socket = try prepareSocketDirectory()
            activePort = port
            try writeConfiguration(socketDirectory: socket)
            do {
                try process.runChecked(bin + "/pg_ctl", [
                    "start", "-w", "-t", "60", "-D", dataDirectory, "-l", dataDirectory + "/postgres.log",
                ])
            } catch let error as EmbeddedClusterError {
                throw EmbeddedClusterError(error.message + "\n--- postgres.log (tail) ---\n" + logTail())
            }
        }
        try ensureDatabase(Self.databaseName, replacing: false)
        return conninfoLocked(database: Self.databaseName)
    }

    /// pg_ctl stop -m fast, waiting. Safe to call when not running.
    public func stop() throws {
        lock.lock()
        defer { lock.unlock() }
        let bin = try requestedBinDirectory ?? ClusterProcess.findBinDirectory()
        guard try runningServer(bin: bin) != nil else { return }
        try process.runChecked(bin + "/pg_ctl", ["stop", "-w", "-t", "60", "-m", "fast", "-D", dataDirectory])
    }

    /// Whether a postmaster is running on this data directory.
    public var isRunning: Bool {
        lock.lock()
        defer { lock.unlock() }
        guard let bin = try? requestedBinDirectory ?? ClusterProcess.findBinDirectory() else { return false }
        return ((try? runningServer(bin: bin)) ?? nil) != nil
    }

    /// libpq conninfo for a database of this cluster (valid once `start` has run).
    public func conninfo(database: String = EmbeddedCluster.databaseName) -> String {
        lock.lock()
        defer { lock.unlock() }
        return conninfoLocked(database: database)
    }

    /// Creates a database owned by `imarket`; with `replacing`, drops an existing one first
    /// (terminating its sessions). Names are restricted to [A-Za-z0-9_] since identifiers
    /// cannot be bound as parameters.
    public func createDatabase(_ name: String, replacing: Bool = false) throws {
        lock.lock()
        defer { lock.unlock() }
        try ensureDatabase(name, replacing: replacing)
    }

    // MARK: Steps

    private func conninfoLocked(database: String) -> String {
        ["host": socketDirectory ?? "", "port": String(activePort), "user": Self.userName, "dbname": database]
            .sorted { order($0.key) < order($1.key) }
            .map { "\($0.key)=\(conninfoQuote($0.value))" }
            .joined(separator: " ")
    }

    private func order(_ key: String) -> Int { ["host", "port", "user", "dbname"].firstIndex(of: key) ?? 9 }

    private func prepareDataDirectory() throws {
        let fileManager = FileManager.default
        if !fileManager.fileExists(atPath: dataDirectory) {
            // Parents get default permissions (they must stay traversable); only the cluster is private.
            do {
                try fileManager.createDirectory(atPath: (dataDirectory as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
            } catch {
                throw EmbeddedClusterError("cannot create the parent of \(dataDirectory): \(error)")
            }
            guard mkdir(dataDirectory, 0o700) == 0 || errno == EEXIST else {
                throw EmbeddedClusterError("cannot create \(dataDirectory): \(String(cString: strerror(errno)))")
            }
        }
        guard let user = process.runAsUser else { return }
        try process.giveAway(dataDirectory)
        chmod(dataDirectory, 0o700)
        // Path resolution needs search permission on every ancestor, for the server's user.
        let probe = try process.run("/usr/bin/test", ["-x", dataDirectory, "-a", "-w", dataDirectory])
        guard probe.status == 0 else {
            throw EmbeddedClusterError(
                "OS user '\(user)' (used because this process runs as root) cannot reach \(dataDirectory): "
                    + "every parent directory must be traversable (o+x) by that user")
        }
    }

    private func initialize(bin: String) throws {
        let locale = newlocale(Int32(1) << LC_CTYPE, "C.UTF-8", nil).map { freelocale($0); return "C.UTF-8" } ?? "C"
        var arguments = ["-D", dataDirectory, "-U", Self.userName, "--auth=trust", "-E", "UTF8", "--locale=" + locale]
        if fastTestMode { arguments.append("--no-sync") }
        try process.runChecked(bin + "/initdb", arguments)
    }

    /// `<dataDir>/run` when the socket path fits, else a fresh mkdtemp directory in /tmp.
    private func prepareSocketDirectory() throws -> String {
        if let socketDirectory, FileManager.default.fileExists(atPath: socketDirectory) { return socketDirectory }
        var directory = dataDirectory + "/run"
        if (directory + "/.s.PGSQL.\(port)").utf8.count > Self.maxSocketPathLength {
            var template = Array("/tmp/imarket-pg-XXXXXX".utf8CString)
            guard let made = mkdtemp(&template) else {
                throw EmbeddedClusterError("mkdtemp for the socket directory failed: \(String(cString: strerror(errno)))")
            }
            directory = String(cString: made)
        } else if !FileManager.default.fileExists(atPath: directory) {
            guard mkdir(directory, 0o700) == 0 else {
                throw EmbeddedClusterError("cannot create \(directory): \(String(cString: strerror(errno)))")
            }
        }
        chmod(directory, 0o700)
        try process.giveAway(directory)
        socketDirectory = directory
        return directory
    }

    /// Settings live in imarket.conf (rewritten every start, because the socket directory
    /// may differ) included from postgresql.conf, leaving the stock file otherwise intact.
    private func writeConfiguration(socketDirectory: String) throws {
        let durable = fastTestMode ? "off" : "on"
        let settings = """
            # Written by imarket's EmbeddedCluster on every start; edits are overwritten.
            listen_addresses = ''
            port = \(port)
            unix_socket_directories = \(confQuote(socketDirectory))
            unix_socket_permissions = 0700
            fsync = \(durable)
            synchronous_commit = \(durable)
            full_page_writes = \(durable)

            """
        let included = dataDirectory + "/imarket.conf"
        let main = dataDirectory + "/postgresql.conf"
        do {
            try settings.write(toFile: included, atomically: false, encoding: .utf8)
            let current = try String(contentsOfFile: main, encoding: .utf8)
            if !current.contains("include_if_exists = 'imarket.conf'") {
                let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: main))
                try handle.seekToEnd()
                try handle.write(contentsOf: Data("\ninclude_if_exists = 'imarket.conf'\n".utf8))
                try handle.close()
            }
        } catch {
            throw EmbeddedClusterError("cannot write the server configuration: \(error)")
        }
        try process.giveAway(included)
    }

    /// Port and socket directory of a live postmaster on this directory, read from
    /// postmaster.pid; nil when `pg_ctl status` says none is running (stale pid files
    /// from a crash are pg_ctl's and postgres's business).
    private func runningServer(bin: String) throws -> (port: Int, socketDirectory: String)? {
        guard FileManager.default.fileExists(atPath: dataDirectory + "/PG_VERSION") else { return nil }
        let status = try process.run(bin + "/pg_ctl", ["status", "-D", dataDirectory])
        guard status.status == 0 else { return nil }
        let lines = ((try? String(contentsOfFile: dataDirectory + "/postmaster.pid", encoding: .utf8)) ?? "")
            .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard lines.count >= 5, let port = Int(lines[3].trimmingCharacters(in: .whitespaces)), !lines[4].isEmpty else {
            throw EmbeddedClusterError("a server is running on \(dataDirectory) but postmaster.pid has no socket directory")
        }
        return (port, lines[4])
    }

    private func ensureDatabase(_ name: String, replacing: Bool) throws {
        guard let first = name.unicodeScalars.first, first == "_" || CharacterSet.letters.contains(first),
              name.unicodeScalars.allSatisfy({ $0.isASCII && ($0 == "_" || CharacterSet.alphanumerics.contains($0)) }),
              name.utf8.count < 64 else {
            throw EmbeddedClusterError("invalid database name \(name.debugDescription): use [A-Za-z0-9_]")
        }
        let connection = try PostgresConnection(configuration: PostgresConfiguration(
            conninfo: conninfoLocked(database: "postgres"), poolSize: 1, applicationName: "imarket-embedded"))
        let exists = try !connection.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]).isEmpty
        if exists && !replacing { return }
        if exists { try connection.simpleQuery("DROP DATABASE \"\(name)\" WITH (FORCE)") }
        try connection.simpleQuery("CREATE DATABASE \"\(name)\"")
    }

    private func logTail() -> String {
        let log = (try? String(contentsOfFile: dataDirectory + "/postgres.log", encoding: .utf8)) ?? ""
        return log.split(separator: "\n").suffix(20).joined(separator: "\n")
    }
}

/// postgresql.conf string literal: single quotes doubled.
private func confQuote(_ value: String) -> String {
    "'" + value.replacingOccurrences(of: "'", with: "''") + "'"
}

/// conninfo value: bare when safe, else single-quoted with \ and ' escaped.
func conninfoQuote(_ value: String) -> String {
    let safe = !value.isEmpty && value.unicodeScalars.allSatisfy { !$0.properties.isWhitespace && $0 != "'" && $0 != "\\" }
    if safe { return value }
    return "'" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'") + "'"
}
