import ImarketTLS

/// One stored audit entry, as read back for verification.
public struct AuditEntry: Sendable, Equatable {
    public var seq: Int64
    /// `at` as microseconds since the epoch: the exact form hashed by `audit_link_hash` in SQL.
    public var atMicros: Int64
    public var actorId: String?
    public var method: String
    public var subjectType: String
    public var subjectId: String
    public var subjectIndex: Int64
    public var digest: String
    public var prevHash: String
    public var hash: String
}

/// The newest link of one subject's chain, as stored in `audit_heads`.
public struct AuditHead: Sendable, Equatable {
    public var subjectType: String
    public var subjectId: String
    public var lastSeq: Int64
    public var lastHash: String
    public var entries: Int64
}

public struct AuditVerification: Sendable, Equatable, Codable {
    public var ok: Bool
    public var entries: Int
    /// The `seq` of the first (lowest) entry found bad, or of the entry where a chain stops
    /// short (a deleted tail); nil when the log verifies.
    public var brokenAt: Int64?
    /// A human-readable account of the first problem, for the CLI.
    public var problem: String?
}

/// Recomputes every subject's hash chain outside the database. The link format must stay in
/// step with `audit_link_hash` in Schema/0001_foundation.sql.
public enum AuditChain {
    public static let genesisHash = String(repeating: "0", count: 64)

    public static func linkHash(prev: String, seq: Int64, index: Int64, atMicros: Int64, actor: String?,
                                method: String, subjectType: String, subjectId: String, digest: String) -> String {
        let text = "\(prev)|\(seq)|\(index)|\(atMicros)|\(actor ?? "")|\(method)|\(subjectType)|\(subjectId)|\(digest)"
        return Crypto.sha256Hex(text)
    }

    /// `entries` must be ordered by (subjectType, subjectId, subjectIndex) — the order the
    /// verifier reads them in — and `heads` keyed by subject.
    public static func verify(entries: [AuditEntry], heads: [AuditHead]) -> AuditVerification {
        var problems: [(seq: Int64, text: String)] = []
        var headBySubject: [String: AuditHead] = [:]
        for head in heads { headBySubject[key(head.subjectType, head.subjectId)] = head }
        var seen = Set<String>()

        var index = 0
        while index < entries.count {
            let first = entries[index]
            let subject = key(first.subjectType, first.subjectId)
            seen.insert(subject)
            var prev = genesisHash
            var expectedIndex: Int64 = 1
            var last: AuditEntry?
            var chainBroken = false
            while index < entries.count, key(entries[index].subjectType, entries[index].subjectId) == subject {
                let entry = entries[index]
                index += 1
                if chainBroken { continue }
                let recomputed = linkHash(prev: entry.prevHash, seq: entry.seq, index: entry.subjectIndex,
                                          atMicros: entry.atMicros, actor: entry.actorId, method: entry.method,
                                          subjectType: entry.subjectType, subjectId: entry.subjectId, digest: entry.digest)
                if entry.subjectIndex != expectedIndex || entry.prevHash != prev || recomputed != entry.hash
                    || (last.map { $0.seq >= entry.seq } ?? false) {
                    problems.append((entry.seq, "entry \(entry.seq) (\(subject) #\(entry.subjectIndex)) does not link to its predecessor"))
                    chainBroken = true
                    continue
                }
                prev = entry.hash
                expectedIndex += 1
                last = entry
            }
            if !chainBroken {
                if let head = headBySubject[subject] {
                    if head.lastHash != last?.hash || head.entries != last?.subjectIndex || head.lastSeq != last?.seq {
                        problems.append((head.lastSeq, "the chain of \(subject) ends at entry \(last?.seq ?? 0) but its head records entry \(head.lastSeq)"))
                    }
                } else {
                    problems.append((first.seq, "entries of \(subject) have no chain head"))
                }
            }
        }
        for head in heads where !seen.contains(key(head.subjectType, head.subjectId)) && head.entries > 0 {
            problems.append((head.lastSeq, "all entries of \(key(head.subjectType, head.subjectId)) are missing"))
        }
        guard let first = problems.min(by: { $0.seq < $1.seq }) else {
            return AuditVerification(ok: true, entries: entries.count, brokenAt: nil, problem: nil)
        }
        return AuditVerification(ok: false, entries: entries.count, brokenAt: first.seq, problem: first.text)
    }

    private static func key(_ type: String, _ id: String) -> String { "\(type)/\(id)" }
}
