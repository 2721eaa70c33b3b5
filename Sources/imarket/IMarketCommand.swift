import ArgumentParser

/// The `imarket` command line (API section 13).
@main
struct IMarketCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "imarket",
        abstract: "Online intermediary-service marketplace server.",
        subcommands: [Serve.self, Migrate.self, TokenCommand.self, AuditCommand.self, CertificateCommand.self, CreditCommand.self, ComplianceCommand.self],
        defaultSubcommand: Serve.self)
}
