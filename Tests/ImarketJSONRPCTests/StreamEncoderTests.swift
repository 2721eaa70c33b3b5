import XCTest

@testable import ImarketJSONRPC

/// `JSONStreamEncoder` must give exactly the bytes of `JSONValueEncoder` + `serialized()`: for
/// the sequential encodings it streams, and (by starting over with the tree) for the irregular
/// ones it cannot.
final class StreamEncoderTests: XCTestCase {
    private func assertSameBytes<T: Encodable>(_ value: T, file: StaticString = #filePath, line: UInt = #line) throws {
        let tree = String(decoding: try JSONValueEncoder().encode(value).serialized(), as: UTF8.self)
        let stream = String(decoding: try JSONStreamEncoder.encode(value), as: UTF8.self)
        XCTAssertEqual(stream, tree, file: file, line: line)
    }

    private func streams<T: Encodable>(_ value: T) -> Bool {
        (try? JSONStreamEncoder.stream(value)) != nil
    }

    /// Like the app's scores: a number whose literal text matters ("80.00"), via `JSONValue`.
    struct Score: Encodable {
        func encode(to e: any Encoder) throws { try JSONValue.number(JSONNumber(text: "80.00")!).encode(to: e) }
    }
    struct Inner: Codable { var a: Int; var b: String; var c: [UInt8]? }
    /// The tree encoder's own sample (wrappers, nulls, raw values) plus what it does not cover.
    struct Sample: Encodable {
        var base: EncoderTests.Sample
        var inner: Inner
        var nested: [[Inner]]
        var map: [String: Int]
        var flags: [Bool]
        var ratio: Double
        var infinite: Double
        var big: UInt64
        var text: String
        var score: Score
        var scores: [Score]
    }

    func testSequentialEncodingsStreamTheSameBytes() throws {
        let base = EncoderTests.Sample(
            id: "x", missing: nil, present: 7, inner: .init(a: 1, b: "q"), noInner: nil, money: .init(fen: -250),
            kind: .closed, raw: ["k": [1, 2, ["z": .null]], "s": "t"], list: [.init(a: 2, b: "r")], optionalDropped: nil)
        let value = Sample(
            base: base, inner: Inner(a: 3, b: "", c: [1, 2]), nested: [[], [Inner(a: 4, b: "s", c: nil)]],
            map: ["only": 1], flags: [true, false], ratio: 0.25, infinite: .infinity, big: .max,
            text: "quote \" backslash \\ newline \n tab \t bell \u{7} 中文", score: Score(), scores: [Score()])
        try assertSameBytes(value)
        try assertSameBytes([value, value])
        try assertSameBytes([Sample]())
        try assertSameBytes("plain")
        try assertSameBytes(Optional<Int>.none)
        try assertSameBytes(JSONValue.object(JSONObject()))
        try assertSameBytes(EmptyParams())
        XCTAssertTrue(streams(value), "a synthesized conformance must not need the tree")
        XCTAssertTrue(String(decoding: try JSONStreamEncoder.encode(value), as: UTF8.self).contains(#""score":80.00,"scores":[80.00]"#))
    }

    /// The member types `JSONStreamSink.writeCommon` writes without casts, present and absent,
    /// as members, elements and top-level values.
    struct Common: Encodable {
        var text: String
        var count: Int
        var fen: Int64
        @NullEncodable var note: String?
        @NullEncodable var noNote: String?
        @NullEncodable var minFen: Int64?
        @NullEncodable var noMinFen: Int64?
        @NullEncodable var days: Int?
        @NullEncodable var noDays: Int?
        var raw: JSONValue
        var texts: [String]
        var fens: [Int64]
    }

    func testCommonMemberTypesStreamTheSameBytes() throws {
        let value = Common(
            text: "é \"q\"", count: -3, fen: .min, note: "n", noNote: nil, minFen: .max, noMinFen: nil, days: 0, noDays: nil,
            raw: ["a": [1, "b", .null], "c": .bool(true)], texts: ["", "x"], fens: [0, -1])
        try assertSameBytes(value)
        try assertSameBytes([value])
        try assertSameBytes(NullEncodable<String>(wrappedValue: nil))
        try assertSameBytes(NullEncodable<Int64>(wrappedValue: 5))
        try assertSameBytes(Int64.max)
        try assertSameBytes(JSONValue.array([.null, "s"]))
        XCTAssertTrue(streams(value))
        XCTAssertEqual(String(decoding: try JSONStreamEncoder.encode(value), as: UTF8.self),
                       #"{"text":"é \"q\"","count":-3,"fen":-9223372036854775808,"note":"n","noNote":null,"minFen":9223372036854775807,"#
                       + #""noMinFen":null,"days":0,"noDays":null,"raw":{"a":[1,"b",null],"c":true},"texts":["","x"],"fens":[0,-1]}"#)
    }

    func testContainersThatNestAndReturnStream() throws {
        struct Manual: Encodable {
            enum K: String, CodingKey { case a, b, c, d }
            func encode(to e: any Encoder) throws {
                var c = e.container(keyedBy: K.self)
                var inner = c.nestedContainer(keyedBy: K.self, forKey: .a)
                try inner.encode(1, forKey: .b)
                var list = inner.nestedUnkeyedContainer(forKey: .c)
                try list.encode("x")
                var deeper = list.nestedContainer(keyedBy: K.self)
                try deeper.encodeNil(forKey: .d)
                try list.encode(EncoderTests.Kind.open)
                try c.encode(2, forKey: .b)  // closes a's containers first
                _ = c.nestedUnkeyedContainer(forKey: .c)  // empty array
                try c.encode(Nothing(), forKey: .d)  // a value that opens no container: {}
            }
        }
        struct Nothing: Encodable { func encode(to e: any Encoder) throws {} }
        try assertSameBytes(Manual())
        XCTAssertEqual(String(decoding: try JSONStreamEncoder.encode(Manual()), as: UTF8.self),
                       #"{"a":{"b":1,"c":["x",{"d":null},"open"]},"b":2,"c":[],"d":{}}"#)
        XCTAssertTrue(streams(Manual()))
    }

    func testIrregularEncodingsFallBackToTheTree() throws {
        typealias Twice = EncoderTests.Twice
        struct LateWrite: Encodable {
            enum K: String, CodingKey { case a, b, c }
            func encode(to e: any Encoder) throws {
                var c = e.container(keyedBy: K.self)
                var inner = c.nestedContainer(keyedBy: K.self, forKey: .a)
                try c.encode(1, forKey: .b)
                try inner.encode(2, forKey: .c)  // into a container the stream already closed
            }
        }
        struct Super: Encodable {
            enum K: String, CodingKey { case a }
            func encode(to e: any Encoder) throws {
                var c = e.container(keyedBy: K.self)
                try c.encode(1, forKey: .a)
                var s = c.superEncoder().singleValueContainer()
                try s.encode("base")
            }
        }
        struct TwoSingles: Encodable {
            func encode(to e: any Encoder) throws {
                var s = e.singleValueContainer()
                try s.encode(1)
                var t = e.singleValueContainer()
                try t.encode("two")
            }
        }
        try assertSameBytes(Twice())
        XCTAssertEqual(String(decoding: try JSONStreamEncoder.encode(Twice()), as: UTF8.self), #"{"a":"again","b":2}"#)
        try assertSameBytes(LateWrite())
        XCTAssertEqual(String(decoding: try JSONStreamEncoder.encode(LateWrite()), as: UTF8.self), #"{"a":{"c":2},"b":1}"#)
        try assertSameBytes(Super())
        try assertSameBytes(TwoSingles())
        XCTAssertFalse(streams(Twice()) || streams(LateWrite()) || streams(Super()) || streams(TwoSingles()))
        // The encoder resolved per type falls back the same way.
        XCTAssertEqual(String(decoding: try JSONStreamEncoder.encoder(for: LateWrite.self, after: Array("p:".utf8))(LateWrite()), as: UTF8.self),
                       #"p:{"a":{"c":2},"b":1}"#)
    }

    /// Result buffers are sized from recent results: up at once, down slowly, never past the ceiling.
    func testSizeHintFollowsResults() {
        let hint = JSONStreamEncoder.SizeHint()
        let start = hint.capacity
        _ = hint.noting([UInt8](repeating: 0, count: 5_000))
        XCTAssertEqual(hint.capacity, 5_000 + JSONStreamEncoder.SizeHint.slack, "a larger result raises it at once")
        _ = hint.noting([UInt8](repeating: 0, count: 100))
        XCTAssertLessThan(hint.capacity, 5_000 + JSONStreamEncoder.SizeHint.slack)
        XCTAssertGreaterThan(hint.capacity, 4_000, "one small result lowers it only a little")
        for _ in 0..<200 { _ = hint.noting([UInt8](repeating: 0, count: 100)) }
        XCTAssertLessThan(hint.capacity, start, "a run of small results brings it down")
        _ = hint.noting([UInt8](repeating: 0, count: 1_000_000))
        XCTAssertEqual(hint.capacity, JSONStreamEncoder.SizeHint.ceiling + JSONStreamEncoder.SizeHint.slack)
        // Encoding through a resolved encoder feeds its hint; the bytes are unchanged.
        let encode = JSONStreamEncoder.encoder(for: [String].self)
        let long = [String](repeating: "demand", count: 500)
        XCTAssertEqual(try encode(long), try JSONStreamEncoder.encode(long))
        XCTAssertEqual(try encode(long), try JSONStreamEncoder.encode(long))
    }

    func testErrorsFromValuesPropagate() {
        struct Failing: Encodable {
            struct Oops: Error {}
            func encode(to e: any Encoder) throws { throw Oops() }
        }
        XCTAssertThrowsError(try JSONStreamEncoder.encode([Failing()])) { XCTAssertTrue($0 is Failing.Oops) }
    }

    /// `writeMembers` is what the stream writes, wherever the value sits (top level, array
    /// element, object member), while the tree encoder keeps using `Encodable`; every member
    /// kind writes what `Encodable` (with `NullEncodable` for optionals) would.
    func testObjectWritableTypesWriteTheirOwnMembers() throws {
        struct Written: JSONObjectWritable {
            var text = "é \"q\"\n"
            var noText: String? = nil
            var count = -3
            var fen: Int64? = .max
            var noFen: Int64? = nil
            var raw: JSONValue = ["a": [1, "b", .null]]
            var nested: [Inner]? = [Inner(a: 1, b: "x", c: nil)]
            var noNested: Inner? = nil
            var own: Own? = Own(n: 2)
            var noOwn: Own? = nil
            var owns = [Own(n: 3), Own(n: 4)]
            var noOwns: [Own] = []
            var marker = "encodable"

            struct Own: JSONObjectWritable {
                var n: Int
                func writeMembers(to object: inout JSONObjectWriter) throws { object.member("n", n) }
            }

            enum CodingKeys: String, CodingKey { case text, noText, count, fen, noFen, raw, nested, noNested, own, noOwn, owns, noOwns, marker }
            func encode(to e: any Encoder) throws {
                var c = e.container(keyedBy: CodingKeys.self)
                try c.encode(text, forKey: .text)
                try c.encode(NullEncodable(wrappedValue: noText), forKey: .noText)
                try c.encode(count, forKey: .count)
                try c.encode(NullEncodable(wrappedValue: fen), forKey: .fen)
                try c.encode(NullEncodable(wrappedValue: noFen), forKey: .noFen)
                try c.encode(raw, forKey: .raw)
                try c.encode(NullEncodable(wrappedValue: nested), forKey: .nested)
                try c.encode(NullEncodable(wrappedValue: noNested), forKey: .noNested)
                try c.encode(NullEncodable(wrappedValue: own), forKey: .own)
                try c.encode(NullEncodable(wrappedValue: noOwn), forKey: .noOwn)
                try c.encode(owns, forKey: .owns)
                try c.encode(noOwns, forKey: .noOwns)
                try c.encode(marker, forKey: .marker)
            }

            func writeMembers(to object: inout JSONObjectWriter) throws {
                object.member("text", text)
                object.member("noText", noText)
                object.member("count", count)
                object.member("fen", fen)
                object.member("noFen", noFen)
                object.member("raw", raw)
                try object.member("nested", encoding: nested)
                try object.member("noNested", encoding: noNested)
                try object.member("own", own)
                try object.member("noOwn", noOwn)
                try object.member("owns", owns)
                try object.member("noOwns", noOwns)
                object.member("marker", "written")
            }
        }
        let expected = #"{"text":"é \"q\"\n","noText":null,"count":-3,"fen":9223372036854775807,"noFen":null,"#
            + #""raw":{"a":[1,"b",null]},"nested":[{"a":1,"b":"x"}],"noNested":null,"own":{"n":2},"noOwn":null,"#
            + #""owns":[{"n":3},{"n":4}],"noOwns":[],"marker":"#
        XCTAssertEqual(String(decoding: try JSONStreamEncoder.encode(Written()), as: UTF8.self), expected + #""written"}"#)
        XCTAssertEqual(String(decoding: try JSONValueEncoder().encode(Written()).serialized(), as: UTF8.self), expected + #""encodable"}"#)
        XCTAssertEqual(String(decoding: try JSONStreamEncoder.encode(["k": [Written()]]), as: UTF8.self),
                       #"{"k":["# + expected + #""written"}]}"#)
        // The encoder resolved once per type (as the registry does per method) takes the same
        // path as `encode`: the written members for a writable type, `Encodable` otherwise.
        let prefix = Array("pre:".utf8)
        let writer = JSONStreamEncoder.encoder(for: Written.self, after: prefix)
        XCTAssertEqual(String(decoding: try writer(Written()), as: UTF8.self), "pre:" + expected + #""written"}"#)
        XCTAssertEqual(String(decoding: try JSONStreamEncoder.encoder(for: Written.Own.self)(.init(n: 9)), as: UTF8.self), #"{"n":9}"#)
        let plain = JSONStreamEncoder.encoder(for: [String: Int].self, after: prefix)
        XCTAssertEqual(String(decoding: try plain(["a": 1]), as: UTF8.self), #"pre:{"a":1}"#)
    }
}
