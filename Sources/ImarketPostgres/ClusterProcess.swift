import Foundation
import Glibc

/// Failure to set up, start or stop the embedded cluster, with the tool's output attached
/// so the operator can see why (initdb and pg_ctl explain themselves well).
public struct EmbeddedClusterError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { "EmbeddedCluster: \(message)" }
}

/// Runs PostgreSQL's command-line tools, optionally as another OS user via runuser(1),
/// because initdb and postgres refuse to run as root.
struct ClusterProcess: Sendable {
    struct Outcome {
        let status: Int32
        let output: String
    }

    /// The unprivileged account to run as, or nil to run as ourselves.
    let runAsUser: String?

    /// Picks `postgres` when running as root (falling back to `nobody`); nil otherwise.
    static func unprivilegedUserIfRoot() -> String? {
        guard geteuid() == 0 else { return nil }
        return getpwnam("postgres") != nil ? "postgres" : "nobody"
    }

    /// The (uid, gid) of `runAsUser`, for chown.
    func ownerIDs() -> (uid_t, gid_t)? {
        guard let runAsUser, let entry = getpwnam(runAsUser) else { return nil }
        return (entry.pointee.pw_uid, entry.pointee.pw_gid)
    }

    /// Hands a path we created as root to the unprivileged user; no-op otherwise.
    func giveAway(_ path: String) throws {
        guard let (uid, gid) = ownerIDs() else { return }
        guard chown(path, uid, gid) == 0 else {
            throw EmbeddedClusterError("cannot chown \(path) to \(runAsUser ?? "?"): \(String(cString: strerror(errno)))")
        }
    }

    /// Runs `executable` to completion, capturing stdout and stderr together.
    ///
    /// posix_spawn + waitpid rather than Foundation's Process: `pg_ctl start` leaves the
    /// postmaster running, and Process detects exit through a descriptor the daemon would
    /// inherit, so it never sees pg_ctl finish. Output goes to an unlinked temporary file
    /// for the same reason (a pipe would never reach EOF); other descriptors are left to FD_CLOEXEC (libpq and NIO set it on their sockets).
    func run(_ executable: String, _ arguments: [String]) throws -> Outcome {
        var argv = [executable] + arguments
        var path = executable
        if let runAsUser {
            guard let runuser = ["/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser"]
                .first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
                throw EmbeddedClusterError("running as root needs runuser(1) (util-linux) to drop privileges")
            }
            path = runuser
            argv = [runuser, "-u", runAsUser, "--"] + argv
        }
        // The unprivileged user may not be able to enter our working directory.
        argv = ["/bin/sh", "-c", "cd / && exec \"$@\"", "sh", path] + argv.dropFirst()
        path = "/bin/sh"
        var template = Array("/tmp/imarket-pgout-XXXXXX".utf8CString)
        let output = mkstemp(&template)
        guard output >= 0 else { throw EmbeddedClusterError("cannot create a temporary file: \(Self.lastError())") }
        defer { close(output) }
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, output, 1)
        posix_spawn_file_actions_adddup2(&actions, output, 2)

        let cArguments = argv.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        var pid = pid_t()
        let spawned = posix_spawn(&pid, path, &actions, nil, cArguments, environ)
        guard spawned == 0 else {
            throw EmbeddedClusterError("cannot run \(executable): \(String(cString: strerror(spawned)))")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { throw EmbeddedClusterError("waitpid failed: \(Self.lastError())") }
        }
        lseek(output, 0, SEEK_SET)
        var bytes = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(output, $0.baseAddress, $0.count) }
            if count <= 0 { break }
            bytes += buffer[0..<count]
        }
        // WIFEXITED / WEXITSTATUS are macros Swift cannot import.
        let exitStatus: Int32 = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return Outcome(status: exitStatus, output: String(decoding: bytes, as: UTF8.self))
    }

    private static func lastError() -> String { String(cString: strerror(errno)) }

    /// Runs and throws with the captured output unless the exit status is 0.
    @discardableResult
    func runChecked(_ executable: String, _ arguments: [String]) throws -> String {
        let outcome = try run(executable, arguments)
        guard outcome.status == 0 else {
            let tool = (executable as NSString).lastPathComponent
            throw EmbeddedClusterError("\(tool) failed (exit \(outcome.status)): \(outcome.output.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        return outcome.output
    }

    /// Finds a directory holding initdb and pg_ctl: PATH first, then the newest
    /// /usr/lib/postgresql/<version>/bin (Debian's layout).
    static func findBinDirectory() throws -> String {
        let fileManager = FileManager.default
        func hasTools(_ directory: String) -> Bool {
            ["initdb", "pg_ctl"].allSatisfy { fileManager.isExecutableFile(atPath: directory + "/" + $0) }
        }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        if let directory = path.split(separator: ":").map(String.init).first(where: hasTools) {
            return directory
        }
        let root = "/usr/lib/postgresql"
        let versions = ((try? fileManager.contentsOfDirectory(atPath: root)) ?? [])
            .compactMap { name -> (Double, String)? in Double(name).map { ($0, name) } }
            .sorted { $0.0 > $1.0 }
        if let match = versions.map({ "\(root)/\($0.1)/bin" }).first(where: hasTools) {
            return match
        }
        throw EmbeddedClusterError("cannot find initdb/pg_ctl in PATH or /usr/lib/postgresql/*/bin")
    }
}
