import CLibPQ

/// Round trips a transaction does not need (libpq pipeline mode).
///
/// Why: every round trip is time the transaction holds its locks and the pool thread waits.
/// BEGIN has no result anyone reads, so it travels with the transaction's first statement; a
/// transaction's last writes (the audit entry, the stored idempotent result) have none either,
/// so they travel with the COMMIT. Same statements, same order, same atomicity: PostgreSQL
/// takes a transaction's snapshot at its first statement, not at BEGIN. Independent reads of
/// concurrent requests share round trips the same way (`queryEach`, for `PostgresPool.read`).
extension PostgresConnection {
    /// Queues a statement to run, in order, right before this transaction's COMMIT, in the same
    /// round trip. Nothing in the transaction may read its effect before then. If it fails, the
    /// transaction fails with its error exactly as if it had run in place (and is rolled back).
    /// Outside a transaction it simply runs now.
    public func executeAtCommit(_ sql: String, _ params: [PostgresBindable?]) throws {
        guard isInTransaction else {
            try execute(sql, params)
            return
        }
        // Prepared now, synchronously, so that the pipeline only executes.
        _ = try prepared(sql, params)
        atCommit.append((sql, params))
    }

    /// In a transaction, whether or not its BEGIN has been sent yet.
    var isInTransaction: Bool { pendingBegin != nil || transactionStatus == PQTRANS_INTRANS }

    /// Opens a transaction lazily: BEGIN is sent with the first statement that follows.
    func begin(_ command: String) {
        pendingBegin = command
    }

    /// Sends a deferred BEGIN on its own, for paths that cannot carry it (simple queries).
    func sendPendingBegin() throws {
        guard let command = pendingBegin else { return }
        pendingBegin = nil
        let result = PQexec(handle, command)
        PQclear(try check(result))
    }

    /// The deferred BEGIN and the transaction's first statement, in one round trip.
    func beginThenQuery(_ begin: String, _ sql: String, _ params: [PostgresBindable?]) throws -> PostgresRows {
        try runPipeline([.text(begin), .prepared(sql, params)], rowsOf: [1]).rows[0]
    }

    /// Two statements in one round trip (with a deferred BEGIN ahead of them): for reads where
    /// the second does not need the first's rows. They run in order, exactly as if sent one
    /// after the other; if the first fails, the second never runs and the first's error is thrown.
    public func queryPair(
        _ first: String, _ firstParams: [PostgresBindable?], then second: String, _ secondParams: [PostgresBindable?]
    ) throws -> (PostgresRows, PostgresRows) {
        var commands: [PipelineCommand] = []
        if let begin = pendingBegin {
            pendingBegin = nil
            commands.append(.text(begin))
        }
        let firstIndex = commands.count
        commands += [.prepared(first, firstParams), .prepared(second, secondParams)]
        let rows = try runPipeline(commands, rowsOf: [firstIndex, firstIndex + 1]).rows
        return (rows[0], rows[1])
    }

    /// COMMIT, preceded by the queued statements; returns COMMIT's command tag.
    func commit() throws -> String {
        if pendingBegin != nil {
            // Nothing ran: there is no transaction to commit.
            pendingBegin = nil
            atCommit = []
            return "COMMIT"
        }
        guard !atCommit.isEmpty else { return try query("COMMIT").commandTag }
        let queued = atCommit
        atCommit = []
        return try runPipeline(queued.map { .prepared($0.sql, $0.params) } + [.text("COMMIT")], rowsOf: []).tag
    }

    enum PipelineCommand {
        case text(String)
        case prepared(String, [PostgresBindable?])
    }

    /// Sends the commands and a sync, then reads every result up to the sync point. The first
    /// error wins; commands after it come back as PIPELINE_ABORTED (they never ran, so a
    /// transaction is left failed and the caller rolls it back). Returns the last command tag
    /// and the rows of the prepared commands at the (ascending) positions `rowsOf`.
    private func runPipeline(_ commands: [PipelineCommand], rowsOf keep: [Int]) throws -> (tag: String, rows: [PostgresRows]) {
        var statements: [PreparedStatement?] = []
        for command in commands {
            if case .prepared(let sql, let params) = command {
                statements.append(try prepared(sql, params))
            } else {
                statements.append(nil)
            }
        }
        var tag = ""
        var rows: [PostgresRows] = []
        for (index, outcome) in try exchange(commands, statements, rowsOf: keep.contains).enumerated() {
            switch outcome {
            case .failed(let error): throw error
            case .aborted: continue
            case .done(let commandTag): tag = commandTag
            case .rows(let result):
                tag = result.commandTag
                if keep.contains(index) { rows.append(result) }
            }
        }
        return (tag, rows)
    }

    /// Reads outside a transaction, sent together in one round trip, each with its own result
    /// (in order). For statements that only read: they share the implicit transaction up to
    /// the sync, so one that fails makes the server skip those after it, which are then sent
    /// again in a pipeline of their own; the results are the same as from one `query` each.
    public func queryEach(_ reads: [(sql: String, params: [PostgresBindable?])]) -> [Result<PostgresRows, Error>] {
        precondition(!isInTransaction, "queryEach runs outside transactions")
        var results = [Result<PostgresRows, Error>?](repeating: nil, count: reads.count)
        var remaining = Array(reads.indices)
        while let first = remaining.first {
            if remaining.count == 1 {
                results[first] = Result { try query(reads[first].sql, reads[first].params) }
                break
            }
            var sent: [Int] = []
            var commands: [PipelineCommand] = []
            var statements: [PreparedStatement?] = []
            for index in remaining {
                do {
                    try Self.checkParameters(reads[index].params)
                    statements.append(try prepared(reads[index].sql, reads[index].params))
                    commands.append(.prepared(reads[index].sql, reads[index].params))
                    sent.append(index)
                } catch {
                    results[index] = .failure(error)
                }
            }
            remaining = []
            do {
                for (position, outcome) in try exchange(commands, statements, rowsOf: { _ in true }).enumerated() {
                    let index = sent[position]
                    switch outcome {
                    case .rows(let rows): results[index] = .success(rows)
                    case .done(let tag):
                        results[index] = .success(PostgresRows(columns: PostgresColumns(names: []), values: [], commandTag: tag, affectedRows: 0))
                    case .failed(let error): results[index] = .failure(error)
                    case .aborted: remaining.append(index)
                    }
                }
            } catch {
                for index in sent { results[index] = .failure(error) }
            }
        }
        return results.map { $0! }
    }

    private enum Outcome {
        case rows(PostgresRows)
        case done(tag: String)
        case failed(PostgresError)
        /// Skipped by the server after an earlier command failed.
        case aborted
    }

    /// One round trip: sends the commands and a sync, then reads every result up to the sync
    /// point, one outcome per command. If the connection is lost on the way, the commands whose
    /// results did not arrive fail with that error. Throws when the commands could not all be
    /// sent (the pipeline is then left unfinished and the session discarded).
    private func exchange(
        _ commands: [PipelineCommand], _ statements: [PreparedStatement?], rowsOf keep: (Int) -> Bool
    ) throws -> [Outcome] {
        guard PQenterPipelineMode(handle) == 1 else {
            throw PostgresError.from(result: nil, connection: handle)
        }
        defer { if PQexitPipelineMode(handle) != 1 { markPoisoned() } }
        for (index, command) in commands.enumerated() {
            let sent: Int32
            switch command {
            case .text(let sql):
                sent = PQsendQueryParams(handle, sql, 0, nil, nil, nil, nil, 0)
            case .prepared(_, let params):
                let name = statements[index]!.name
                sent = try withParameters(params) { values, _ in
                    PQsendQueryPrepared(handle, name, Int32(params.count), values, nil, nil, 0)
                }
            }
            guard sent == 1 else { throw PostgresError.from(result: nil, connection: handle) }
        }
        guard PQpipelineSync(handle) == 1 else { throw PostgresError.from(result: nil, connection: handle) }

        var outcomes: [Outcome] = []
        outcomes.reserveCapacity(commands.count)
        var separators = 0
        while true {
            guard let result = PQgetResult(handle) else {
                // NULL ends one command's results; more than one per command means the connection is gone.
                separators += 1
                if separators > commands.count || PQstatus(handle) != CONNECTION_OK {
                    let lost = PostgresError.from(result: nil, connection: handle)
                    return outcomes + Array(repeating: .failed(lost), count: max(0, commands.count - outcomes.count))
                }
                continue
            }
            let command = outcomes.count
            guard command < commands.count || PQresultStatus(result) == PGRES_PIPELINE_SYNC else {
                // A session that is going away may report its end once more; the NULL results
                // that follow end the exchange above.
                PQclear(result)
                continue
            }
            switch PQresultStatus(result) {
            case PGRES_PIPELINE_SYNC:
                PQclear(result)
                return outcomes
            case PGRES_COMMAND_OK, PGRES_TUPLES_OK:
                if keep(command), let statement = statements[command] {
                    outcomes.append(.rows(materialize(result, of: statement)))  // clears it
                } else {
                    outcomes.append(.done(tag: String(cString: PQcmdStatus(result))))
                    PQclear(result)
                }
            case PGRES_PIPELINE_ABORTED:
                PQclear(result)
                outcomes.append(.aborted)
            default:
                let error = PostgresError.from(result: result, connection: handle)
                PQclear(result)
                if case .prepared(let sql, _) = commands[command] { forgetIfStale(sql, error) }
                outcomes.append(.failed(error))
            }
        }
    }
}
