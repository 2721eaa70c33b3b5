/// Always writes its member, as JSON `null` when empty.
///
/// The synthesized `encode(to:)` drops nil optionals (`encodeIfPresent`); results whose contract
/// lists a field as "string|null" (`nextCursor`, `reviewedAt`, `orgId`) wrap it:
/// `@NullEncodable var nextCursor: String?`. Decoding treats absent and `null` alike.
@propertyWrapper
public struct NullEncodable<Wrapped> {
    public var wrappedValue: Wrapped?

    public init(wrappedValue: Wrapped?) {
        self.wrappedValue = wrappedValue
    }
}

extension NullEncodable: Sendable where Wrapped: Sendable {}
extension NullEncodable: Equatable where Wrapped: Equatable {}

extension NullEncodable: Encodable where Wrapped: Encodable {
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        if let wrappedValue { try c.encode(wrappedValue) } else { try c.encodeNil() }
    }
}

extension NullEncodable: JSONDirectEncodable {
    /// `null`, or a scalar as is; other wrapped types go through `encode(to:)`.
    var directJSON: JSONValue? {
        guard let wrappedValue else { return .null }
        return (wrappedValue as? any JSONPrimitive)?.toJSON
    }
}

extension NullEncodable: Decodable where Wrapped: Decodable {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        wrappedValue = c.decodeNil() ? nil : try c.decode(Wrapped.self)
    }
}

extension KeyedDecodingContainer {
    /// Picked by the synthesized `init(from:)` over the generic `decode`, so a missing member is
    /// nil instead of `missing_field`.
    public func decode<W: Decodable>(_ type: NullEncodable<W>.Type, forKey key: Key) throws -> NullEncodable<W> {
        NullEncodable(wrappedValue: try decodeIfPresent(W.self, forKey: key))
    }
}

/// A member that distinguishes "absent" from "null" from a value — for update methods where
/// `null` means "clear it" and absence means "leave it".
public enum JSONNullable<Wrapped> {
    case absent
    case null
    case value(Wrapped)

    /// The value, or nil when absent or null.
    public var value: Wrapped? {
        if case .value(let w) = self { return w }
        return nil
    }

    public var isAbsent: Bool {
        if case .absent = self { return true }
        return false
    }
}

extension JSONNullable: Sendable where Wrapped: Sendable {}
extension JSONNullable: Equatable where Wrapped: Equatable {}

extension JSONNullable: Decodable where Wrapped: Decodable {
    /// Only reached for a present member (see the container overload below).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        self = c.decodeNil() ? .null : .value(try c.decode(Wrapped.self))
    }
}

extension JSONNullable: Encodable where Wrapped: Encodable {
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .absent, .null: try c.encodeNil()
        case .value(let w): try c.encode(w)
        }
    }
}

extension KeyedDecodingContainer {
    public func decode<W: Decodable>(_ type: JSONNullable<W>.Type, forKey key: Key) throws -> JSONNullable<W> {
        guard contains(key) else { return .absent }
        if try decodeNil(forKey: key) { return .null }
        return .value(try decode(W.self, forKey: key))
    }
}

extension KeyedEncodingContainer {
    /// Absent members stay absent in the output.
    public mutating func encode<W: Encodable>(_ value: JSONNullable<W>, forKey key: Key) throws {
        switch value {
        case .absent: return
        case .null: try encodeNil(forKey: key)
        case .value(let w): try encode(w, forKey: key)
        }
    }
}
