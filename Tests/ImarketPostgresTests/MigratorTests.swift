import Foundation
import ImarketPostgres
import ImarketTLS
import ImarketTestSupport
import XCTest

final class MigratorTests: PostgresTestCase {
    private let migrations = [
        Migration(version: 2, name: "add_items", sql: "CREATE TABLE items (id int PRIMARY KEY, owner int REFERENCES owners(id));"),
        Migration(version: 1, name: "create_owners", sql: "CREATE TABLE owners (id int PRIMARY KEY); INSERT INTO owners VALUES (1);"),
        Migration(version: 3, name: "slow_index", sql: "SELECT pg_sleep(0.2); CREATE INDEX items_owner ON items (owner);"),
    ]

    /// A fresh database per test: migrations are about an empty schema.
    private func freshPool(_ name: String, size: Int = 2) throws -> PostgresPool {
        try makePool(size: size, conninfo: TestCluster.shared.makeDatabase(name: "migrator_" + name))
    }

    func testAppliesInOrderRecordsAndDoesNotReapply() async throws {
        let pool = try freshPool("order")
        let migrator = Migrator(migrations: migrations, checksum: { Crypto.sha256Hex($0) })
        let pendingBefore = try await migrator.pending(pool: pool)
        XCTAssertEqual(pendingBefore.map(\.version), [1, 2, 3])
        let applied = try await migrator.migrate(pool: pool)
        XCTAssertEqual(applied, [1, 2, 3])
        let recorded = try await pool.withConnection { connection in
            try connection.query("SELECT version, name, checksum FROM schema_migrations ORDER BY applied_at, version").map {
                "\(try $0.int("version")):\(try $0.string("name")):\(try $0.string("checksum"))"
            }
        }
        XCTAssertEqual(recorded, migrations.sorted { $0.version < $1.version }.map {
            "\($0.version):\($0.name):\(Crypto.sha256Hex($0.sql))"
        })
        let again = try await migrator.migrate(pool: pool)
        XCTAssertEqual(again, [])
        let pendingAfter = try await migrator.pending(pool: pool)
        XCTAssertEqual(pendingAfter, [])
        let timeout = try await pool.withConnection { try $0.query("SHOW statement_timeout")[0].string(0) }
        XCTAssertEqual(timeout, "30s", "migrator must restore the session's statement timeout")
    }

    func testChangedChecksumAndUnknownVersionAreDetected() async throws {
        let pool = try freshPool("checksum")
        try await Migrator(migrations: migrations, checksum: { Crypto.sha256Hex($0) }).migrate(pool: pool)
        var edited = migrations
        edited[1] = Migration(version: 1, name: "create_owners", sql: "CREATE TABLE owners (id bigint PRIMARY KEY);")
        do {
            try await Migrator(migrations: edited, checksum: { Crypto.sha256Hex($0) }).migrate(pool: pool)
            XCTFail("expected checksumMismatch")
        } catch let error as MigrationError {
            XCTAssertEqual(error, .checksumMismatch(version: 1, name: "create_owners"))
        }
        do {
            _ = try await Migrator(migrations: Array(migrations.prefix(2)), checksum: { Crypto.sha256Hex($0) }).pending(pool: pool)
            XCTFail("expected unknownAppliedVersion")
        } catch let error as MigrationError {
            XCTAssertEqual(error, .unknownAppliedVersion(version: 3, name: "slow_index"))
        }
    }

    func testFailedMigrationIsRolledBackAndNotRecorded() async throws {
        let pool = try freshPool("failure")
        let broken = [migrations[1], Migration(version: 2, name: "broken", sql: "CREATE TABLE half (id int); SELECT no_such_function();")]
        let error = await expectPostgresError { try await Migrator(migrations: broken, checksum: { Crypto.sha256Hex($0) }).migrate(pool: pool) }
        XCTAssertEqual(error?.sqlState, "42883")
        let state = try await pool.withConnection { connection in
            (try connection.query("SELECT version FROM schema_migrations").map { try $0.int(0) },
             try connection.query("SELECT to_regclass('half') IS NULL AS gone")[0].bool(0))
        }
        XCTAssertEqual(state.0, [1])
        XCTAssertTrue(state.1)
    }

    func testRacingMigratorsApplyEachMigrationOnce() async throws {
        let name = "race"
        let poolA = try freshPool(name)
        let poolB = try makePool(size: 2, conninfo: poolA.configuration.conninfo)
        let migrator = Migrator(migrations: migrations, checksum: { Crypto.sha256Hex($0) })
        async let appliedA = migrator.migrate(pool: poolA)
        async let appliedB = migrator.migrate(pool: poolB)
        let results = try await [appliedA, appliedB]
        XCTAssertEqual((results[0] + results[1]).sorted(), [1, 2, 3])
        let count = try await poolA.withConnection { try $0.query("SELECT count(*) FROM schema_migrations")[0].int(0) }
        XCTAssertEqual(count, 3)
    }
}
