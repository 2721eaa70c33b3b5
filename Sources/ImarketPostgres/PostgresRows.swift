/// Column names of one result, shared by all its rows; the name index is built once.
public final class PostgresColumns: Sendable {
    public let names: [String]
    /// Open addressing on a hash of the name's length and first and last bytes: a row is decoded
    /// by name, column after column, and hashing whole names (`String`'s seeded hash, or FNV
    /// over the UTF-8 view) cost as much as the rest of the decoding. Names that share length
    /// and ends only cost a probe more.
    private let slots: [Int32]
    private let mask: Int

    init(names: [String]) {
        self.names = names
        var capacity = 8
        while capacity < names.count * 2 { capacity *= 2 }
        var slots = [Int32](repeating: -1, count: capacity)
        for (position, name) in names.enumerated() {
            var slot = Self.hash(name) & (capacity - 1)
            while slots[slot] >= 0, names[Int(slots[slot])] != name { slot = (slot + 1) & (capacity - 1) }
            if slots[slot] < 0 { slots[slot] = Int32(position) }   // the first of duplicate names wins
        }
        self.slots = slots
        mask = capacity - 1
    }

    /// The first column with this name, like libpq's PQfnumber on a lower-case name.
    public func index(of name: String) -> Int? {
        var slot = Self.hash(name) & mask
        while true {
            let position = Int(slots[slot])
            if position < 0 { return nil }
            if names[position] == name { return position }
            slot = (slot + 1) & mask
        }
    }

    private static func hash(_ name: String) -> Int {
        let utf8 = name.utf8
        let key = UInt64(utf8.count) << 16 | UInt64(utf8.first ?? 0) << 8 | UInt64(utf8.last ?? 0)
        let mixed = key &* 0x9E37_79B9_7F4A_7C15
        return Int(truncatingIfNeeded: mixed >> 32)
    }
}

/// A fully materialized result. Values are copied out of the PGresult before it is
/// cleared, so rows are plain Sendable values that can leave the pool thread.
public struct PostgresRows: RandomAccessCollection, Sendable {
    public let columns: PostgresColumns
    let values: [[String?]]
    /// The command tag, e.g. "INSERT 0 1".
    public let commandTag: String
    /// PQcmdTuples: rows inserted, updated, deleted, selected… (0 when not applicable).
    public let affectedRows: Int

    init(columns: PostgresColumns, values: [[String?]], commandTag: String, affectedRows: Int) {
        self.columns = columns
        self.values = values
        self.commandTag = commandTag
        self.affectedRows = affectedRows
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { values.count }
    public subscript(position: Int) -> PostgresRow { PostgresRow(columns: columns, values: values[position]) }
}

/// One row with typed accessors by column name or position. NULL in a non-optional
/// accessor, a missing column or unparsable text all throw `PostgresError.decoding`.
public struct PostgresRow: Sendable {
    public let columns: PostgresColumns
    /// Raw text-format values; nil is SQL NULL.
    public let values: [String?]

    private func position(_ column: String) throws -> Int {
        guard let index = columns.index(of: column) else {
            throw PostgresError.decoding(column: column, "no such column in the result")
        }
        return index
    }

    private func name(_ index: Int) throws -> String {
        guard values.indices.contains(index) else {
            throw PostgresError.decoding(column: "#\(index)", "no such column in the result")
        }
        return columns.names[index]
    }

    // MARK: Generic decoding

    public func decodeIfPresent<T: PostgresDecodable>(_ type: T.Type = T.self, at index: Int) throws -> T? {
        let column = try name(index)
        guard let text = values[index] else { return nil }
        return try T.decode(postgresText: text, column: column)
    }

    public func decodeIfPresent<T: PostgresDecodable>(_ type: T.Type = T.self, _ column: String) throws -> T? {
        try decodeIfPresent(type, at: position(column))
    }

    public func decode<T: PostgresDecodable>(_ type: T.Type = T.self, at index: Int) throws -> T {
        guard let value = try decodeIfPresent(type, at: index) else {
            throw PostgresError.decoding(column: try name(index), "is NULL")
        }
        return value
    }

    public func decode<T: PostgresDecodable>(_ type: T.Type = T.self, _ column: String) throws -> T {
        try decode(type, at: position(column))
    }

    /// True when the column is SQL NULL.
    public func isNull(_ column: String) throws -> Bool { values[try position(column)] == nil }

    // MARK: Typed conveniences

    public func string(_ column: String) throws -> String { try decode(String.self, column) }
    public func string(_ index: Int) throws -> String { try decode(String.self, at: index) }
    public func optionalString(_ column: String) throws -> String? { try decodeIfPresent(String.self, column) }
    public func optionalString(_ index: Int) throws -> String? { try decodeIfPresent(String.self, at: index) }

    public func int64(_ column: String) throws -> Int64 { try decode(Int64.self, column) }
    public func int64(_ index: Int) throws -> Int64 { try decode(Int64.self, at: index) }
    public func optionalInt64(_ column: String) throws -> Int64? { try decodeIfPresent(Int64.self, column) }
    public func optionalInt64(_ index: Int) throws -> Int64? { try decodeIfPresent(Int64.self, at: index) }

    public func int(_ column: String) throws -> Int { try decode(Int.self, column) }
    public func int(_ index: Int) throws -> Int { try decode(Int.self, at: index) }
    public func optionalInt(_ column: String) throws -> Int? { try decodeIfPresent(Int.self, column) }
    public func optionalInt(_ index: Int) throws -> Int? { try decodeIfPresent(Int.self, at: index) }

    public func bool(_ column: String) throws -> Bool { try decode(Bool.self, column) }
    public func bool(_ index: Int) throws -> Bool { try decode(Bool.self, at: index) }
    public func optionalBool(_ column: String) throws -> Bool? { try decodeIfPresent(Bool.self, column) }
    public func optionalBool(_ index: Int) throws -> Bool? { try decodeIfPresent(Bool.self, at: index) }

    public func double(_ column: String) throws -> Double { try decode(Double.self, column) }
    public func double(_ index: Int) throws -> Double { try decode(Double.self, at: index) }
    public func optionalDouble(_ column: String) throws -> Double? { try decodeIfPresent(Double.self, column) }
    public func optionalDouble(_ index: Int) throws -> Double? { try decodeIfPresent(Double.self, at: index) }

    public func date(_ column: String) throws -> Date { try decode(Date.self, column) }
    public func date(_ index: Int) throws -> Date { try decode(Date.self, at: index) }
    public func optionalDate(_ column: String) throws -> Date? { try decodeIfPresent(Date.self, column) }
    public func optionalDate(_ index: Int) throws -> Date? { try decodeIfPresent(Date.self, at: index) }

    public func bytes(_ column: String) throws -> [UInt8] { try decode([UInt8].self, column) }
    public func bytes(_ index: Int) throws -> [UInt8] { try decode([UInt8].self, at: index) }
    public func optionalBytes(_ column: String) throws -> [UInt8]? { try decodeIfPresent([UInt8].self, column) }
    public func optionalBytes(_ index: Int) throws -> [UInt8]? { try decodeIfPresent([UInt8].self, at: index) }
}

import struct Foundation.Date
