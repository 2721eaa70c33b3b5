import ImarketTLS

/// Opaque identifiers and secrets. IDs carry a short type prefix so a support person can tell a
/// demand from a bid at a glance; the random part makes them unguessable.
public enum Identifiers {
    public static func make(_ prefix: String) -> String {
        prefix + "_" + Crypto.hex(Crypto.randomBytes(12))
    }

    /// Bearer token text: `imk_` + 64 hex characters (256 bits from OpenSSL's CSPRNG).
    public static func makeToken() -> String {
        tokenPrefix + Crypto.hex(Crypto.randomBytes(32))
    }

    public static let tokenPrefix = "imk_"
    public static let tokenLength = 4 + 64

    /// Whether `text` has the shape of a token at all; malformed ones are refused without a
    /// database lookup.
    public static func looksLikeToken(_ text: String) -> Bool {
        text.utf8.count == tokenLength && text.hasPrefix(tokenPrefix)
            && text.utf8.dropFirst(4).allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }
}
