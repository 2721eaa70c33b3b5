import XCTest
import ImarketJSONRPC

final class EngineTests: XCTestCase {
    let engine = SampleAPI.engine()

    private func error(_ response: String?) throws -> (code: Int64?, reason: String?, field: String?, id: JSONValue?) {
        let v = try JSONParser.parse(Array((response ?? "null").utf8))
        return (v["error"]?["code"]?.int64Value, v["error"]?["data"]?["reason"]?.stringValue,
                v["error"]?["data"]?["field"]?.stringValue, v["id"])
    }

    /// An immediate method is answered where the request is, with the same bytes the task path
    /// gives; anything that has to wait comes back parsed, and is then answered as usual.
    func testAnswerAtOnce() async throws {
        func answered(_ outcome: RPCImmediateOutcome) -> String?? {
            guard case .answered(let bytes) = outcome else { return .none }
            return .some(bytes.map { String(decoding: $0, as: UTF8.self) })
        }
        let immediate = [
            #"{"jsonrpc":"2.0","method":"clock","id":1}"#,
            #"{"jsonrpc":"2.0","method":"clock","params":{},"id":"a"}"#,
            #"{"jsonrpc":"2.0","method":"clock","params":{"x":1},"id":2}"#,        // unknown_member
            #"{"jsonrpc":"2.0","method":"admin.clock","params":[5,2],"id":3}"#,
            #"{"jsonrpc":"2.0","method":"immediate.boom","id":4}"#,                 // -32603, nothing leaks
            #"{"jsonrpc":"2.0","method":"nope","id":5}"#,                           // method not found
            #"{"jsonrpc":"1.0","method":"sum","id":6}"#,                            // invalid envelope
            #"{"jsonrpc":"2.0","method":"sum""#,                                    // parse error
            #"7"#,
        ]
        for body in immediate {
            let now = answered(engine.runAtOnce(body))
            XCTAssertTrue(now != nil, body)
            let later = await engine.run(body)
            XCTAssertEqual(now ?? nil, later, body)
        }
        XCTAssertEqual(answered(engine.runAtOnce(#"{"jsonrpc":"2.0","method":"clock","id":1}"#)),
                       #"{"jsonrpc":"2.0","result":1796000000,"id":1}"#)
        XCTAssertTrue(try XCTUnwrap(answered(engine.runAtOnce(#"{"jsonrpc":"2.0","method":"immediate.boom","id":4}"#)) ?? nil).contains("-32603"))
        // Authorization is checked here too, before params are decoded.
        let refused = try error(answered(engine.runAtOnce(#"{"jsonrpc":"2.0","method":"admin.clock","params":{},"id":8}"#, role: "agency")) ?? nil)
        XCTAssertEqual(refused.code, -32003)
        // Notifications of immediate methods run and are not answered; unknown ones are ignored.
        XCTAssertEqual(answered(engine.runAtOnce(#"{"jsonrpc":"2.0","method":"clock"}"#)), .some(nil))
        XCTAssertEqual(answered(engine.runAtOnce(#"{"jsonrpc":"2.0","method":"nope"}"#)), .some(nil))

        // Methods that wait, and batches (even of immediate methods), go to a task, parsed.
        for body in [#"{"jsonrpc":"2.0","method":"sum","params":{"a":1,"b":2},"id":9}"#,
                     #"{"jsonrpc":"2.0","method":"sum","params":{"a":1,"b":2}}"#,
                     #"[{"jsonrpc":"2.0","method":"clock","id":1},{"jsonrpc":"2.0","method":"sum","params":{"a":1,"b":2},"id":2}]"#] {
            guard case .needsTask(let parsed) = engine.runAtOnce(body) else { return XCTFail(body) }
            XCTAssertEqual(parsed, try JSONParser.parse(Array(body.utf8)), body)
            let later = await engine.handle(request: parsed, context: TestContext())
            let reference = await engine.run(body)
            XCTAssertEqual(later.map { String(decoding: $0, as: UTF8.self) }, reference, body)
        }
    }

    func testIdNullIsARequestAndIdsEchoExactly() async {
        let r1 = await engine.run(#"{"jsonrpc":"2.0","method":"subtract","params":[5,2],"id":null}"#)
        XCTAssertEqual(r1, #"{"jsonrpc":"2.0","result":3,"id":null}"#)
        let r2 = await engine.run(#"{"jsonrpc":"2.0","method":"subtract","params":[5,2],"id":"é-1"}"#)
        XCTAssertEqual(r2, #"{"jsonrpc":"2.0","result":3,"id":"é-1"}"#)
        let r3 = await engine.run(#"{"id":1.50,"jsonrpc":"2.0","method":"subtract","params":[5,2]}"#)
        XCTAssertEqual(r3, #"{"jsonrpc":"2.0","result":3,"id":1.50}"#)
        let r4 = await engine.run(#"{"jsonrpc":"2.0","method":"subtract","params":[5,2],"id":123456789012345678901234567890}"#)
        XCTAssertEqual(r4, #"{"jsonrpc":"2.0","result":3,"id":123456789012345678901234567890}"#)
    }

    func testEnvelopeErrors() async throws {
        for body in [#"{"jsonrpc":"2.0","method":"subtract","params":[5,2],"id":[1]}"#,
                     #"{"jsonrpc":"2.0","method":"subtract","params":[5,2],"id":{}}"#,
                     #"{"jsonrpc":"2.0","method":"subtract","params":[5,2],"id":true}"#] {
            let e = try error(await engine.run(body))
            XCTAssertEqual(e.code, -32600, body)
            XCTAssertEqual(e.id, .null, body)
        }
        for body in [#"{"jsonrpc":"1.0","method":"subtract","params":[5,2],"id":7}"#,
                     #"{"jsonrpc":2.0,"method":"subtract","params":[5,2],"id":7}"#,
                     #"{"method":"subtract","params":[5,2],"id":7}"#,
                     #"{"jsonrpc":"2.0","method":"subtract","params":[5,2],"id":7,"extra":1}"#,
                     #"{"jsonrpc":"2.0","method":"subtract","params":"x","id":7}"#,
                     #"{"jsonrpc":"2.0","method":"subtract","params":5,"id":7}"#,
                     #"{"jsonrpc":"2.0","method":"subtract","params":null,"id":7}"#,
                     #"{"jsonrpc":"2.0","method":null,"id":7}"#] {
            let e = try error(await engine.run(body))
            XCTAssertEqual(e.code, -32600, body)
            XCTAssertEqual(e.reason, "invalid_request", body)
            XCTAssertEqual(e.id, 7, body)
        }
        let bad = try error(await engine.run(#""just a string""#))
        XCTAssertEqual(bad.code, -32600)
    }

    func testParamsErrorsThroughTheEngine() async throws {
        let unknown = try error(await engine.run(#"{"jsonrpc":"2.0","method":"subtract","params":{"minuend":1,"subtrahend":2,"x":3},"id":1}"#))
        XCTAssertEqual(unknown.code, -32602)
        XCTAssertEqual(unknown.reason, "unknown_member")
        XCTAssertEqual(unknown.field, "x")
        let missing = try error(await engine.run(#"{"jsonrpc":"2.0","method":"subtract","params":{"minuend":1},"id":1}"#))
        XCTAssertEqual(missing.reason, "missing_field")
        XCTAssertEqual(missing.field, "subtrahend")
        let tooMany = try error(await engine.run(#"{"jsonrpc":"2.0","method":"subtract","params":[1,2,3],"id":1}"#))
        XCTAssertEqual(tooMany.reason, "too_many_params")
        let empty = await engine.run(#"{"jsonrpc":"2.0","method":"get_data","params":[],"id":1}"#)
        XCTAssertEqual(empty, #"{"jsonrpc":"2.0","result":["hello",5],"id":1}"#)
        let emptyObj = await engine.run(#"{"jsonrpc":"2.0","method":"get_data","params":{},"id":1}"#)
        XCTAssertEqual(emptyObj, empty)
        let extra = try error(await engine.run(#"{"jsonrpc":"2.0","method":"get_data","params":{"a":1},"id":1}"#))
        XCTAssertEqual(extra.reason, "unknown_member")
        let nested = try error(await engine.run(#"{"jsonrpc":"2.0","method":"agency.register","params":{"name":"A","contact":{"name":"n","phone":"1"},"qualifications":[{"serviceType":"EIA","validUntil":"2030-01-01"},{"serviceType":"EIA","validUntil":"bad"}],"decision":"approve"},"id":1}"#))
        XCTAssertEqual(nested.field, "qualifications[1].validUntil")
        let ok = await engine.run(#"{"jsonrpc":"2.0","method":"agency.register","params":{"name":"A","contact":{"name":"n","phone":"1"},"qualifications":[],"decision":"reject"},"id":1}"#)
        XCTAssertEqual(ok, #"{"jsonrpc":"2.0","result":{"agencyId":"ag_1","reviewedAt":null,"count":0},"id":1}"#)
    }

    func testParseErrors() async throws {
        let deep = String(repeating: "[", count: 10_000)
        let e1 = try error(await engine.run(deep))
        XCTAssertEqual(e1.code, -32700)
        XCTAssertEqual(e1.id, .null)
        let invalidUTF8 = await engine.handle(body: Array(#"{"jsonrpc":"2.0","method":"subtract","id":"#.utf8) + [0x22, 0xC3, 0x28, 0x22, 0x7D], context: TestContext())
        XCTAssertEqual(try error(invalidUTF8.map { String(decoding: $0, as: UTF8.self) }).code, -32700)
        let dup = try error(await engine.run(#"{"jsonrpc":"2.0","method":"subtract","params":[1,2],"id":1,"id":2}"#))
        XCTAssertEqual(dup.code, -32700)
        let lone = try error(await engine.run(#"{"jsonrpc":"2.0","method":"subtract","params":[1,2],"id":"\udc00"}"#))
        XCTAssertEqual(lone.code, -32700)
    }

    func testAuthorizeRunsBeforeParamDecoding() async throws {
        let asAgency = try error(await engine.run(#"{"jsonrpc":"2.0","method":"admin.only","params":{"bogus":true},"id":1}"#, role: "agency"))
        XCTAssertEqual(asAgency.code, -32003)
        XCTAssertEqual(asAgency.reason, "forbidden")
        let asAdmin = try error(await engine.run(#"{"jsonrpc":"2.0","method":"admin.only","params":{"bogus":true},"id":1}"#, role: "admin"))
        XCTAssertEqual(asAdmin.code, -32602)
    }

    func testHandlerErrors() async throws {
        let logged = LockedBox()
        let engine = SampleAPI.engine(onError: { error, info in logged.set("\(info?.name ?? "-"): \(error)") })
        let raw = await engine.run(#"{"jsonrpc":"2.0","method":"boom","id":1}"#)
        XCTAssertEqual(raw, #"{"jsonrpc":"2.0","error":{"code":-32603,"message":"Internal error","data":{"reason":"internal_error"}},"id":1}"#)
        XCTAssertFalse(raw!.contains("hunter2"))
        XCTAssertTrue(logged.get().contains("boom"))
        let conflict = try error(await engine.run(#"{"jsonrpc":"2.0","method":"conflict","id":1}"#))
        XCTAssertEqual(conflict.code, -32009)
        XCTAssertEqual(conflict.reason, "idempotency_key_reused")
        let silent = await engine.run(#"{"jsonrpc":"2.0","method":"boom"}"#)
        XCTAssertNil(silent)
    }

    func testBatchLimitAndOrder() async throws {
        let small = SampleAPI.engine(maxBatchSize: 2)
        let three = #"[{"jsonrpc":"2.0","method":"get_data","id":1},{"jsonrpc":"2.0","method":"get_data","id":2},{"jsonrpc":"2.0","method":"get_data","id":3}]"#
        let e = try error(await small.run(three))
        XCTAssertEqual(e.code, -32600)
        XCTAssertEqual(e.reason, "batch_too_large")
        let r = await engine.run(#"[{"jsonrpc":"2.0","method":"subtract","params":[3,1],"id":"a"},{"jsonrpc":"2.0","method":"nope","id":"b"},{"jsonrpc":"2.0","method":"subtract","params":[9,1],"id":"c"}]"#)
        let v = try JSONParser.parse(Array(r!.utf8))
        XCTAssertEqual(v.arrayValue?.map { $0["id"] }, ["a", "b", "c"])
    }

    func testRequestAPIAndErrorResponse() async {
        let v = await engine.handle(request: ["jsonrpc": "2.0", "method": "subtract", "params": [1, 1], "id": 9], context: TestContext())
        XCTAssertEqual(v.map { String(decoding: $0, as: UTF8.self) }, #"{"jsonrpc":"2.0","result":0,"id":9}"#)
        let body = String(decoding: engine.errorResponse(.invalidRequest("Body too large", reason: "body_too_large")), as: UTF8.self)
        XCTAssertEqual(body, #"{"jsonrpc":"2.0","error":{"code":-32600,"message":"Body too large","data":{"reason":"body_too_large"}},"id":null}"#)
        let withField = RPCError.invalidParams(reason: "out_of_range", field: "limit", message: "m").jsonValue.jsonString
        XCTAssertEqual(withField, #"{"code":-32602,"message":"m","data":{"reason":"out_of_range","field":"limit"}}"#)
    }

    /// A result type that writes itself is answered with its written members (chosen when the
    /// method is registered), other result types through `Encodable`, and params-less calls
    /// still reject members.
    func testResultEncodingIsChosenPerMethod() async throws {
        struct Stamp: Codable, Sendable, JSONObjectWritable {
            var at = "t"
            func writeMembers(to object: inout JSONObjectWriter) { object.member("at", "written") }
        }
        var registry = RPCMethodRegistry<TestContext>()
        registry.register("stamp", summary: "s", params: EmptyParams.self, result: Stamp.self) { _, _ in Stamp() }
        registry.register("plain", summary: "p", params: EmptyParams.self, result: RegisterResult.self) { _, _ in
            RegisterResult(agencyId: "ag_1", reviewedAt: nil, count: 2)
        }
        let engine = RPCEngine(registry: registry, authorize: { _, _ in })
        let stamp = await engine.run(#"{"jsonrpc":"2.0","method":"stamp","id":1}"#)
        XCTAssertEqual(stamp, #"{"jsonrpc":"2.0","result":{"at":"written"},"id":1}"#)
        let plain = await engine.run(#"{"jsonrpc":"2.0","method":"plain","params":{},"id":2}"#)
        XCTAssertEqual(plain, #"{"jsonrpc":"2.0","result":{"agencyId":"ag_1","reviewedAt":null,"count":2},"id":2}"#)
        let extra = try error(await engine.run(#"{"jsonrpc":"2.0","method":"stamp","params":{"x":1},"id":3}"#))
        XCTAssertEqual(extra.reason, "unknown_member")
    }
}

final class LockedBox: @unchecked Sendable {
    private let lock = NSLock()
    private var value = ""
    func set(_ v: String) { lock.lock(); value = v; lock.unlock() }
    func get() -> String { lock.lock(); defer { lock.unlock() }; return value }
}
