import Foundation

/// A Swift type that can be read from a column's text-format value.
public protocol PostgresDecodable: Sendable {
    /// `column` is only for the error message.
    static func decode(postgresText text: String, column: String) throws -> Self
}

extension String: PostgresDecodable {
    public static func decode(postgresText text: String, column: String) throws -> String { text }
}

extension Int64: PostgresDecodable {
    public static func decode(postgresText text: String, column: String) throws -> Int64 {
        guard let value = Int64(text) else { throw PostgresError.decoding(column: column, "not an integer") }
        return value
    }
}

extension Int: PostgresDecodable {
    public static func decode(postgresText text: String, column: String) throws -> Int {
        guard let value = Int(text) else { throw PostgresError.decoding(column: column, "not an integer") }
        return value
    }
}

extension Int32: PostgresDecodable {
    public static func decode(postgresText text: String, column: String) throws -> Int32 {
        guard let value = Int32(text) else { throw PostgresError.decoding(column: column, "not a 32-bit integer") }
        return value
    }
}

extension Bool: PostgresDecodable {
    public static func decode(postgresText text: String, column: String) throws -> Bool {
        switch text {
        case "t", "true": return true
        case "f", "false": return false
        default: throw PostgresError.decoding(column: column, "not a boolean")
        }
    }
}

extension Double: PostgresDecodable {
    /// Accepts numeric and float output alike, including Infinity / -Infinity / NaN.
    public static func decode(postgresText text: String, column: String) throws -> Double {
        guard let value = Double(text) else { throw PostgresError.decoding(column: column, "not a number") }
        return value
    }
}

extension Date: PostgresDecodable {
    public static func decode(postgresText text: String, column: String) throws -> Date {
        guard let value = PostgresTimestamp.parse(text) else {
            throw PostgresError.decoding(column: column, "not an ISO timestamp")
        }
        return value
    }
}

extension PostgresJSON: PostgresDecodable {
    public static func decode(postgresText text: String, column: String) throws -> PostgresJSON {
        PostgresJSON(text)
    }
}

extension Array: PostgresDecodable where Element == UInt8 {
    /// bytea hex output (`\x…`, the server default since 9.0).
    public static func decode(postgresText text: String, column: String) throws -> [UInt8] {
        let utf8 = Array<UInt8>(text.utf8)
        guard utf8.count >= 2, utf8[0] == UInt8(ascii: "\\"), utf8[1] == UInt8(ascii: "x"), utf8.count % 2 == 0 else {
            throw PostgresError.decoding(column: column, "not bytea hex output")
        }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case 0x30...0x39: return c - 0x30
            case 0x61...0x66: return c - 0x61 + 10
            case 0x41...0x46: return c - 0x41 + 10
            default: return nil
            }
        }
        var bytes = [UInt8]()
        bytes.reserveCapacity((utf8.count - 2) / 2)
        var index = 2
        while index < utf8.count {
            guard let high = nibble(utf8[index]), let low = nibble(utf8[index + 1]) else {
                throw PostgresError.decoding(column: column, "not bytea hex output")
            }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }
}
