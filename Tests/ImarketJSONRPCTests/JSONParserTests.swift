import XCTest
@testable import ImarketJSONRPC

final class JSONParserTests: XCTestCase {
    private func parse(_ s: String, maxDepth: Int = 128) throws -> JSONValue {
        try JSONParser.parse(Array(s.utf8), maxDepth: maxDepth)
    }

    private func assertRejects(_ s: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try parse(s), "accepted \(s)", file: file, line: line)
    }

    func testScalarsAndWhitespace() throws {
        XCTAssertEqual(try parse(" \t\r\n true \n"), .bool(true))
        XCTAssertEqual(try parse("null"), .null)
        XCTAssertEqual(try parse(#""a\u00e9\n""#), .string("aé\n"))
        XCTAssertEqual(try parse("-0.5e+3").doubleValue, -500)
        XCTAssertEqual(try parse("[1,{\"a\":[]}]"), [1, ["a": []]])
    }

    func testObjectOrderIsPreserved() throws {
        let v = try parse(#"{"b":1,"a":2,"c":3}"#)
        XCTAssertEqual(v.objectValue?.keys, ["b", "a", "c"])
        XCTAssertEqual(v["a"], 2)
    }

    func testStrictGrammar() {
        for bad in ["[1,]", "{\"a\":1,}", "01", "-", "1.", ".5", "1e", "+1", "NaN", "Infinity", "[1 2]",
                    "// c\n1", "/* c */1", "'a'", "{a:1}", "tru", "nul", "\"abc", "1 2", "[", "{\"a\" 1}", "",
                    "\"\\x\"", "\"\\u12\"", "[1]x", "\u{FEFF}1"] {
            assertRejects(bad)
        }
    }

    func testControlCharactersInStringsRejected() {
        XCTAssertThrowsError(try JSONParser.parse([0x22, 0x0A, 0x22])) { e in
            XCTAssertEqual((e as? JSONParseError)?.kind, .controlCharacterInString)
        }
    }

    func testSurrogates() throws {
        XCTAssertEqual(try parse(#""\ud83d\ude00""#), .string("😀"))
        for bad in [#""\ud83d""#, #""\ude00""#, #""\ud83dx""#, #""\ud83d\u0041""#] {
            XCTAssertThrowsError(try parse(bad)) { e in
                XCTAssertEqual((e as? JSONParseError)?.kind, .loneSurrogate, bad)
            }
        }
    }

    func testInvalidUTF8Rejected() {
        let cases: [[UInt8]] = [
            [0x22, 0xC3, 0x22],              // truncated
            [0x22, 0xC0, 0xAF, 0x22],        // overlong
            [0x22, 0xED, 0xA0, 0x80, 0x22],  // encoded surrogate
            [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22],  // above U+10FFFF
            [0x22, 0xFF, 0x22],
            [0x5B, 0xC3, 0xA9, 0x5D],        // non-ASCII outside a string
        ]
        for bytes in cases {
            XCTAssertThrowsError(try JSONParser.parse(bytes), "\(bytes)")
        }
        XCTAssertEqual(try JSONParser.parse(Array("\"中文 é 😀\"".utf8)), .string("中文 é 😀"))
    }

    func testDuplicateKeysRejected() {
        XCTAssertThrowsError(try parse(#"{"a":1,"b":2,"a":3}"#)) { e in
            XCTAssertEqual((e as? JSONParseError)?.kind, .duplicateKey("a"))
        }
        let many = "{" + (0..<40).map { "\"k\($0)\":1" }.joined(separator: ",") + ",\"k7\":2}"
        assertRejects(many)
        XCTAssertNoThrow(try parse(#"{"a":{"a":1},"b":{"a":2}}"#))
    }

    func testDeepNestingIsACleanError() {
        let deep = String(repeating: "[", count: 10_000)
        XCTAssertThrowsError(try parse(deep)) { e in
            XCTAssertEqual((e as? JSONParseError)?.kind, .tooDeep(limit: 128))
        }
        let deepObjects = String(repeating: "{\"a\":", count: 100_000)
        XCTAssertThrowsError(try parse(deepObjects))
        XCTAssertNoThrow(try parse(String(repeating: "[", count: 128) + String(repeating: "]", count: 128)))
        assertRejects(String(repeating: "[", count: 129) + String(repeating: "]", count: 129))
        // An absurd limit is capped, so no value deep enough to overflow on release is built.
        let big = String(repeating: "[", count: 50_000) + String(repeating: "]", count: 50_000)
        XCTAssertThrowsError(try parse(big, maxDepth: 1_000_000)) { e in
            XCTAssertEqual((e as? JSONParseError)?.kind, .tooDeep(limit: JSONParser.depthCeiling))
        }
    }

    func testNumbers() throws {
        XCTAssertEqual(try parse("9223372036854775807").int64Value, .max)
        XCTAssertEqual(try parse("-9223372036854775808").int64Value, .min)
        let huge = try parse("123456789012345678901234567890")
        XCTAssertNil(huge.int64Value)
        guard case .number(let n) = huge else { return XCTFail() }
        XCTAssertTrue(n.isIntegerLiteral)
        XCTAssertEqual(n.text, "123456789012345678901234567890")
        XCTAssertEqual(huge.serialized(), Array("123456789012345678901234567890".utf8))
        XCTAssertNil(try parse("1e2").int64Value)
        XCTAssertNil(try parse("1.0").int64Value)
        XCTAssertEqual(try parse("1e400").doubleValue, .infinity)
        XCTAssertEqual(try parse("-0").int64Value, 0)
    }

    func testNonContiguousInput() throws {
        let bytes = Array("[1,\"x\"]".utf8)
        XCTAssertEqual(try JSONParser.parse(bytes: bytes.lazy.map { $0 }), [1, "x"])
        XCTAssertEqual(try JSONParser.parse(bytes: bytes[...]), [1, "x"])
    }
}
