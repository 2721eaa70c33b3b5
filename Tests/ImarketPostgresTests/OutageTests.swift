import Foundation
import ImarketPostgres
import ImarketTestSupport
import XCTest

/// Stops and restarts the shared test cluster under load: calls must fail with
/// `.unavailable` while it is down and the same pool must heal by itself afterwards.
final class OutageTests: PostgresTestCase {
    func testPoolHealsAfterServerRestartUnderLoad() async throws {
        let pool = try makePool(size: 4)
        let outcomes = Counter()
        let phase = Counter()  // "down" / "up" markers set by the test
        let stop = Counter()

        let workers = (0..<3).map { worker in
            Task {
                while stop.value() == 0 {
                    do {
                        let value = try await pool.withConnection { try $0.query("SELECT $1::int8 AS n", [worker])[0].int("n") }
                        XCTAssertEqual(value, worker)
                        outcomes.increment(phase.value("restarted") > 0 ? "okAfter" : "ok")
                    } catch let error as PostgresError where error.code == .unavailable {
                        XCTAssertTrue(error.isConnectionFailure)
                        outcomes.increment(phase.value("down") > 0 ? "unavailableWhileDown" : "unavailable")
                    } catch {
                        outcomes.increment("other")
                        XCTFail("unexpected error during outage: \(error)")
                    }
                    try? await Task.sleep(for: .milliseconds(5))
                }
            }
        }

        try await Task.sleep(for: .milliseconds(300))
        XCTAssertGreaterThan(outcomes.value("ok"), 0)
        try await offloaded { try TestCluster.shared.stopServer() }
        phase.increment("down")
        try await Task.sleep(for: .milliseconds(400))
        let whileDown = await expectPostgresError { try await pool.withConnection { try $0.query("SELECT 1") } }
        XCTAssertEqual(whileDown?.code, .unavailable)
        let healthyWhileDown = await pool.isHealthy()
        XCTAssertFalse(healthyWhileDown)

        try await offloaded { try TestCluster.shared.startServer() }
        phase.increment("restarted")
        let deadline = Date().addingTimeInterval(10)
        while outcomes.value("okAfter") < 20, Date() < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        stop.increment()
        for worker in workers { await worker.value }

        XCTAssertGreaterThan(outcomes.value("unavailableWhileDown"), 0)
        XCTAssertGreaterThanOrEqual(outcomes.value("okAfter"), 20, "pool did not heal after restart")
        XCTAssertEqual(outcomes.value("other"), 0)
        let healthy = await pool.isHealthy()
        XCTAssertTrue(healthy)
    }

    func testTerminatedBackendIsReplaced() async throws {
        let pool = try makePool(size: 1)
        let firstPID = try await pool.withConnection { $0.backendPID }
        let killer = try makePool(size: 1)
        let terminated = try await killer.withConnection { try $0.query("SELECT pg_terminate_backend($1) AS ok", [firstPID])[0].bool("ok") }
        XCTAssertTrue(terminated)
        try await Task.sleep(for: .milliseconds(100))
        let secondPID = try await pool.withConnection { $0.backendPID }
        XCTAssertNotEqual(firstPID, secondPID)
    }
}
