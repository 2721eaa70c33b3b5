import Foundation
import ImarketJSONRPC
import ImarketTestSupport
import XCTest

/// JSON-RPC 2.0 edge cases as golden request/response transcripts against the real server.
/// `"<any>"` in an expected response matches any value (used for the server time).
final class JSONRPCTranscriptTests: IntegrationTestCase {
    /// (request body, expected HTTP status, expected body or nil for none)
    static let transcripts: [(String, Int, String?)] = [
        // Single call, by name and with no params.
        (#"{"jsonrpc":"2.0","method":"system.ping","id":1}"#, 200,
         #"{"jsonrpc":"2.0","result":{"version":"<any>","time":"<any>"},"id":1}"#),
        (#"{"jsonrpc":"2.0","method":"system.ping","params":{},"id":"abc"}"#, 200,
         #"{"jsonrpc":"2.0","result":{"version":"<any>","time":"<any>"},"id":"abc"}"#),
        (#"{"jsonrpc":"2.0","method":"system.ping","params":[],"id":-7.5}"#, 200,
         #"{"jsonrpc":"2.0","result":{"version":"<any>","time":"<any>"},"id":-7.5}"#),
        // id null is a request and is answered with id null.
        (#"{"jsonrpc":"2.0","method":"system.ping","id":null}"#, 200,
         #"{"jsonrpc":"2.0","result":{"version":"<any>","time":"<any>"},"id":null}"#),
        // Notifications are never answered, even for unknown methods or bad params.
        (#"{"jsonrpc":"2.0","method":"system.ping"}"#, 204, nil),
        (#"{"jsonrpc":"2.0","method":"no.such.method"}"#, 204, nil),
        (#"{"jsonrpc":"2.0","method":"system.ping","params":{"x":1}}"#, 204, nil),
        (#"[{"jsonrpc":"2.0","method":"system.ping"},{"jsonrpc":"2.0","method":"nope"}]"#, 204, nil),
        // Method not found.
        (#"{"jsonrpc":"2.0","method":"no.such.method","id":2}"#, 200,
         #"{"jsonrpc":"2.0","error":{"code":-32601,"message":"<any>","data":{"reason":"method_not_found"}},"id":2}"#),
        // Parse errors answer with id null.
        (#"{"jsonrpc":"2.0","method":"system.ping","id":1"#, 200,
         #"{"jsonrpc":"2.0","error":{"code":-32700,"message":"<any>","data":{"reason":"parse_error"}},"id":null}"#),
        (#"[{"jsonrpc":"2.0","method":"system.ping","id":1},{"jsonrpc":"2.0","method""#, 200,
         #"{"jsonrpc":"2.0","error":{"code":-32700,"message":"<any>","data":{"reason":"parse_error"}},"id":null}"#),
        // Invalid requests.
        (#"{"jsonrpc":"2.0","method":1,"params":"bar"}"#, 200,
         #"{"jsonrpc":"2.0","error":{"code":-32600,"message":"<any>","data":{"reason":"invalid_request"}},"id":null}"#),
        (#"{"jsonrpc":"1.0","method":"system.ping","id":3}"#, 200,
         #"{"jsonrpc":"2.0","error":{"code":-32600,"message":"<any>","data":{"reason":"invalid_request"}},"id":3}"#),
        (#"{"jsonrpc":"2.0","method":"system.ping","id":4,"extra":true}"#, 200,
         #"{"jsonrpc":"2.0","error":{"code":-32600,"message":"<any>","data":{"reason":"invalid_request"}},"id":4}"#),
        (#"{"jsonrpc":"2.0","method":"system.ping","params":"x","id":5}"#, 200,
         #"{"jsonrpc":"2.0","error":{"code":-32600,"message":"<any>","data":{"reason":"invalid_request"}},"id":5}"#),
        (#"{"jsonrpc":"2.0","method":"system.ping","id":{"a":1}}"#, 200,
         #"{"jsonrpc":"2.0","error":{"code":-32600,"message":"<any>","data":{"reason":"invalid_request"}},"id":null}"#),
        // rpc. is reserved.
        (#"{"jsonrpc":"2.0","method":"rpc.other","id":6}"#, 200,
         #"{"jsonrpc":"2.0","error":{"code":-32601,"message":"<any>","data":{"reason":"method_not_found"}},"id":6}"#),
        // Empty batch and batches of non-objects.
        ("[]", 200, #"{"jsonrpc":"2.0","error":{"code":-32600,"message":"<any>","data":{"reason":"invalid_request"}},"id":null}"#),
        ("[1]", 200, #"[{"jsonrpc":"2.0","error":{"code":-32600,"message":"<any>","data":{"reason":"invalid_request"}},"id":null}]"#),
        ("[1,2]", 200, #"[{"jsonrpc":"2.0","error":{"code":-32600,"message":"<any>","data":{"reason":"invalid_request"}},"id":null},{"jsonrpc":"2.0","error":{"code":-32600,"message":"<any>","data":{"reason":"invalid_request"}},"id":null}]"#),
        // Mixed batch: answers in order, notifications skipped.
        (#"[{"jsonrpc":"2.0","method":"system.ping","id":"1"},{"jsonrpc":"2.0","method":"system.ping"},{"foo":"boo"},{"jsonrpc":"2.0","method":"nope","id":"5"}]"#, 200,
         #"[{"jsonrpc":"2.0","result":{"version":"<any>","time":"<any>"},"id":"1"},{"jsonrpc":"2.0","error":{"code":-32600,"message":"<any>","data":{"reason":"invalid_request"}},"id":null},{"jsonrpc":"2.0","error":{"code":-32601,"message":"<any>","data":{"reason":"method_not_found"}},"id":"5"}]"#),
        // Unknown params member, with its path.
        (#"{"jsonrpc":"2.0","method":"system.ping","params":{"verbose":true},"id":7}"#, 200,
         #"{"jsonrpc":"2.0","error":{"code":-32602,"message":"<any>","data":{"reason":"unknown_member","field":"verbose"}},"id":7}"#),
        // Authentication is checked before params.
        (#"{"jsonrpc":"2.0","method":"rules.set","params":{"bogus":1},"id":8}"#, 200,
         #"{"jsonrpc":"2.0","error":{"code":-32001,"message":"<any>","data":{"reason":"authentication_required"}},"id":8}"#),
        // Large ids keep their literal text.
        (#"{"jsonrpc":"2.0","method":"system.ping","id":123456789012345678901234567890}"#, 200,
         #"{"jsonrpc":"2.0","result":{"version":"<any>","time":"<any>"},"id":123456789012345678901234567890}"#),
    ]

    func testGoldenTranscripts() throws {
        let client = try anonymousClient()
        for (request, status, expected) in Self.transcripts {
            let response = try client.post(request)
            XCTAssertEqual(response.status, status, request)
            guard let expected else {
                XCTAssertTrue(response.body.isEmpty, "\(request) → \(response.bodyString)")
                continue
            }
            let actual = try JSONParser.parse(response.body)
            XCTAssertTrue(matches(actual, json(expected)), "\(request)\n  got      \(response.bodyString)\n  expected \(expected)")
            // Member order of the envelope: jsonrpc first.
            XCTAssertTrue(response.bodyString.hasPrefix(#"{"jsonrpc":"2.0""#) || response.bodyString.hasPrefix(#"[{"jsonrpc":"2.0""#),
                          response.bodyString)
        }
    }

    func testHostileBodiesGetCleanErrors() throws {
        let client = try anonymousClient()
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        let deepResponse = try client.post(deep)
        XCTAssertEqual(deepResponse.status, 200)
        XCTAssertEqual(try JSONParser.parse(deepResponse.body)["error"]?["code"]?.int64Value, -32700)

        var invalidUTF8 = Array(#"{"jsonrpc":"2.0","method":"system.ping","id":"#.utf8)
        invalidUTF8 += [0x22, 0xC3, 0x28, 0x22, 0x7D]
        let utf8Response = try client.http.request(method: "POST", path: "/rpc", headers: [("Content-Type", "application/json")], body: invalidUTF8)
        XCTAssertEqual(try JSONParser.parse(utf8Response.body)["error"]?["code"]?.int64Value, -32700)

        let surrogate = try client.post(#"{"jsonrpc":"2.0","method":"system.ping","id":"\ud800"}"#)
        XCTAssertEqual(try JSONParser.parse(surrogate.body)["error"]?["code"]?.int64Value, -32700)

        let batch = "[" + Array(repeating: #"{"jsonrpc":"2.0","method":"system.ping","id":1}"#, count: 101).joined(separator: ",") + "]"
        let batchResponse = try JSONParser.parse(try client.post(batch).body)
        XCTAssertEqual(batchResponse["error"]?["data"]?["reason"]?.stringValue, "batch_too_large")
        // The server is still healthy afterwards.
        XCTAssertNotNil(try client.call("system.ping").result)
    }

    private func matches(_ actual: JSONValue, _ expected: JSONValue) -> Bool {
        if expected == .string("<any>") { return true }
        switch (actual, expected) {
        case (.object(let a), .object(let e)):
            return a.keys == e.keys && e.members.allSatisfy { member in a[member.key].map { matches($0, member.value) } ?? false }
        case (.array(let a), .array(let e)):
            return a.count == e.count && zip(a, e).allSatisfy { matches($0, $1) }
        default:
            return actual == expected
        }
    }
}
