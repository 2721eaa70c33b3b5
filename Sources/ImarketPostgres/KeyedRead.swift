/// A read of rows by key that concurrent requests share: the keys of every request whose read
/// goes out in the same round trip travel in one statement, and each request gets back only the
/// rows of its own key.
///
/// Why: a statement costs the database its executor start, plan check and relation locks
/// whatever it returns. Reading a demand by id cost the database about 47 µs a row as twelve
/// statements in one pipeline, against about 16 µs a row as one statement for twelve ids
/// (pgbench, same rows) — under load that was the largest single share of `demand.get`.
///
/// `sql` takes exactly one parameter, the keys as a text array (`… WHERE t.id = ANY ($1::text[])`),
/// and returns each row's key, as text, in `keyColumn`. For one key the rows are exactly those of
/// running `sql` with that key alone, in the statement's order.
public struct KeyedRead: Sendable, Hashable {
    public let sql: String
    public let keyColumn: String

    public init(sql: String, keyColumn: String) {
        self.sql = sql
        self.keyColumn = keyColumn
    }
}

/// How the reads queued on one pool thread go out in one round trip: plain reads as they are,
/// keyed reads of the same statement as one statement with all their distinct keys. Pure, so the
/// grouping and the handing back of rows are tested without a database.
struct ReadBatch {
    enum Read {
        case plain(sql: String, params: [PostgresBindable?])
        case keyed(KeyedRead, key: String)
    }

    /// What goes out, in order (one result each).
    private(set) var statements: [(sql: String, params: [PostgresBindable?])] = []
    /// For each read, the statement that answers it.
    private var statementOf: [Int] = []
    /// For each statement, how many distinct keys it carries (0 for a plain read).
    private var keyCounts: [Int] = []
    private let reads: [Read]

    /// `coalescing: false` sends every distinct key on its own (used to send a failed shared
    /// statement's keys again one by one).
    init(_ reads: [Read], coalescing: Bool = true) {
        self.reads = reads
        statementOf = Array(repeating: 0, count: reads.count)
        // Groups are found by comparing statements, not by hashing them: a batch holds one or two
        // kinds of keyed read, and the texts are usually the same string (a stored `KeyedRead`),
        // which compares at once, while hashing a join's SQL for every read showed in profiles.
        var keyed: [(sql: String, alone: Bool, keys: [String])] = []
        var keyedReads: [(read: Int, group: Int)] = []
        for (index, read) in reads.enumerated() {
            switch read {
            case .plain(let sql, let params):
                statementOf[index] = statements.count
                statements.append((sql, params))
            case .keyed(let read, let key):
                // A key that cannot be sent (a NUL byte) goes alone, so that only its reader fails.
                let alone = !coalescing || key.utf8.contains(0)
                let group = keyed.firstIndex { $0.sql == read.sql && $0.alone == alone && (!alone || $0.keys == [key]) }
                    ?? keyed.count
                if group == keyed.count { keyed.append((read.sql, alone, [])) }
                if !keyed[group].keys.contains(key) { keyed[group].keys.append(key) }
                keyedReads.append((index, group))
            }
        }
        keyCounts = Array(repeating: 0, count: statements.count)
        guard !keyed.isEmpty else { return }
        statements.append((Self.genericPlans, []))
        keyCounts.append(0)
        let first = statements.count
        for group in keyed {
            statements.append((group.sql, [group.keys]))
            keyCounts.append(group.keys.count)
        }
        for (read, group) in keyedReads { statementOf[read] = first + group }
    }

    /// Sent ahead of the keyed statements, for them only: the setting ends with the round trip's
    /// implicit transaction. The number of keys changes from one round trip to the next, and
    /// PostgreSQL's generic plan assumes ten elements for an array it cannot see, so it looks
    /// dearer than a custom plan for a few keys and the server planned every execution anew
    /// (planning this join costs more than running it for a dozen keys: the database's share
    /// of a `demand.get` went from about 55 to 26–34 µs with generic plans).
    static let genericPlans = "SET LOCAL plan_cache_mode = force_generic_plan"

    /// Each read's own result from the statements' results (in `statements` order): a keyed read
    /// gets the rows of its key only.
    func results(_ outcomes: [Result<PostgresRows, Error>]) -> [Result<PostgresRows, Error>] {
        reads.indices.map { index in
            let outcome = outcomes[statementOf[index]]
            guard case .keyed(let keyed, let key) = reads[index] else { return outcome }
            return outcome.flatMap { rows in Result { try rows.rows(whereText: keyed.keyColumn, equals: key) } }
        }
    }

    /// The reads to send again, each key on its own: those whose shared statement carried
    /// several keys and was rejected by the server (a row of one key, say a failing cast, must
    /// not fail the requests that asked for other keys).
    func readsToSplit(_ results: [Result<PostgresRows, Error>]) -> [Int] {
        reads.indices.filter { index in
            guard keyCounts[statementOf[index]] > 1, case .failure(let error) = results[index] else { return false }
            return (error as? PostgresError)?.code == .server
        }
    }

    /// The reads at `indices`, for a batch of their own.
    func reads(at indices: [Int]) -> [Read] { indices.map { reads[$0] } }
}

extension PostgresRows {
    /// The rows whose text value in `column` is `key`, in order.
    func rows(whereText column: String, equals key: String) throws -> PostgresRows {
        guard let position = columns.index(of: column) else {
            throw PostgresError.decoding(column: column, "no such column in the result")
        }
        let kept = values.filter { $0[position] == key }
        return PostgresRows(columns: columns, values: kept, commandTag: "SELECT \(kept.count)", affectedRows: kept.count)
    }
}
