import XCTest
import ImarketJSONRPC

final class JSONSerializerTests: XCTestCase {
    func testEscapingRoundTrip() throws {
        var all = ""
        for c in 0..<0x20 { all.unicodeScalars.append(Unicode.Scalar(UInt8(c))) }
        let original = "q\"b\\s/ \(all) 中文 😀 \u{7F}\u{2028}"
        let value = JSONValue.object(JSONObject([(key: "k\"\n", value: .string(original))]))
        let bytes = value.serialized()
        XCTAssertEqual(try JSONParser.parse(bytes), value)
        let text = String(decoding: bytes, as: UTF8.self)
        XCTAssertTrue(text.contains(#"q\"b\\s/"#))
        XCTAssertTrue(text.contains(#"\u0000\u0001"#))
        XCTAssertTrue(text.contains(#"\b\t\n\u000b\f\r"#))
        XCTAssertTrue(text.contains("中文 😀"), "non-ASCII stays UTF-8")
        XCTAssertFalse(bytes.contains { $0 < 0x20 })
    }

    func testCompactAndOrderPreserving() throws {
        let v = try JSONParser.parse(Array(#" { "z" : [ 1 , 2.50 , -0 ] , "a" : { "y" : null , "b" : false } } "#.utf8))
        XCTAssertEqual(v.jsonString, #"{"z":[1,2.50,-0],"a":{"y":null,"b":false}}"#)
    }

    func testCanonicalSortsKeysByUTF8Bytes() throws {
        let v = try JSONParser.parse(Array(#"{"b":1,"a":{"é":1,"z":2,"Z":3},"B":[{"y":1,"x":2}],"aa":0}"#.utf8))
        XCTAssertEqual(String(decoding: v.canonicalSerialized(), as: UTF8.self),
                       #"{"B":[{"x":2,"y":1}],"a":{"Z":3,"z":2,"é":1},"aa":0,"b":1}"#)
        let reordered = try JSONParser.parse(Array(#"{"aa":0,"B":[{"x":2,"y":1}],"b":1,"a":{"z":2,"Z":3,"é":1}}"#.utf8))
        XCTAssertEqual(v.canonicalSerialized(), reordered.canonicalSerialized())
    }

    func testNumbersFromSwiftValues() {
        XCTAssertEqual(JSONValue.number(JSONNumber(0.1)).jsonString, "0.1")
        XCTAssertEqual(JSONValue.number(JSONNumber(3.0)).jsonString, "3")
        XCTAssertEqual(JSONValue.number(JSONNumber(Int64.min)).jsonString, "-9223372036854775808")
        XCTAssertNotNil(JSONNumber(text: JSONNumber(1e-7).text))
        XCTAssertNil(JSONNumber(text: "01"))
    }
}
