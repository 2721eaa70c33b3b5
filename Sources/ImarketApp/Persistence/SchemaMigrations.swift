import Foundation
import ImarketPostgres

/// The migrations compiled in from `Schema/NNNN_name.sql` by the EmbedSchema build plugin.
public enum SchemaMigrations {
    public static let all: [Migration] = embeddedMigrationFiles.map { file in
        let stem = file.name.hasSuffix(".sql") ? String(file.name.dropLast(4)) : file.name
        let parts = stem.split(separator: "_", maxSplits: 1)
        guard parts.count == 2, let version = Int(parts[0]), let data = Data(base64Encoded: file.base64),
              let sql = String(data: data, encoding: .utf8)
        else {
            preconditionFailure("Schema/\(file.name) must be named NNNN_name.sql and be UTF-8")
        }
        return Migration(version: version, name: String(parts[1]), sql: sql)
    }
}
