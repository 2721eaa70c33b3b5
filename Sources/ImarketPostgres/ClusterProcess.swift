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
    func run(_ executable: String, _ arguments: [String]) throws -> Outcome {
        let process = Process()
        if let runAsUser {
            guard let runuser = ["/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser"]
                .first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
                throw EmbeddedClusterError("running as root needs runuser(1) (util-linux) to drop privileges")
            }
            process.executableURL = URL(fileURLWithPath: runuser)
            process.arguments = ["-u", runAsUser, "--", executable] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
        }
        // The unprivileged user may not be able to enter our working directory.
        process.currentDirectoryURL = URL(fileURLWithPath: "/")
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw EmbeddedClusterError("cannot run \(executable): \(error)")
        }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Outcome(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self))
    }

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
