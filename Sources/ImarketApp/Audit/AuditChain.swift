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
    /// verifier reads them in. Every entry is checked on its own (its hash over its fields) and
    /// against its predecessor (link and position), so a change anywhere marks the entries it
    /// touches and `brokenAt` is the lowest `seq` among them. Each chain's end is compared with
    /// its head row, which catches a deleted tail or a forged extension.
    public static func verify(entries: [AuditEntry], heads: [AuditHead]) -> AuditVerification {
        var problems: [(seq: Int64, text: String)] = []
        var headBySubject: [String: AuditHead] = [:]
        for head in heads { headBySubject[key(head.subjectType, head.subjectId)] = head }
        var seen = Set<String>()

        var index = 0
        while index < entries.count {
            let subject = key(entries[index].subjectType, entries[index].subjectId)
            seen.insert(subject)
            var chain: [AuditEntry] = []
            while index < entries.count, key(entries[index].subjectType, entries[index].subjectId) == subject {
                chain.append(entries[index])
                index += 1
            }
            for (position, entry) in chain.enumerated() {
                let recomputed = linkHash(prev: entry.prevHash, seq: entry.seq, index: entry.subjectIndex,
                                          atMicros: entry.atMicros, actor: entry.actorId, method: entry.method,
                                          subjectType: entry.subjectType, subjectId: entry.subjectId, digest: entry.digest)
                let previous = position > 0 ? chain[position - 1] : nil
                if recomputed != entry.hash {
                    problems.append((entry.seq, "entry \(entry.seq) of \(subject) was altered (its hash does not match its fields)"))
                } else if entry.prevHash != (previous?.hash ?? genesisHash) || entry.subjectIndex != Int64(position + 1) {
                    problems.append((entry.seq, "entry \(entry.seq) of \(subject) does not follow its predecessor (an entry is missing, inserted or moved)"))
                }
            }
            let last = chain[chain.count - 1]
            guard let head = headBySubject[subject] else {
                problems.append((chain[0].seq, "entries of \(subject) have no chain head (forged subject)"))
                continue
            }
            if head.entries < Int64(chain.count) {
                let forged = chain[Int(head.entries)]
                problems.append((forged.seq, "entry \(forged.seq) of \(subject) lies beyond the recorded end of its chain"))
            } else if head.entries > Int64(chain.count) || head.lastHash != last.hash || head.lastSeq != last.seq {
                problems.append((head.lastSeq, "the chain of \(subject) ends at entry \(last.seq) but its head records entry \(head.lastSeq)"))
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
