import ArgumentParser
import ImarketApp

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply pending schema migrations.")
    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let applied = try await database.withDatabase(migrate: false) { target, pool in
            try await target.migrate(pool: pool)
        }
        print(applied.isEmpty ? "schema is up to date" : "applied migrations \(applied.map(String.init).joined(separator: ", "))")
    }
}
