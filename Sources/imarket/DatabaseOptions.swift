import ArgumentParser
import ImarketApp
import ImarketPostgres
import Logging

/// `--database-url` / `--data-dir`, shared by every subcommand that touches the database.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .customLong("database-url"), help: "libpq URL or conninfo; without it the embedded cluster under --data-dir is used.")
    var databaseURL: String?

    @Option(name: .customLong("data-dir"), help: "Data directory of the embedded default.")
    var dataDirectory: String = "./.imarket"

    /// Opens the database (starting the embedded cluster if needed), runs `body` with a small pool,
    /// then closes everything it opened.
    func withDatabase<T>(migrate: Bool = true, _ body: (DatabaseTarget, PostgresPool) async throws -> T) async throws -> T {
        let logger = Logger(label: "imarket")
        let target = try DatabaseTarget.open(databaseURL: databaseURL, dataDirectory: DataDirectory(dataDirectory), logger: logger)
        let pool = target.makePool(poolSize: 2)
        do {
            if migrate { _ = try await target.migrate(pool: pool) }
            let value = try await body(target, pool)
            await pool.shutdownGracefully()
            target.close()
            return value
        } catch {
            await pool.shutdownGracefully()
            target.close()
            throw error
        }
    }
}
