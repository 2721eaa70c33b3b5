import Foundation
import ImarketPostgres
import ImarketTestSupport
import XCTest

/// Base class: each test class gets its own database in the shared test cluster, and
/// every pool a test makes is shut down (connections closed) when the test ends.
class PostgresTestCase: XCTestCase {
    private nonisolated(unsafe) static var conninfoByClass: [String: String] = [:]
    private var pools: [PostgresPool] = []

    /// This class's database, created on first use.
    func conninfo() throws -> String {
        let key = String(describing: type(of: self))
        if let existing = Self.conninfoByClass[key] { return existing }
        let made = try TestCluster.shared.makeDatabase(name: key)
        Self.conninfoByClass[key] = made
        return made
    }

    func makePool(
        size: Int = 4,
        statementTimeout: Duration = .seconds(30),
        acquireTimeout: Duration = .seconds(10),
        taskWaitLimit: Duration = .seconds(1),
        busyThreads: Int = 1,
        conninfo: String? = nil
    ) throws -> PostgresPool {
        let pool = PostgresPool(configuration: PostgresConfiguration(
            conninfo: try conninfo ?? self.conninfo(), poolSize: size,
            statementTimeout: statementTimeout, applicationName: "imarket-tests", acquireTimeout: acquireTimeout,
            taskWaitLimit: taskWaitLimit, busyThreads: busyThreads))
        pools.append(pool)
        return pool
    }

    @concurrent override func tearDown() async throws {
        for pool in pools { await pool.shutdownGracefully() }
        pools.removeAll()
        try await super.tearDown()
    }

    /// Runs blocking work (pg_ctl, sleeps) off the cooperative pool.
    func offloaded<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try work() }) }.start()
        }
    }
}

/// Asserts that `body` throws a PostgresError and returns it for further checks.
func expectPostgresError<T>(
    _ body: () async throws -> T, file: StaticString = #filePath, line: UInt = #line
) async -> PostgresError? {
    do {
        _ = try await body()
        XCTFail("expected a PostgresError", file: file, line: line)
    } catch let error as PostgresError {
        return error
    } catch {
        XCTFail("expected a PostgresError, got \(error)", file: file, line: line)
    }
    return nil
}

/// A thread-safe counter for closures that run on pool threads.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var counts: [String: Int] = [:]

    func increment(_ key: String = "") { lock.withLock { counts[key, default: 0] += 1 } }
    func value(_ key: String = "") -> Int { lock.withLock { counts[key, default: 0] } }
}

/// Makes N threads wait for each other once (first attempt only in the conflict test).
final class Barrier: @unchecked Sendable {
    private let condition = NSCondition()
    private var arrived = 0
    private let parties: Int

    init(parties: Int) { self.parties = parties }

    func arriveAndWait(timeout: TimeInterval = 5) {
        condition.lock()
        defer { condition.unlock() }
        arrived += 1
        condition.broadcast()
        let deadline = Date().addingTimeInterval(timeout)
        while arrived < parties, condition.wait(until: deadline) {}
    }
}
