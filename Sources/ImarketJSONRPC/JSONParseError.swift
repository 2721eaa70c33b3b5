/// Why a body is not acceptable JSON. The engine maps every case to -32700; the detail is for
/// logs and tests, not for clients.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        case unexpectedEnd
        case unexpectedByte(UInt8)
        case invalidUTF8
        case invalidEscape
        case loneSurrogate
        case controlCharacterInString
        case invalidNumber
        case duplicateKey(String)
        case tooDeep(limit: Int)
        case trailingData
    }

    public let kind: Kind
    /// Byte offset into the input where the problem was detected.
    public let offset: Int

    public init(_ kind: Kind, at offset: Int) {
        self.kind = kind
        self.offset = offset
    }

    public var description: String { "JSON parse error at byte \(offset): \(kind)" }
}
