/// Helpers that *produce* valid credit codes: test-data generators and tests elsewhere in the
/// project need codes that pass `CreditCode.validate`, and computing the two check characters by
/// hand is error-prone.
extension CreditCode {
    /// The GB 11714 organization-code check character (`0`–`9` or `X`) for eight body characters
    /// (credit code characters 9–16). Nil when `body8` is not 8 characters of the credit-code set.
    public static func organizationCheckCharacter(body8: String) -> Character? {
        let bytes = Array(body8.utf8)
        guard bytes.count == 8, bytes.allSatisfy({ characterValue($0) != nil }),
              let c = organizationCheckByte(bytes) else { return nil }
        return Character(UnicodeScalar(c))
    }

    /// The GB 32100 final check character for the first 17 characters. Nil when `prefix17` is not
    /// 17 characters of the credit-code set. Does not look at the organization check character.
    public static func finalCheckCharacter(prefix17: String) -> Character? {
        guard let c = finalCheckByte(Array(prefix17.utf8)) else { return nil }
        return Character(UnicodeScalar(c))
    }

    /// Completes 16 leading characters (8 leading chars — registration authority, type and 6-digit
    /// region — plus the 8 organization-code body characters) with both check characters.
    /// Nil when `prefix16` is not 16 characters of the credit-code set.
    public static func makeValid(prefix16: String) -> String? {
        let bytes = Array(prefix16.utf8)
        guard bytes.count == 16,
              let org = organizationCheckCharacter(body8: String(decoding: bytes[8...], as: UTF8.self))
        else { return nil }
        let prefix17 = prefix16 + String(org)
        guard let fin = finalCheckCharacter(prefix17: prefix17) else { return nil }
        return prefix17 + String(fin)
    }

    /// Appends the final check character to 17 characters whose 17th already is the correct
    /// organization check character. Nil otherwise (so the result, when present, is always valid).
    public static func makeValid(prefix17: String) -> String? {
        let bytes = Array(prefix17.utf8)
        guard bytes.count == 17, let org = organizationCheckByte(bytes[8..<16]), org == bytes[16],
              let fin = finalCheckCharacter(prefix17: prefix17) else { return nil }
        return prefix17 + String(fin)
    }

    /// A deterministic, valid code for test data: registration type `91` (enterprise), the given
    /// 6-digit region, and `number` (0 ≤ number < 10^8) as the zero-padded organization-code body.
    /// Distinct numbers give distinct codes, so generators can number their organizations.
    public static func synthetic(number: Int, regionCode: String = "110000") -> String? {
        guard (0..<100_000_000).contains(number), RegionCode.validate(regionCode) else { return nil }
        let digits = String(number)
        let body = String(repeating: "0", count: 8 - digits.count) + digits
        return makeValid(prefix16: "91" + regionCode + body)
    }
}
