import Foundation
import Glibc

/// The real `imarket` binary started as a separate process against a test database, exactly
/// as an operator would run it. Tests talk to it only over TLS.
public final class ServerProcess: @unchecked Sendable {
    public let port: Int
    public let databaseURL: String
    public let dataDirectory: String
    public var caPath: String { dataDirectory + "/tls/ca.pem" }
    public var logPath: String { dataDirectory + "/server.log" }
    private let child: ChildProcess
    private var stopped = false

    /// The `imarket` executable built next to the test bundle.
    public static var binary: String {
        if let override = ProcessInfo.processInfo.environment["IMARKET_BINARY"] { return override }
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: exe).deletingLastPathComponent().appendingPathComponent("imarket").path
    }

    /// Starts a server on a free loopback port. `dataDirectory` defaults to a fresh temporary one
    /// (its `tls/` gets the development CA the clients trust).
    public init(databaseURL: String, dataDirectory: String? = nil, arguments: [String] = [],
                environment: [String: String] = [:]) throws {
        let dir = dataDirectory ?? ServerProcess.temporaryDirectory()
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        self.databaseURL = databaseURL
        self.dataDirectory = dir
        let stdoutPath = dir + "/server.stdout"
        try? FileManager.default.removeItem(atPath: stdoutPath)
        child = try ChildProcess.spawn(
            ServerProcess.binary,
            ["serve", "--database-url", databaseURL, "--data-dir", dir, "--listen", "127.0.0.1:0"] + arguments,
            stdout: stdoutPath, stderr: dir + "/server.log",
            environment: ["IMARKET_LOG_LEVEL": "warning"].merging(environment) { $1 })
        let deadline = Date().addingTimeInterval(60)
        var found: Int?
        while Date() < deadline {
            if let text = try? String(contentsOfFile: stdoutPath, encoding: .utf8),
               let line = text.split(separator: "\n").first(where: { $0.hasPrefix("imarket listening on port ") }),
               let port = Int(line.split(separator: " ").last ?? "") {
                found = port
                break
            }
            if let status = child.wait(seconds: 0.05) {
                let log = (try? String(contentsOfFile: dir + "/server.log", encoding: .utf8)) ?? ""
                throw TLSTestClientError("imarket serve exited with \(status): \(log)")
            }
        }
        guard let found else {
            child.signal(SIGKILL)
            child.wait()
            throw TLSTestClientError("imarket serve did not start within 60 s")
        }
        port = found
    }

    deinit { stop() }

    /// SIGTERM and wait (SIGKILL after 10 s).
    public func stop() {
        guard !stopped else { return }
        stopped = true
        child.signal(SIGTERM)
        if child.wait(seconds: 10) == nil {
            child.signal(SIGKILL)
            child.wait()
        }
    }

    /// Runs an `imarket` subcommand against this server's database.
    public func cli(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        try ChildProcess.run(ServerProcess.binary, arguments + ["--database-url", databaseURL])
    }

    /// A new admin token, created the documented way (`imarket token create`).
    public func createToken(role: String = "admin", label: String = "test", account: String? = nil) throws -> String {
        var args = ["token", "create", "--role", role, "--label", label]
        if let account { args += ["--account", account] }
        let result = try cli(args)
        guard result.status == 0, let token = result.stdout.split(separator: "\n").last else {
            throw TLSTestClientError("token create failed: \(result.stderr)")
        }
        return String(token)
    }

    public func client(token: String? = nil, certificatePath: String? = nil, keyPath: String? = nil) throws -> RPCTestClient {
        try RPCTestClient(port: port, caPath: caPath, token: token, certificatePath: certificatePath, keyPath: keyPath)
    }

    public static func temporaryDirectory() -> String {
        var template = Array("/tmp/imarket-srv-XXXXXX".utf8CString)
        let made = mkdtemp(&template).map { String(cString: $0) } ?? "/tmp/imarket-srv-\(UUID().uuidString)"
        return made
    }
}
