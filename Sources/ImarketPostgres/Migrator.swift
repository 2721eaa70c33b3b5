/// One schema change, supplied by the app (it embeds `Schema/NNNN_name.sql`).
public struct Migration: Sendable, Hashable {
    public let version: Int
    public let name: String
    public let sql: String

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }
}

public enum MigrationError: Error, Equatable, CustomStringConvertible {
    /// An applied migration's SQL was edited afterwards; the schema no longer matches the source.
    case checksumMismatch(version: Int, name: String)
    /// The database has a migration this build does not know (a newer build ran, or a file was deleted).
    case unknownAppliedVersion(version: Int, name: String)
    /// Two supplied migrations share a version number.
    case duplicateVersion(Int)

    public var description: String {
        switch self {
        case let .checksumMismatch(version, name):
            return "migration \(version) (\(name)) was changed after it was applied"
        case let .unknownAppliedVersion(version, name):
            return "database has migration \(version) (\(name)) that this build does not contain"
        case let .duplicateVersion(version):
            return "two migrations share version \(version)"
        }
    }
}

/// Applies pending migrations in version order, each in its own transaction together
/// with its `schema_migrations` row, so a failure leaves no half-applied version.
///
/// All work happens on one pooled session holding `pg_advisory_lock(lockKey)`, so two
/// instances starting together serialize: the second one waits, then finds nothing to do.
public struct Migrator: Sendable {
    public let migrations: [Migration]
    public let checksum: @Sendable (String) -> String
    public let lockKey: Int64

    /// "imarket" in ASCII; any fixed value works as long as every instance agrees.
    public static let defaultLockKey: Int64 = 0x69_6d_61_72_6b_65_74

    public init(
        migrations: [Migration],
        checksum: @escaping @Sendable (String) -> String,
        lockKey: Int64 = Migrator.defaultLockKey
    ) {
        self.migrations = migrations.sorted { $0.version < $1.version }
        self.checksum = checksum
        self.lockKey = lockKey
    }

    /// Applies what is pending and returns the versions applied now, ascending.
    @discardableResult
    public func migrate(pool: PostgresPool) async throws -> [Int] {
        let migrator = self
        return try await pool.withConnection { connection in
            try migrator.locked(connection) {
                let pending = try migrator.verifiedPending(connection)
                for migration in pending {
                    try connection.inTransaction { connection in
                        try connection.simpleQuery(migration.sql)
                        try connection.execute(
                            "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES ($1, $2, $3, now())",
                            [migration.version, migration.name, migrator.checksum(migration.sql)]
                        )
                    }
                }
                return pending.map(\.version)
            }
        }
    }

    /// Migrations not yet applied (after the same consistency checks `migrate` makes).
    public func pending(pool: PostgresPool) async throws -> [Migration] {
        let migrator = self
        return try await pool.withConnection { connection in
            try migrator.locked(connection) { try migrator.verifiedPending(connection) }
        }
    }

    /// Runs `body` holding the advisory lock, with no statement timeout (a migration or a
    /// wait for another instance may legitimately take long), restoring both afterwards.
    private func locked<T>(_ connection: PostgresConnection, _ body: () throws -> T) throws -> T {
        let previousTimeout = try connection.query("SELECT current_setting('statement_timeout') AS value").first?.string("value") ?? "0"
        try connection.query("SELECT set_config('statement_timeout', '0', false)")
        defer { _ = try? connection.query("SELECT set_config('statement_timeout', $1, false)", [previousTimeout]) }
        try connection.query("SELECT pg_advisory_lock($1)", [lockKey])
        defer { _ = try? connection.query("SELECT pg_advisory_unlock($1)", [lockKey]) }
        try connection.simpleQuery("""
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version integer PRIMARY KEY,
                name text NOT NULL,
                checksum text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """)
        return try body()
    }

    private func verifiedPending(_ connection: PostgresConnection) throws -> [Migration] {
        var byVersion: [Int: Migration] = [:]
        for migration in migrations {
            if byVersion.updateValue(migration, forKey: migration.version) != nil {
                throw MigrationError.duplicateVersion(migration.version)
            }
        }
        var applied = Set<Int>()
        for row in try connection.query("SELECT version, name, checksum FROM schema_migrations ORDER BY version") {
            let version = try row.int("version")
            let name = try row.string("name")
            guard let migration = byVersion[version] else {
                throw MigrationError.unknownAppliedVersion(version: version, name: name)
            }
            guard try row.string("checksum") == checksum(migration.sql) else {
                throw MigrationError.checksumMismatch(version: version, name: migration.name)
            }
            applied.insert(version)
        }
        return migrations.filter { !applied.contains($0.version) }
    }
}
