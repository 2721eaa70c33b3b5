import XCTest
import ImarketJSONRPC

/// Golden transcripts for every example in section 7 of the JSON-RPC 2.0 specification.
/// Our error objects add `data.reason`; otherwise the responses are the spec's.
final class SpecExampleTests: XCTestCase {
    let engine = SampleAPI.engine()

    private let invalidRequestNull = #"{"jsonrpc":"2.0","error":{"code":-32600,"message":"Request must be an object","data":{"reason":"invalid_request"}},"id":null}"#
    private let parseErrorNull = #"{"jsonrpc":"2.0","error":{"code":-32700,"message":"Parse error","data":{"reason":"parse_error"}},"id":null}"#

    func testPositionalParams() async {
        let r1 = await engine.run(#"{"jsonrpc": "2.0", "method": "subtract", "params": [42, 23], "id": 1}"#)
        XCTAssertEqual(r1, #"{"jsonrpc":"2.0","result":19,"id":1}"#)
        let r2 = await engine.run(#"{"jsonrpc": "2.0", "method": "subtract", "params": [23, 42], "id": 2}"#)
        XCTAssertEqual(r2, #"{"jsonrpc":"2.0","result":-19,"id":2}"#)
    }

    func testNamedParams() async {
        let r3 = await engine.run(#"{"jsonrpc": "2.0", "method": "subtract", "params": {"subtrahend": 23, "minuend": 42}, "id": 3}"#)
        XCTAssertEqual(r3, #"{"jsonrpc":"2.0","result":19,"id":3}"#)
        let r4 = await engine.run(#"{"jsonrpc": "2.0", "method": "subtract", "params": {"minuend": 42, "subtrahend": 23}, "id": 4}"#)
        XCTAssertEqual(r4, #"{"jsonrpc":"2.0","result":19,"id":4}"#)
    }

    func testNotifications() async {
        let r1 = await engine.run(#"{"jsonrpc": "2.0", "method": "update", "params": [1,2,3,4,5]}"#)
        XCTAssertNil(r1)
        let r2 = await engine.run(#"{"jsonrpc": "2.0", "method": "foobar"}"#)
        XCTAssertNil(r2)
    }

    func testNonExistentMethod() async {
        let r = await engine.run(#"{"jsonrpc": "2.0", "method": "foobar", "id": "1"}"#)
        XCTAssertEqual(r, #"{"jsonrpc":"2.0","error":{"code":-32601,"message":"Method not found","data":{"reason":"method_not_found"}},"id":"1"}"#)
    }

    func testInvalidJSON() async {
        let r = await engine.run(#"{"jsonrpc": "2.0", "method": "foobar, "params": "bar", "baz]"#)
        XCTAssertEqual(r, parseErrorNull)
    }

    func testInvalidRequestObject() async {
        let r = await engine.run(#"{"jsonrpc": "2.0", "method": 1, "params": "bar"}"#)
        XCTAssertEqual(r, #"{"jsonrpc":"2.0","error":{"code":-32600,"message":"method must be a string","data":{"reason":"invalid_request"}},"id":null}"#)
    }

    func testBatchInvalidJSON() async {
        let r = await engine.run("""
            [
              {"jsonrpc": "2.0", "method": "sum", "params": [1,2,4], "id": "1"},
              {"jsonrpc": "2.0", "method"
            ]
            """)
        XCTAssertEqual(r, parseErrorNull)
    }

    func testEmptyArray() async {
        let r = await engine.run("[]")
        XCTAssertEqual(r, #"{"jsonrpc":"2.0","error":{"code":-32600,"message":"Empty batch","data":{"reason":"invalid_request"}},"id":null}"#)
    }

    func testInvalidBatchOfOne() async {
        let r = await engine.run("[1]")
        XCTAssertEqual(r, "[\(invalidRequestNull)]")
    }

    func testInvalidBatch() async {
        let r = await engine.run("[1,2,3]")
        XCTAssertEqual(r, "[\(invalidRequestNull),\(invalidRequestNull),\(invalidRequestNull)]")
    }

    func testMixedBatch() async {
        let r = await engine.run("""
            [
                {"jsonrpc": "2.0", "method": "sum", "params": [1,2,4], "id": "1"},
                {"jsonrpc": "2.0", "method": "notify_hello", "params": [7]},
                {"jsonrpc": "2.0", "method": "subtract", "params": [42,23], "id": "2"},
                {"foo": "boo"},
                {"jsonrpc": "2.0", "method": "foo.get", "params": {"name": "myself"}, "id": "5"},
                {"jsonrpc": "2.0", "method": "get_data", "id": "9"}
            ]
            """)
        let expected = "[" + [
            #"{"jsonrpc":"2.0","result":7,"id":"1"}"#,
            #"{"jsonrpc":"2.0","result":19,"id":"2"}"#,
            #"{"jsonrpc":"2.0","error":{"code":-32600,"message":"jsonrpc must be \"2.0\"","data":{"reason":"invalid_request"}},"id":null}"#,
            #"{"jsonrpc":"2.0","error":{"code":-32601,"message":"Method not found","data":{"reason":"method_not_found"}},"id":"5"}"#,
            #"{"jsonrpc":"2.0","result":["hello",5],"id":"9"}"#,
        ].joined(separator: ",") + "]"
        XCTAssertEqual(r, expected)
    }

    func testAllNotificationBatch() async {
        let r = await engine.run("""
            [
                {"jsonrpc": "2.0", "method": "notify_sum", "params": [1,2,4]},
                {"jsonrpc": "2.0", "method": "notify_hello", "params": [7]}
            ]
            """)
        XCTAssertNil(r)
    }
}
