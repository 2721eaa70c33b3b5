import Foundation
import ImarketJSONRPC
import ImarketTestSupport
import XCTest

/// The database stopped and started under load: clients get -32050 and /readyz 503 while it is
/// down, and the server recovers by itself once it is back.
final class DatabaseOutageTests: IntegrationTestCase {
    func testServerRecoversAfterDatabaseRestartUnderLoad() throws {
        let admin = try adminClient()
        XCTAssertNotNil(try admin.call("rules.get").result)

        let stop = Date().addingTimeInterval(8)
        let group = DispatchGroup()
        let counts = Counts()
        for _ in 0..<4 {
            let client = try adminClient()
            group.enter()
            Thread.detachNewThread {
                defer { group.leave() }
                while Date() < stop {
                    guard let outcome = try? client.call("rules.get") else { counts.add(transport: 1); continue }
                    if outcome.result != nil { counts.add(ok: 1) } else if outcome.code == -32050 { counts.add(unavailable: 1) } else { counts.add(other: 1) }
                }
            }
        }
        Thread.sleep(forTimeInterval: 1.5)
        try TestCluster.shared.stopServer()
        Thread.sleep(forTimeInterval: 1.0)
        let probe = try anonymousClient()
        XCTAssertEqual(try probe.http.request(method: "GET", path: "/readyz").status, 503)
        XCTAssertEqual(try probe.http.request(method: "GET", path: "/healthz").status, 200)
        let down = try admin.call("rules.get")
        XCTAssertEqual(down.code, -32050, "\(down)")
        XCTAssertEqual(down.reason, "unavailable")
        try TestCluster.shared.startServer()
        group.wait()

        XCTAssertNotNil(try admin.call("rules.get").result, "server recovered without a restart")
        XCTAssertEqual(try probe.http.request(method: "GET", path: "/readyz").status, 200)
        let c = counts.snapshot()
        XCTAssertGreaterThan(c.ok, 0)
        XCTAssertGreaterThan(c.unavailable, 0)
        XCTAssertEqual(c.other, 0, "no internal errors during the outage")
        XCTAssertEqual(c.transport, 0, "connections stay usable during the outage")
    }

    final class Counts: @unchecked Sendable {
        private let lock = NSLock()
        private var ok = 0, unavailable = 0, other = 0, transport = 0
        func add(ok: Int = 0, unavailable: Int = 0, other: Int = 0, transport: Int = 0) {
            lock.lock(); defer { lock.unlock() }
            self.ok += ok; self.unavailable += unavailable; self.other += other; self.transport += transport
        }
        func snapshot() -> (ok: Int, unavailable: Int, other: Int, transport: Int) {
            lock.lock(); defer { lock.unlock() }
            return (ok, unavailable, other, transport)
        }
    }
}
