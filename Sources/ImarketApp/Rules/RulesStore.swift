import ImarketDomain
import ImarketJSONRPC
import ImarketPostgres

/// Rule values live in the `rules` table (only those changed from the defaults), so every
/// server instance reads the same values and a change applies everywhere at once.
public enum RulesStore {
    public static func load(_ connection: PostgresConnection) throws -> RuleSet {
        var values = RuleSet.defaults.dictionary
        for row in try connection.query("SELECT name, value::text AS value FROM rules") {
            let name = try row.string("name")
            let json = try JSONParser.parse(Array(try row.string("value").utf8))
            if let value = RuleJSON.ruleValue(json) { values[name] = value }
        }
        return (try? RuleSet(dictionary: values)) ?? RuleSet.defaults
    }

    /// Validates and stores `changes` (locking the rule rows so concurrent changes serialize).
    public static func apply(_ connection: PostgresConnection, changes: [String: RuleValue], by accountId: String?) throws -> RuleSet {
        try connection.execute("LOCK TABLE rules IN SHARE ROW EXCLUSIVE MODE")
        let current = try load(connection)
        let updated: RuleSet
        do {
            updated = try current.applying(changes: changes)
        } catch {
            throw RPCError.invalidParams(reason: error.reason, field: error.field, message: error.description)
        }
        for (name, _) in changes {
            guard let value = updated.value(of: name) else { continue }
            try connection.execute(
                """
                INSERT INTO rules (name, value, updated_by) VALUES ($1, $2, $3)
                ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value, updated_at = now(), updated_by = EXCLUDED.updated_by
                """, [name, PostgresJSON(String(decoding: RuleJSON.json(value).serialized(), as: UTF8.self)), accountId])
        }
        return updated
    }
}

/// Rule values as JSON: integers, strings and lists of strings.
public enum RuleJSON {
    public static func json(_ value: RuleValue) -> JSONValue {
        switch value {
        case .integer(let i): return .number(JSONNumber(i))
        case .string(let s): return .string(s)
        case .stringList(let list): return .array(list.map { .string($0) })
        }
    }

    public static func ruleValue(_ json: JSONValue) -> RuleValue? {
        switch json {
        case .number(let n): return n.int64Value.map { .integer($0) }
        case .string(let s): return .string(s)
        case .array(let items):
            let strings = items.compactMap(\.stringValue)
            return strings.count == items.count ? .stringList(strings) : nil
        default: return nil
        }
    }

    public static func object(_ rules: RuleSet) -> JSONValue {
        .object(JSONObject(rules.orderedValues.map { (key: $0.name, value: json($0.value)) }))
    }
}
