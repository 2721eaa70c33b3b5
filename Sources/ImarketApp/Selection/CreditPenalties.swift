import ImarketPostgres

/// Credit penalties arising from selection (API section 9): a declined award costs 10 points, an
/// upheld objection against an award 5. The row is the input; `CreditStore.recompute` turns it into
/// the stored score (and a suspension below `creditSuspendBelow`) in the same transaction.
enum CreditPenalties {
    enum Kind: String {
        case declinedAward = "declined_award"
        case upheldObjection = "upheld_objection"

        var points: Int { self == .declinedAward ? 10 : 5 }
    }

    static func record(_ c: PostgresConnection, agencyId: String, kind: Kind, ref: String) throws {
        try c.execute("INSERT INTO credit_penalties (agency_id, kind, points, ref) VALUES ($1, $2, $3, $4)",
                      [agencyId, kind.rawValue, kind.points, ref])
        try CreditStore.recompute(c, agencyId: agencyId)
    }
}
