/// Lower-case hexadecimal encoding, as the draw (API.md section 8) publishes commitments and seeds.
///
/// Lives in the domain module because the draw must be recomputable byte for byte by anyone; the
/// exact text form (lower case, two digits per byte, no separators) is part of the contract.
public enum Hex {
    static let digits: [UInt8] = Array("0123456789abcdef".utf8)

    /// `bytes` as lower-case hex, two characters per byte.
    public static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Bytes of a lower- or upper-case hex string; nil for odd length or a non-hex character.
    public static func decode(_ s: String) -> [UInt8]? {
        let chars = Array(s.utf8)
        guard chars.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(chars.count / 2)
        var i = 0
        while i < chars.count {
            guard let hi = value(chars[i]), let lo = value(chars[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }

    /// True iff `s` is exactly `byteCount` bytes written as *lower-case* hex — the form of a
    /// `drawSecret` (32 bytes → 64 characters).
    public static func isLowercase(_ s: String, byteCount: Int) -> Bool {
        let chars = s.utf8
        return chars.count == byteCount * 2 && chars.allSatisfy { digits.contains($0) }
    }

    static func value(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
