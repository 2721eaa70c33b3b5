import Foundation
import ImarketJSONRPC
import ImarketTestSupport
import XCTest

/// The OpenRPC document is generated from the method registry; it must validate against the
/// meta-schema in shared/ and be the same from `rpc.discover` and `GET /openrpc.json`.
final class OpenRPCDocumentTests: IntegrationTestCase {
    static var metaSchemaPath: String {
        // Tests/ImarketIntegrationTests/ → repository root → ../shared/openrpc/meta-schema.json
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.deletingLastPathComponent().appendingPathComponent("shared/openrpc/meta-schema.json").path
    }

    func testDocumentValidatesAndMatchesDiscover() throws {
        let client = try anonymousClient()
        let http = try client.http.request(method: "GET", path: "/openrpc.json")
        XCTAssertEqual(http.status, 200)
        XCTAssertEqual(http.header("content-type"), "application/json")
        let served = try JSONParser.parse(http.body)
        let discovered = try client.result("rpc.discover")
        XCTAssertEqual(served, discovered)

        let methods = served["methods"]?.arrayValue ?? []
        XCTAssertGreaterThan(methods.count, 5)
        for method in methods {
            let name = method["name"]?.stringValue ?? "?"
            XCTAssertNotNil(method["x-roles"]?.arrayValue, "\(name) has no x-roles")
        }
        let names = methods.compactMap { $0["name"]?.stringValue }
        for expected in ["rpc.discover", "system.ping", "system.whoami", "rules.get", "rules.set", "token.create",
                         "token.revoke", "audit.events", "audit.verify"] {
            XCTAssertTrue(names.contains(expected), "missing \(expected)")
        }

        let file = NSTemporaryDirectory() + "openrpc-\(UUID().uuidString).json"
        try Data(http.body).write(to: URL(fileURLWithPath: file))
        defer { try? FileManager.default.removeItem(atPath: file) }
        let script = """
        import json, sys, jsonschema
        schema = json.load(open(sys.argv[1])); doc = json.load(open(sys.argv[2]))
        errors = list(jsonschema.Draft7Validator(schema).iter_errors(doc))
        for e in errors[:5]: print(list(e.absolute_path), e.message)
        sys.exit(1 if errors else 0)
        """
        let result = try ChildProcess.run("/usr/bin/env", ["python3", "-c", script, Self.metaSchemaPath, file])
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
    }
}
