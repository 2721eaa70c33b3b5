import XCTest

@testable import ImarketJSONRPC

/// `JSONValueEncoder`: member order, `null` members, the inline scalar and wrapper paths, and
/// values that encode themselves.
final class EncoderTests: XCTestCase {
    struct Money: Codable { var fen: Int64; func encode(to e: any Encoder) throws { var c = e.singleValueContainer(); try c.encode(fen) } }
    struct Inner: Codable { var a: Int; var b: String }
    enum Kind: String, Codable { case open, closed }
    struct Sample: Encodable {
        var id: String
        @NullEncodable var missing: String?
        @NullEncodable var present: Int64?
        @NullEncodable var inner: Inner?
        @NullEncodable var noInner: Inner?
        var money: Money
        var kind: Kind
        var raw: JSONValue
        var list: [Inner]
        var optionalDropped: String?
    }

    func testMembersInOrderWithNullsAndNestedValues() throws {
        let value = Sample(id: "x", missing: nil, present: 7, inner: Inner(a: 1, b: "q"), noInner: nil,
                           money: Money(fen: 250), kind: .closed, raw: ["k": [1, 2]], list: [Inner(a: 2, b: "r")],
                           optionalDropped: nil)
        let json = String(decoding: try JSONValueEncoder().encode(value).serialized(), as: UTF8.self)
        XCTAssertEqual(json, #"{"id":"x","missing":null,"present":7,"inner":{"a":1,"b":"q"},"noInner":null,"money":250,"kind":"closed","raw":{"k":[1,2]},"list":[{"a":2,"b":"r"}]}"#)
    }

    /// Encodes key `a` twice.
    struct Twice: Encodable {
        enum K: String, CodingKey { case a, b }
        func encode(to e: any Encoder) throws {
            var c = e.container(keyedBy: K.self)
            try c.encode(1, forKey: .a)
            try c.encode(2, forKey: .b)
            try c.encode("again", forKey: .a)
        }
    }

    func testReEncodingAKeyReplacesItInPlace() throws {
        let json = String(decoding: try JSONValueEncoder().encode(Twice()).serialized(), as: UTF8.self)
        XCTAssertEqual(json, #"{"a":"again","b":2}"#)
    }
}
