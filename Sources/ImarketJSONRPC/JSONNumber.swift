/// A JSON number that keeps its literal text.
///
/// The text is kept so ids are echoed byte-for-byte and money amounts never pass through a
/// `Double`. Equality compares the literal text, so `1` and `1.0` are different numbers; this is
/// deliberate, because canonical digests must change whenever the client's bytes change.
public struct JSONNumber: Sendable, Hashable, CustomStringConvertible {
    /// The literal exactly as it appeared in the input (or as produced by the initializers).
    public let text: String

    /// The exact value, only for plain integer literals (`-?digits`, no fraction, no exponent)
    /// that fit in `Int64`. `1e2` and `1.0` give `nil` on purpose: the API's integer fields
    /// (money in fen, limits) must be written as integers, and rejecting other spellings keeps
    /// "what the client sent" and "what we stored" identical.
    public let int64Value: Int64?

    /// True when the literal has no fraction and no exponent, whether or not it fits in Int64.
    public let isIntegerLiteral: Bool

    /// Parser entry point: the caller has already validated the grammar.
    init(validatedText: String, isIntegerLiteral: Bool, int64Value: Int64?) {
        self.text = validatedText
        self.isIntegerLiteral = isIntegerLiteral
        self.int64Value = int64Value
    }

    public init(_ value: Int64) {
        self.text = String(value)
        self.isIntegerLiteral = true
        self.int64Value = value
    }

    public init(_ value: Int) { self.init(Int64(value)) }

    /// Non-finite doubles have no JSON spelling; they are written as `null` by the encoder
    /// before reaching here, so this traps on them to surface the bug.
    public init(_ value: Double) {
        precondition(value.isFinite, "JSON cannot represent \(value)")
        if value == value.rounded(), abs(value) < 9.0e15 {
            self.init(Int64(value))
        } else {
            self.init(validatedText: "\(value)", isIntegerLiteral: false, int64Value: nil)
        }
    }

    /// Parses a standalone literal with the strict RFC 8259 grammar; `nil` if it is not one.
    public init?(text: String) {
        guard case .number(let n)? = try? JSONParser.parse(Array(text.utf8)) else { return nil }
        self = n
    }

    /// The value as a double; may be `±infinity` for literals beyond Double's range
    /// (e.g. `1e400`), which the decoder reports as out of range.
    public var doubleValue: Double {
        Double(text) ?? .nan
    }

    /// Unsigned value for plain integer literals up to `UInt64.max`.
    public var uint64Value: UInt64? {
        guard isIntegerLiteral else { return nil }
        return UInt64(text)
    }

    public var description: String { text }
}
