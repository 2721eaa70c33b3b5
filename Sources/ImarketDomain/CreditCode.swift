/// The 18-character unified social credit code (统一社会信用代码) of API.md section 4.
///
/// A code is valid iff
/// - every character is in `0123456789ABCDEFGHJKLMNPQRTUWXY` (upper case only; I, O, Z, S, V are
///   excluded by GB 32100 because they are easily confused with digits);
/// - characters 9–17 form an organization code (GB 11714) whose 9th character is the check
///   character over characters 9–16 (weights 3,7,9,10,5,8,4,2; digit values 0–9, letters A=10 … Z=35
///   — note: the *alphabet position*, not the index in the credit-code character set;
///   c = 11 − (sum mod 11), 10 → `X`, 11 → `0`);
/// - the 18th character is the GB 32100 check character over characters 1–17 (weights 1,3,9,27,…,28,
///   values = index in the character set; c = 31 − (sum mod 31), 31 → 0).
///
/// Both checks are implemented here exactly as the contract states them, so that the server, test
/// data generators and clients agree on which codes are accepted (-32022 `invalid_credit_code`).
public struct CreditCode: Hashable, Sendable, CustomStringConvertible {
    /// The validated code, 18 upper-case characters.
    public let value: String

    /// Fails unless `value` passes `CreditCode.validate`. No normalisation happens: lower case
    /// input is rejected, not upper-cased, because the contract says so.
    public init?(_ value: String) {
        guard CreditCode.validate(value) else { return nil }
        self.value = value
    }

    public var description: String { value }

    /// The 31 characters GB 32100 allows, in value order (the index is the character's value).
    public static let characterSet: String = "0123456789ABCDEFGHJKLMNPQRTUWXY"

    static let characterBytes: [UInt8] = Array(characterSet.utf8)

    /// GB 32100 weights for characters 1–17 (3^i mod 31).
    static let finalWeights: [Int] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]

    /// GB 11714 weights for the eight body characters of the organization code.
    static let organizationWeights: [Int] = [3, 7, 9, 10, 5, 8, 4, 2]

    /// True iff `s` is a valid unified social credit code (see the type's documentation).
    public static func validate(_ s: String) -> Bool {
        let bytes = Array(s.utf8)
        guard bytes.count == 18 else { return false }
        for b in bytes where characterValue(b) == nil { return false }
        guard let org = organizationCheckByte(bytes[8..<16]), org == bytes[16] else { return false }
        guard let fin = finalCheckByte(bytes[0..<17]), fin == bytes[17] else { return false }
        return true
    }

    /// Value of a character in the credit-code set (its index), or nil when not in the set.
    static func characterValue(_ b: UInt8) -> Int? {
        characterBytes.firstIndex(of: b)
    }

    /// GB 11714 value of an organization-code character: 0–9 for digits, A=10 … Z=35.
    static func organizationValue(_ b: UInt8) -> Int? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return Int(b - UInt8(ascii: "0"))
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): return Int(b - UInt8(ascii: "A")) + 10
        default: return nil
        }
    }

    /// The GB 11714 check character for eight organization-code body characters.
    static func organizationCheckByte<C: Collection>(_ body: C) -> UInt8? where C.Element == UInt8 {
        guard body.count == 8 else { return nil }
        var sum = 0
        for (b, w) in zip(body, organizationWeights) {
            guard let v = organizationValue(b) else { return nil }
            sum += v * w
        }
        let c = 11 - sum % 11
        switch c {
        case 10: return UInt8(ascii: "X")
        case 11: return UInt8(ascii: "0")
        default: return UInt8(ascii: "0") + UInt8(c)
        }
    }

    /// The GB 32100 check character for the first 17 characters.
    static func finalCheckByte<C: Collection>(_ prefix: C) -> UInt8? where C.Element == UInt8 {
        guard prefix.count == 17 else { return nil }
        var sum = 0
        for (b, w) in zip(prefix, finalWeights) {
            guard let v = characterValue(b) else { return nil }
            sum += v * w
        }
        let c = 31 - sum % 31
        return characterBytes[c == 31 ? 0 : c]
    }
}
