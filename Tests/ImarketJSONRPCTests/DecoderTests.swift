import XCTest
import ImarketJSONRPC

final class DecoderTests: XCTestCase {
    private func decode<T: Decodable>(_ type: T.Type, _ json: String) throws -> T {
        try JSONValueDecoder().decode(type, from: try JSONParser.parse(Array(json.utf8)))
    }

    private func assertError<T: Decodable>(_ type: T.Type, _ json: String, reason: String, field: String?,
                                           file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try decode(type, json), file: file, line: line) { e in
            guard let e = e as? RPCError else { return XCTFail("not an RPCError: \(e)", file: file, line: line) }
            XCTAssertEqual(e.code, -32602, file: file, line: line)
            XCTAssertEqual(e.reason, reason, file: file, line: line)
            XCTAssertEqual(e.field, field, file: file, line: line)
        }
    }

    private let valid = #"{"name":"A","contact":{"name":"n","phone":"1"},"qualifications":[{"serviceType":"EIA","validUntil":"2030-01-01"}],"decision":"approve"}"#

    func testValidNestedParams() throws {
        let p = try decode(RegisterParams.self, valid)
        XCTAssertEqual(p.qualifications.first?.validUntil, "2030-01-01")
        XCTAssertEqual(p.decision, .approve)
        XCTAssertNil(p.contact.email)
    }

    func testUnknownMembersAtEveryLevel() {
        assertError(RegisterParams.self, #"{"name":"A","contact":{"name":"n","phone":"1"},"qualifications":[],"decision":"approve","extra":1}"#,
                    reason: "unknown_member", field: "extra")
        assertError(RegisterParams.self, #"{"name":"A","contact":{"name":"n","phone":"1","fax":"2"},"qualifications":[],"decision":"approve"}"#,
                    reason: "unknown_member", field: "contact.fax")
        assertError(RegisterParams.self, #"{"name":"A","contact":{"name":"n","phone":"1"},"qualifications":[{"serviceType":"EIA","validUntil":"2030-01-01"},{"serviceType":"EIA","validUntil":"2030-01-01","x":1}],"decision":"approve"}"#,
                    reason: "unknown_member", field: "qualifications[1].x")
        assertError(EmptyParams.self, #"{"a":1}"#, reason: "unknown_member", field: "a")
        XCTAssertNoThrow(try decode(EmptyParams.self, "{}"))
    }

    func testNestedFieldPaths() throws {
        assertError(RegisterParams.self, #"{"name":"A","contact":{"name":"n","phone":"1"},"qualifications":[{"serviceType":"EIA","validUntil":"2030-01-01"},{"serviceType":"EIA","validUntil":"2030"}],"decision":"approve"}"#,
                    reason: "invalid_date", field: "qualifications[1].validUntil")
        assertError(RegisterParams.self, #"{"name":"A","contact":{"name":"n","phone":"1"},"qualifications":[{"serviceType":"EIA"}],"decision":"approve"}"#,
                    reason: "missing_field", field: "qualifications[0].validUntil")
        assertError(RegisterParams.self, #"{"name":"A","contact":{"name":"n","phone":1},"qualifications":[],"decision":"approve"}"#,
                    reason: "invalid_type", field: "contact.phone")
        assertError(RegisterParams.self, #"{"name":"A","contact":{"name":"n","phone":"1"},"qualifications":[],"decision":"maybe"}"#,
                    reason: "invalid_value", field: "decision")
        assertError(RegisterParams.self, #"{"name":"A","contact":{"name":"n","phone":"1"},"qualifications":[],"decision":"approve","limit":500}"#,
                    reason: "out_of_range", field: "limit")
        // Free-form maps are taken whole: their members are not "unknown".
        XCTAssertEqual(try decode(RegisterParams.self, #"{"name":"A","contact":{"name":"n","phone":"1"},"qualifications":[],"decision":"approve","tags":{"weird key":[1,2,{}]}}"#).tags?["weird key"], [1, 2, [:]])
        assertError([String: Int].self, #"{"ok":1,"a.b":"x"}"#, reason: "invalid_type", field: #"["a.b"]"#)
    }

    func testMissingAndWrongTypes() {
        assertError(SubtractParams.self, #"{"minuend":1}"#, reason: "missing_field", field: "subtrahend")
        assertError(SubtractParams.self, #"{"minuend":"1","subtrahend":2}"#, reason: "invalid_type", field: "minuend")
        assertError(SubtractParams.self, #"{"minuend":null,"subtrahend":2}"#, reason: "invalid_type", field: "minuend")
        assertError(SubtractParams.self, #"[1,2]"#, reason: "invalid_type", field: nil)
        assertError(Contact.self, #"{"name":true,"phone":"1"}"#, reason: "invalid_type", field: "name")
        assertError(Contact.self, #"{"name":"n","phone":"1","email":5}"#, reason: "invalid_type", field: "email")
        XCTAssertNil(try decode(Contact.self, #"{"name":"n","phone":"1","email":null}"#).email)
    }

    func testIntegerRules() throws {
        XCTAssertEqual(try decode(SubtractParams.self, #"{"minuend":-5,"subtrahend":9223372036854775807}"#).subtrahend, .max)
        for bad in ["1.0", "1e3", "1.5", "true", "\"1\""] {
            assertError(SubtractParams.self, #"{"minuend":\#(bad),"subtrahend":1}"#, reason: "invalid_type", field: "minuend")
        }
        assertError(SubtractParams.self, #"{"minuend":9223372036854775808,"subtrahend":1}"#, reason: "out_of_range", field: "minuend")
        assertError(UInt8.self, "256", reason: "out_of_range", field: nil)
        assertError(UInt.self, "-1", reason: "out_of_range", field: nil)
        XCTAssertEqual(try decode(UInt64.self, "18446744073709551615"), .max)
        XCTAssertEqual(try decode(Double.self, "1e3"), 1000)
        XCTAssertEqual(try decode(Double.self, "7"), 7)
        assertError(Double.self, "1e400", reason: "out_of_range", field: nil)
        assertError(Bool.self, "0", reason: "invalid_type", field: nil)
    }

    func testRawValuesAndAbsentVersusNull() throws {
        struct Patch: Decodable {
            var email: JSONNullable<String>
            var raw: JSONValue?
        }
        let absent = try decode(Patch.self, "{}")
        XCTAssertEqual(absent.email, .absent)
        XCTAssertNil(absent.raw)
        let null = try decode(Patch.self, #"{"email":null,"raw":{"a":[1]}}"#)
        XCTAssertEqual(null.email, .null)
        XCTAssertEqual(null.raw, ["a": [1]])
        XCTAssertEqual(try decode(Patch.self, #"{"email":"x"}"#).email, .value("x"))
        let map = try decode([String: JSONValue].self, #"{"b":1,"a":"x"}"#)
        XCTAssertEqual(map["a"], "x")
    }

    func testValidationHelpersPrefixPaths() {
        struct Limit: Decodable {
            init(from decoder: any Decoder) throws {
                let v = try decoder.singleValueContainer().decode(Int.self)
                if v > 3 { throw decoder.invalid("out_of_range", "too big") }
                if v < 0 { throw decoder.error(.businessRule(reason: "negative")) }
            }
        }
        struct Outer: Decodable { var limits: [Limit] }
        assertError(Outer.self, #"{"limits":[1,9]}"#, reason: "out_of_range", field: "limits[1]")
        XCTAssertThrowsError(try decode(Outer.self, #"{"limits":[-1]}"#)) { e in
            XCTAssertEqual((e as? RPCError)?.code, -32022)
            XCTAssertEqual((e as? RPCError)?.field, "limits[0]")
        }
    }

    func testEncoderKeepsOrderAndNullPolicy() throws {
        let r = RegisterResult(agencyId: "a", reviewedAt: nil, count: 2)
        XCTAssertEqual(try JSONValueEncoder().encode(r).jsonString, #"{"agencyId":"a","reviewedAt":null,"count":2}"#)
        XCTAssertEqual(try JSONValueEncoder().encode(Contact(name: "n", phone: "p", email: nil)).jsonString, #"{"name":"n","phone":"p"}"#)
        let back = try JSONValueDecoder().decode(RegisterResult.self, from: try JSONValueEncoder().encode(r))
        XCTAssertEqual(back.count, 2)
        XCTAssertEqual(try JSONValueEncoder().encode([Double.nan, 1.5]).jsonString, "[null,1.5]")
        XCTAssertEqual(try JSONValueEncoder().encode(["k": [1, 2]]).jsonString, #"{"k":[1,2]}"#)
    }
}
