/// A 6-digit administrative division code (行政区划代码, e.g. `430482`), API.md section 4.
///
/// Region codes are hierarchical by prefix (2 digits province, 4 digits city, 6 digits county),
/// which is why overseer scopes, `regionRestriction` and search filters are *prefixes* of 1–6
/// digits: a prefix `43` means "anywhere in Hunan". Only ASCII digits count — full-width or other
/// Unicode digits are rejected so that prefix matching stays a plain byte comparison.
public struct RegionCode: Hashable, Sendable, CustomStringConvertible {
    public let value: String

    /// Fails unless `value` is exactly 6 ASCII digits.
    public init?(_ value: String) {
        guard RegionCode.validate(value) else { return nil }
        self.value = value
    }

    public var description: String { value }

    /// True iff `s` is exactly 6 ASCII digits.
    public static func validate(_ s: String) -> Bool {
        isAsciiDigits(s, lengths: 6...6)
    }

    /// True iff `s` is a region prefix: 1–6 ASCII digits.
    public static func validatePrefix(_ s: String) -> Bool {
        isAsciiDigits(s, lengths: 1...6)
    }

    /// True iff this region lies within `prefix` (which must itself be a valid prefix).
    public func isWithin(prefix: String) -> Bool {
        RegionCode.validatePrefix(prefix) && value.utf8.starts(with: prefix.utf8)
    }

    /// True iff `regionCode` starts with `prefix`; nil prefix means "no restriction".
    /// Invalid inputs never match, so a corrupt scope cannot widen what an overseer sees.
    public static func matches(_ regionCode: String, prefix: String?) -> Bool {
        guard let prefix else { return true }
        return validate(regionCode) && validatePrefix(prefix) && regionCode.utf8.starts(with: prefix.utf8)
    }

    static func isAsciiDigits(_ s: String, lengths: ClosedRange<Int>) -> Bool {
        let bytes = s.utf8
        return lengths.contains(bytes.count)
            && bytes.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    }
}

/// A 5-digit government economic classification code (政府支出经济分类, e.g. `30227` 委托业务费),
/// used by payment records and the rule `intermediaryEconomicCodes`.
public enum EconomicCode {
    /// True iff `s` is exactly 5 ASCII digits.
    public static func validate(_ s: String) -> Bool {
        RegionCode.isAsciiDigits(s, lengths: 5...5)
    }
}
