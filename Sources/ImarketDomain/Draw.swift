/// The verifiable draw of API.md section 8, as pure functions with SHA-256 injected.
///
/// Why injected: the domain module has no dependencies, and the server already links OpenSSL;
/// tests use a small independent implementation. Anyone holding the published `drawSecret`,
/// `demandId` and candidate bid IDs can recompute every field of `DrawResult`.
///
/// Procedure:
/// 1. `commitment = hex(SHA-256(drawSecret))`, published when the demand is published, so the
///    secret cannot be chosen after the bids are known.
/// 2. `candidates` = candidate bid IDs sorted by the byte order of their UTF-8 encoding (not by
///    Swift's `String <`, which compares Unicode-canonically and could disagree with other
///    languages' byte sort).
/// 3. `seed = SHA-256(drawSecret + ":" + demandId + ":" + candidates.joined(","))`.
/// 4. `index` = the first 8 seed bytes as a big-endian `UInt64`, modulo the candidate count.
/// 5. the winner is `candidates[index]`.
public struct DrawResult: Equatable, Hashable, Sendable {
    /// `hex(SHA-256(secret))`, lower case.
    public let commitment: String
    /// The draw secret (64 lower-case hex characters in production).
    public let secret: String
    /// The candidate bid IDs in UTF-8 byte order.
    public let candidates: [String]
    /// `hex(SHA-256(secret:demandId:candidates))`, lower case.
    public let seed: String
    /// Index of the winner in `candidates`.
    public let index: Int
    /// The drawn bid: `candidates[index]`.
    public let bidId: String

    public init(commitment: String, secret: String, candidates: [String], seed: String, index: Int, bidId: String) {
        self.commitment = commitment
        self.secret = secret
        self.candidates = candidates
        self.seed = seed
        self.index = index
        self.bidId = bidId
    }
}

public enum Draw {
    /// Byte length of a draw secret: 32 random bytes, published as 64 lower-case hex characters.
    public static let secretByteCount = 32

    /// True iff `secret` has the contract's form: 64 lower-case hex characters.
    public static func isValidSecret(_ secret: String) -> Bool {
        Hex.isLowercase(secret, byteCount: secretByteCount)
    }

    /// `hex(SHA-256(secret))` over the ASCII characters of the secret; `sha256Hex` must return
    /// lower-case hex (the result is lower-cased defensively so the published form is fixed).
    public static func commitment(secret: String, sha256Hex: (String) -> String) -> String {
        sha256Hex(secret).lowercased()
    }

    /// `hex(SHA-256(secret))` using a byte-level hash function.
    public static func commitment(secret: String, sha256: ([UInt8]) -> [UInt8]) -> String {
        Hex.encode(sha256(Array(secret.utf8)))
    }

    /// Sorts bid IDs by the byte order of their UTF-8 encoding, the order the contract fixes.
    public static func sortedCandidates(_ bidIds: [String]) -> [String] {
        bidIds.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    /// The exact string that is hashed to form the seed.
    public static func seedInput(secret: String, demandId: String, candidates: [String]) -> String {
        secret + ":" + demandId + ":" + candidates.joined(separator: ",")
    }

    /// Draws one bid among `candidateBidIds` (any order; they are sorted here).
    /// - Precondition: `candidateBidIds` is not empty (a draw among nobody is a caller bug;
    ///   `Selection` fails with `insufficient_bids` before it gets here). IDs should be distinct.
    /// - Parameter sha256: SHA-256 over bytes, returning the 32-byte digest.
    public static func draw(secret: String, demandId: String, candidateBidIds: [String],
                            sha256: ([UInt8]) -> [UInt8]) -> DrawResult {
        precondition(!candidateBidIds.isEmpty, "a draw needs at least one candidate")
        let candidates = sortedCandidates(candidateBidIds)
        let digest = sha256(Array(seedInput(secret: secret, demandId: demandId, candidates: candidates).utf8))
        precondition(digest.count >= 8, "sha256 must return a 32-byte digest")
        let index = Int(bigEndianPrefix(digest) % UInt64(candidates.count))
        return DrawResult(commitment: commitment(secret: secret, sha256: sha256), secret: secret,
                          candidates: candidates, seed: Hex.encode(digest), index: index,
                          bidId: candidates[index])
    }

    /// Recomputes `result` from its own secret and candidates and reports whether every field
    /// matches — what a client does to check a published draw.
    public static func verify(_ result: DrawResult, demandId: String, sha256: ([UInt8]) -> [UInt8]) -> Bool {
        guard !result.candidates.isEmpty else { return false }
        return draw(secret: result.secret, demandId: demandId, candidateBidIds: result.candidates,
                    sha256: sha256) == result
            && result.candidates == sortedCandidates(result.candidates)
    }

    /// The first 8 bytes of `bytes` as a big-endian unsigned integer.
    static func bigEndianPrefix(_ bytes: [UInt8]) -> UInt64 {
        bytes.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    }
}
