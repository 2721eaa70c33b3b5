import Foundation
import ImarketJSONRPC
import ImarketPostgres
import ImarketTestSupport
import XCTest

/// API sections 1 and 11: JSON-RPC over WebSocket frames, and subscriptions whose events reach
/// subscribers on every server instance.
final class WebSocketTests: IntegrationTestCase {
    private func webSocket(token: String? = nil, server: ServerProcess? = nil) throws -> WebSocketTestClient {
        let target = try server ?? self.server
        return try WebSocketTestClient(port: target.port, caPath: target.caPath, token: token)
    }

    func testRequestsAndBatchesOverFrames() throws {
        let ws = try webSocket()
        let ping = try ws.call(#"{"jsonrpc":"2.0","method":"system.ping","id":1}"#)
        XCTAssertNotNil(ping["result"]?["time"])
        XCTAssertEqual(ping["id"]?.int64Value, 1)
        let batch = try ws.call(#"[{"jsonrpc":"2.0","method":"system.ping","id":2},{"jsonrpc":"2.0","method":"system.whoami","id":3}]"#)
        XCTAssertEqual(batch.arrayValue?.count, 2)
        XCTAssertEqual(batch[1]?["error"]?["code"]?.int64Value, -32001)
        let parse = try ws.call("{nope")
        XCTAssertEqual(parse["error"]?["code"]?.int64Value, -32700)

        let admin = try webSocket(token: try fixture.adminToken)
        XCTAssertEqual(try admin.call(#"{"jsonrpc":"2.0","method":"system.whoami","id":1}"#)["result"]?["role"]?.stringValue, "admin")
    }

    func testBadTokenIsRefusedAtUpgrade() throws {
        XCTAssertThrowsError(try webSocket(token: "imk_" + String(repeating: "1", count: 64))) { error in
            XCTAssertEqual((error as? WebSocketTestClient.UpgradeRefused)?.status, 401)
        }
    }

    func testSubscriptionsNeedWebSocketAndAuthentication() throws {
        assertError(try adminClient().call("subscription.subscribe", json(#"{"topic":"demand.published"}"#)),
                    code: -32022, reason: "websocket_only")
        let anonymous = try webSocket()
        let refused = try anonymous.call(#"{"jsonrpc":"2.0","method":"subscription.subscribe","params":{"topic":"demand.published"},"id":1}"#)
        XCTAssertEqual(refused["error"]?["code"]?.int64Value, -32001)
        let admin = try webSocket(token: try fixture.adminToken)
        let bad = try admin.call(#"{"jsonrpc":"2.0","method":"subscription.subscribe","params":{"topic":"demand.sold"},"id":1}"#)
        XCTAssertEqual(bad["error"]?["code"]?.int64Value, -32602)
        XCTAssertEqual(bad["error"]?["data"]?["field"]?.stringValue, "topic")
    }

    /// Events are NOTIFYs committed to the database; every instance's listener fans them out.
    func testCommittedEventsReachSubscribersOnEveryInstance() throws {
        let second = try ServerProcess(databaseURL: try server.databaseURL)
        defer { second.stop() }
        let token = try fixture.adminToken
        let first = try webSocket(token: token)
        let other = try webSocket(token: token, server: second)
        let filtered = try webSocket(token: token)
        var ids: [String] = []
        for (ws, filter) in [(first, ""), (other, ""), (filtered, #","filter":{"serviceTypes":["AUDIT"]}"#)] {
            let r = try ws.call(#"{"jsonrpc":"2.0","method":"subscription.subscribe","params":{"topic":"demand.published"\#(filter)},"id":1}"#)
            ids.append(try XCTUnwrap(r["result"]?["subscriptionId"]?.stringValue, "\(r)"))
        }
        let connection = try PostgresConnection(configuration: PostgresConfiguration(conninfo: try server.databaseURL))
        let envelope = #"{"topic":"demand.published","data":{"demandId":"dem_1","title":"检验检测服务"},"audience":{"serviceType":"TESTING","regionCode":"430482","purchaserId":"pur_1"}}"#
        // Not delivered when the transaction rolls back.
        try connection.simpleQuery("BEGIN")
        try connection.query("SELECT pg_notify('imarket_events', $1)", [envelope.replacingOccurrences(of: "dem_1", with: "dem_rolled_back")])
        try connection.simpleQuery("ROLLBACK")
        try connection.query("SELECT pg_notify('imarket_events', $1)", [envelope])

        for (index, ws) in [first, other].enumerated() {
            let event = try ws.receive()
            XCTAssertEqual(event["method"]?.stringValue, "subscription.event")
            XCTAssertNil(event["id"])
            XCTAssertEqual(event["params"]?["subscriptionId"]?.stringValue, ids[index])
            XCTAssertEqual(event["params"]?["topic"]?.stringValue, "demand.published")
            XCTAssertEqual(event["params"]?["data"]?["demandId"]?.stringValue, "dem_1")
        }
        // The AUDIT-only subscriber got nothing: its next frame is the answer to a ping.
        let next = try filtered.call(#"{"jsonrpc":"2.0","method":"system.ping","id":9}"#)
        XCTAssertEqual(next["id"]?.int64Value, 9)

        let unsubscribed = try first.call(#"{"jsonrpc":"2.0","method":"subscription.unsubscribe","params":{"subscriptionId":"\#(ids[0])"},"id":2}"#)
        XCTAssertEqual(unsubscribed["result"]?["ok"], .bool(true))
        let again = try first.call(#"{"jsonrpc":"2.0","method":"subscription.unsubscribe","params":{"subscriptionId":"\#(ids[0])"},"id":3}"#)
        XCTAssertEqual(again["error"]?["code"]?.int64Value, -32004)
    }
}
