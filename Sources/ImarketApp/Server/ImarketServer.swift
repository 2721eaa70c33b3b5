import Foundation
import ImarketHTTP
import ImarketJSONRPC
import ImarketPostgres
import ImarketTLS
import Logging

/// A running imarket server: database (embedded or external), migrations, background workers,
/// and the HTTPS listener. `imarket serve` and the integration tests both start it this way.
public final class ImarketServer: Sendable {
    public let configuration: ServeConfiguration
    public let http: HTTPServer
    public let services: AppServices
    private let database: DatabaseTarget
    private let pool: PostgresPool
    private let listener: PostgresListener
    private let deadlines: DeadlineWorker

    public var port: Int { http.localPort }

    public static func start(_ configuration: ServeConfiguration, logger: Logger) async throws -> ImarketServer {
        let dataDirectory = DataDirectory(configuration.dataDirectory)
        let database = try DatabaseTarget.open(
            databaseURL: configuration.databaseURL, dataDirectory: dataDirectory, alwaysStopCluster: true, logger: logger)
        let pool = database.makePool(poolSize: configuration.poolSize)
        do {
            if configuration.migrate {
                let applied = try await database.migrate(pool: pool)
                if !applied.isEmpty { logger.info("migrations applied", metadata: ["versions": "\(applied)"]) }
            }
            if database.isEmbedded && !dataDirectory.hasAdminToken {
                let token = try await AdminBootstrap.createAdminToken(pool: pool, label: "embedded default")
                try dataDirectory.writeAdminToken(token)
                logger.info("admin token written", metadata: ["file": "\(dataDirectory.adminTokenPath)"])
            }
            let tls = try makeTLSContext(configuration, dataDirectory: dataDirectory)
            let services = AppServices(pool: pool, logger: logger)
            let engine = RPCEngine(
                registry: Methods.registry(),
                info: OpenRPCInfo(title: "imarket", version: services.version,
                                  description: "Online intermediary-service marketplace: JSON-RPC 2.0 API"),
                authorize: { method, context in try Authorization.check(method, context) },
                onError: { error, method in
                    logger.error("method failed", metadata: ["method": "\(method?.name ?? "-")", "error": "\(error)"])
                })
            let (host, port) = try configuration.listenAddress()
            let listener = PostgresListener(
                configuration: PostgresConfiguration(conninfo: database.conninfo), channel: EventBus.channel, logger: logger
            ) { [subscriptions = services.subscriptions] note in subscriptions.deliver(payload: note.payload) }
            listener.start()
            let http: HTTPServer
            do {
                http = try await HTTPServer.start(
                    configuration: HTTPServerConfiguration(
                        host: host, port: port, maxBodySize: configuration.maxBodySize, requestExecutor: pool.taskExecutor),
                    tls: tls,
                    responder: RPCResponder(engine: engine, services: services),
                    webSocket: WebSocketRPC(engine: engine, services: services),
                    logger: logger)
            } catch {
                listener.stop()
                throw error
            }
            let deadlines = DeadlineWorker(database: services.database, logger: logger)
            deadlines.start()
            return ImarketServer(configuration: configuration, http: http, services: services, database: database, pool: pool,
                                 listener: listener, deadlines: deadlines)
        } catch {
            await pool.shutdownGracefully()
            database.close()
            throw error
        }
    }

    private init(configuration: ServeConfiguration, http: HTTPServer, services: AppServices,
                 database: DatabaseTarget, pool: PostgresPool, listener: PostgresListener, deadlines: DeadlineWorker) {
        self.listener = listener
        self.deadlines = deadlines
        self.configuration = configuration
        self.http = http
        self.services = services
        self.database = database
        self.pool = pool
    }

    /// Stops listening, drains the pool and stops the embedded cluster if there is one.
    public func shutdown() async {
        await http.shutdown()
        await deadlines.stop()
        listener.stop()
        await pool.shutdownGracefully()
        database.close()
    }

    static func makeTLSContext(_ configuration: ServeConfiguration, dataDirectory: DataDirectory) throws -> TLSContext {
        let certificate: String
        let key: String
        if let cert = configuration.tlsCertificatePath {
            guard let k = configuration.tlsKeyPath else { throw ConfigurationError("--tls-cert needs --tls-key") }
            certificate = cert
            key = k
        } else {
            let paths = try dataDirectory.developmentCertificates()
            certificate = paths.serverCertificatePath
            key = paths.serverKeyPath
        }
        return try TLSContext(server: TLSConfiguration(
            certificateChainPath: certificate, privateKeyPath: key, clientCAPath: configuration.clientCAPath))
    }
}

/// Creating admin credentials outside the API (first start, `imarket token create`).
public enum AdminBootstrap {
    /// Creates a new admin account named after `label` and returns its token text.
    public static func createAdminToken(pool: PostgresPool, label: String) async throws -> String {
        try await createToken(pool: pool, role: .admin, label: label, accountId: nil).token
    }

    /// A token for an existing account, or for a new account of `role` when `accountId` is nil.
    /// Audited like the API's `token.create`, with no actor (the command line).
    public static func createToken(pool: PostgresPool, role: Role, label: String, accountId: String?) async throws -> AccountStore.IssuedToken {
        try await pool.transaction { connection in
            let account: Caller
            if let accountId {
                guard let existing = try AccountStore.caller(accountId: accountId, connection) else {
                    throw ConfigurationError("no account \(accountId)")
                }
                guard existing.role == role else {
                    throw ConfigurationError("account \(accountId) has role \(existing.role.rawValue), not \(role.rawValue)")
                }
                account = existing
            } else {
                guard role == .admin || role == .overseer else {
                    throw ConfigurationError("--account is required for role \(role.rawValue): purchasers and agencies are created through the API")
                }
                account = try AccountStore.createAccount(connection, role: role, name: label)
            }
            let issued = try AccountStore.createToken(connection, accountId: account.accountId, label: label)
            let params: JSONValue = ["accountId": .string(account.accountId), "label": .string(label)]
            try AuditLog.append(connection, actorId: nil, method: "cli.token.create",
                                subject: AuditSubject("account", account.accountId),
                                digest: AuditLog.digest(params: params, result: ["tokenId": .string(issued.tokenId)]))
            return issued
        }
    }
}
