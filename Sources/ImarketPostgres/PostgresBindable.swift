import Foundation

/// A Swift value that can travel as a bound statement parameter (text format).
/// Values are never spliced into SQL; this only produces the parameter's text form.
public protocol PostgresBindable: Sendable {
    /// The parameter type used when the statement is first prepared. 0 lets the server
    /// infer it from context, which is what strings want (they may target uuid, enums…).
    var postgresTypeOID: UInt32 { get }
    /// The text the server's type input function will parse.
    var postgresText: String { get }
}

extension String: PostgresBindable {
    public var postgresTypeOID: UInt32 { 0 }
    public var postgresText: String { self }
}

extension Int: PostgresBindable {
    public var postgresTypeOID: UInt32 { 20 }
    public var postgresText: String { String(self) }
}

extension Int64: PostgresBindable {
    public var postgresTypeOID: UInt32 { 20 }
    public var postgresText: String { String(self) }
}

extension Int32: PostgresBindable {
    public var postgresTypeOID: UInt32 { 23 }
    public var postgresText: String { String(self) }
}

extension Bool: PostgresBindable {
    public var postgresTypeOID: UInt32 { 16 }
    public var postgresText: String { self ? "true" : "false" }
}

extension Double: PostgresBindable {
    public var postgresTypeOID: UInt32 { 701 }
    /// Swift's shortest round-tripping form, with PostgreSQL's spelling of the specials.
    public var postgresText: String {
        if isNaN { return "NaN" }
        if isInfinite { return self < 0 ? "-Infinity" : "Infinity" }
        return "\(self)"
    }
}

extension Date: PostgresBindable {
    public var postgresTypeOID: UInt32 { 1184 }
    /// RFC 3339 in UTC with microseconds, e.g. 2026-11-29T00:00:00.123456Z.
    public var postgresText: String { PostgresTimestamp.format(self) }
}

/// Array can conform to a protocol only once, so every array flavour goes through this:
/// `[UInt8]` is bytea, `[String]` a text[] literal, `[Int64]` / `[Int]` an int8[] literal.
public protocol PostgresArrayElement: Sendable {
    static var postgresArrayTypeOID: UInt32 { get }
    static func postgresArrayText(_ elements: [Self]) -> String
}

extension Array: PostgresBindable where Element: PostgresArrayElement {
    public var postgresTypeOID: UInt32 { Element.postgresArrayTypeOID }
    public var postgresText: String { Element.postgresArrayText(self) }
}

extension UInt8: PostgresArrayElement {
    /// bytea in hex form (`\x0102…`).
    public static var postgresArrayTypeOID: UInt32 { 17 }
    public static func postgresArrayText(_ elements: [UInt8]) -> String {
        let digits = Array<UInt8>("0123456789abcdef".utf8)
        var out = [UInt8](repeating: 0, count: elements.count * 2 + 2)
        out[0] = UInt8(ascii: "\\")
        out[1] = UInt8(ascii: "x")
        for (index, byte) in elements.enumerated() {
            out[2 + index * 2] = digits[Int(byte >> 4)]
            out[3 + index * 2] = digits[Int(byte & 0x0f)]
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension String: PostgresArrayElement {
    /// Left to the server (0) so the same literal can feed text[], varchar[], uuid[]….
    public static var postgresArrayTypeOID: UInt32 { 0 }
    /// Every element is quoted so commas, braces, blanks and the word NULL arrive as data.
    /// Built byte by byte (only ASCII is inserted into valid UTF-8): appending scalar by scalar
    /// to a String cost a shared demand read's batch about a microsecond per key.
    public static func postgresArrayText(_ elements: [String]) -> String {
        let quote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\")
        var out: [UInt8] = []
        out.reserveCapacity(elements.reduce(2) { $0 + $1.utf8.count + 3 })
        out.append(UInt8(ascii: "{"))
        for (index, element) in elements.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out.append(quote)
            for byte in element.utf8 {
                if byte == quote || byte == backslash { out.append(backslash) }
                out.append(byte)
            }
            out.append(quote)
        }
        out.append(UInt8(ascii: "}"))
        return String(decoding: out, as: UTF8.self)
    }
}

extension Int64: PostgresArrayElement {
    public static var postgresArrayTypeOID: UInt32 { 1016 }
    public static func postgresArrayText(_ elements: [Int64]) -> String {
        "{" + elements.map(String.init).joined(separator: ",") + "}"
    }
}

extension Int: PostgresArrayElement {
    public static var postgresArrayTypeOID: UInt32 { 1016 }
    public static func postgresArrayText(_ elements: [Int]) -> String {
        "{" + elements.map(String.init).joined(separator: ",") + "}"
    }
}

/// jsonb: the caller has already serialized the document.
public struct PostgresJSON: PostgresBindable, Hashable {
    public var text: String
    public init(_ text: String) { self.text = text }
    public var postgresTypeOID: UInt32 { 3802 }
    public var postgresText: String { text }
}
