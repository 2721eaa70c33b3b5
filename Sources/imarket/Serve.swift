import ArgumentParser
import Foundation
import ImarketApp
import Logging

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the HTTPS JSON-RPC server.")

    @Option(help: "HOST:PORT to listen on (default 127.0.0.1:8443).") var listen: String?
    @Option(name: .customLong("database-url"), help: "libpq URL or conninfo; without it the embedded cluster is used.") var databaseURL: String?
    @Option(name: .customLong("read-database-url"), help: "Replica for heavy read-only queries.") var readDatabaseURL: String?
    @Option(name: .customLong("data-dir"), help: "Data directory (default ./.imarket).") var dataDirectory: String?
    @Option(name: .customLong("tls-cert"), help: "PEM certificate chain.") var tlsCert: String?
    @Option(name: .customLong("tls-key"), help: "PEM private key.") var tlsKey: String?
    @Option(name: .customLong("client-ca"), help: "PEM CA for client certificates.") var clientCA: String?
    @Option(help: "JSON configuration file; flags override it.") var config: String?
    @Flag(name: .customLong("no-migrate"), help: "Do not apply pending migrations at start.") var noMigrate = false

    func run() async throws {
        LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
        var logger = Logger(label: "imarket")
        logger.logLevel = ProcessInfo.processInfo.environment["IMARKET_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info

        var settings = ServeConfiguration()
        if let config { try settings.load(configFile: config) }
        if let listen { settings.listen = listen }
        if let databaseURL { settings.databaseURL = databaseURL }
        if let readDatabaseURL { settings.readDatabaseURL = readDatabaseURL }
        if let dataDirectory { settings.dataDirectory = dataDirectory }
        if let tlsCert { settings.tlsCertificatePath = tlsCert }
        if let tlsKey { settings.tlsKeyPath = tlsKey }
        if let clientCA { settings.clientCAPath = clientCA }
        if noMigrate { settings.migrate = false }

        let server = try await ImarketServer.start(settings, logger: logger)
        // A line the test harness and scripts wait for.
        FileHandle.standardOutput.write(Data("imarket listening on port \(server.port)\n".utf8))
        let signal = await ShutdownSignal.wait()
        logger.info("shutting down", metadata: ["signal": "\(signal)"])
        await server.shutdown()
    }
}

/// Waits for SIGINT or SIGTERM without blocking a thread.
enum ShutdownSignal {
    static func wait() async -> Int32 {
        await withCheckedContinuation { continuation in
            let queue = DispatchQueue(label: "imarket.signals")
            let box = SignalSources(continuation)
            for sig in [SIGINT, SIGTERM] {
                signal(sig, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: sig, queue: queue)
                source.setEventHandler { box.fire(sig) }
                source.resume()
                box.sources.append(source)
            }
        }
    }

    private final class SignalSources: @unchecked Sendable {
        var sources: [DispatchSourceSignal] = []
        var continuation: CheckedContinuation<Int32, Never>?
        init(_ continuation: CheckedContinuation<Int32, Never>) { self.continuation = continuation }
        func fire(_ sig: Int32) {
            continuation?.resume(returning: sig)
            continuation = nil
        }
    }
}
