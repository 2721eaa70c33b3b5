import Foundation
import ImarketJSONRPC
import ImarketTestSupport
import XCTest

/// Base class: each test class gets its own database in the shared test cluster and its own
/// `imarket serve` process, started on first use and stopped when the class finishes.
class IntegrationTestCase: XCTestCase {
    struct Fixture {
        let server: ServerProcess
        let adminToken: String
    }

    nonisolated(unsafe) private static var fixtures: [String: Fixture] = [:]
    private static let lock = NSLock()

    /// Extra `imarket serve` flags for this class.
    class var serverArguments: [String] { [] }

    var fixture: Fixture {
        get throws {
            let key = String(describing: type(of: self))
            Self.lock.lock()
            defer { Self.lock.unlock() }
            if let existing = Self.fixtures[key] { return existing }
            let database = try TestCluster.shared.makeDatabase(name: key)
            let server = try ServerProcess(databaseURL: database, arguments: type(of: self).serverArguments)
            let fixture = Fixture(server: server, adminToken: try server.createToken(role: "admin", label: "test admin"))
            Self.fixtures[key] = fixture
            return fixture
        }
    }

    var server: ServerProcess { get throws { try fixture.server } }

    func adminClient() throws -> RPCTestClient {
        try server.client(token: try fixture.adminToken)
    }

    func anonymousClient() throws -> RPCTestClient {
        try server.client()
    }

    override class func tearDown() {
        let key = String(describing: self)
        lock.lock()
        let fixture = fixtures.removeValue(forKey: key)
        lock.unlock()
        fixture?.server.stop()
        super.tearDown()
    }

    /// Parses a JSON literal written in a test.
    func json(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> JSONValue {
        do {
            return try JSONParser.parse(Array(text.utf8))
        } catch {
            XCTFail("bad JSON in test: \(text)", file: file, line: line)
            return .null
        }
    }

    func assertError(_ outcome: RPCTestClient.Outcome, code: Int64, reason: String? = nil, field: String? = nil,
                     file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(outcome.code, code, "\(outcome)", file: file, line: line)
        if let reason { XCTAssertEqual(outcome.reason, reason, "\(outcome)", file: file, line: line) }
        if let field { XCTAssertEqual(outcome.field, field, "\(outcome)", file: file, line: line) }
    }
}
