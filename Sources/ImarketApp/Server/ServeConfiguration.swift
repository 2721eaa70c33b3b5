import Foundation

/// Everything `imarket serve` needs, from flags and the optional `--config` JSON file
/// (flags win). Defaults give the embedded default of API section 13.
public struct ServeConfiguration: Sendable {
    /// `HOST:PORT`; IPv6 hosts in brackets (`[::1]:8443`). Default `127.0.0.1:8443`.
    public var listen: String = "127.0.0.1:8443"
    /// libpq URL or conninfo; nil runs the embedded cluster under `dataDirectory/pg`.
    public var databaseURL: String?
    /// Optional replica for heavy read-only queries (searches, statistics, exports).
    public var readDatabaseURL: String?
    public var dataDirectory: String = "./.imarket"
    /// PEM certificate chain and key; nil uses (creating if absent) the development CA and
    /// certificate under `dataDirectory/tls`.
    public var tlsCertificatePath: String?
    public var tlsKeyPath: String?
    /// PEM CA bundle; when set, client certificates are requested and verified.
    public var clientCAPath: String?
    /// Apply pending migrations at start. Default true.
    public var migrate: Bool = true
    /// Database connections in the pool. Default 16.
    public var poolSize: Int = 16
    /// Largest request body. Default 1 MiB.
    public var maxBodySize: Int = 1 << 20

    public init() {}

    public func listenAddress() throws -> (host: String, port: Int) {
        let text = listen
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            let host = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":"), let port = Int(rest.dropFirst()), (0...65535).contains(port) else {
                throw ConfigurationError("--listen must be HOST:PORT, got \(text)")
            }
            return (host, port)
        }
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
              (0...65535).contains(port), colon > text.startIndex
        else { throw ConfigurationError("--listen must be HOST:PORT, got \(text)") }
        return (String(text[..<colon]), port)
    }

    /// Reads a JSON object whose members are the long flag names without dashes in camel case
    /// (`listen`, `databaseUrl`, `readDatabaseUrl`, `dataDir`, `tlsCert`, `tlsKey`, `clientCa`,
    /// `migrate`, `poolSize`, `maxBodySize`).
    public mutating func load(configFile path: String) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw ConfigurationError("\(path): expected a JSON object")
        }
        for (key, value) in object {
            switch (key, value) {
            case ("listen", let v as String): listen = v
            case ("databaseUrl", let v as String): databaseURL = v
            case ("readDatabaseUrl", let v as String): readDatabaseURL = v
            case ("dataDir", let v as String): dataDirectory = v
            case ("tlsCert", let v as String): tlsCertificatePath = v
            case ("tlsKey", let v as String): tlsKeyPath = v
            case ("clientCa", let v as String): clientCAPath = v
            case ("migrate", let v as Bool): migrate = v
            case ("poolSize", let v as Int) where v > 0: poolSize = v
            case ("maxBodySize", let v as Int) where v > 0: maxBodySize = v
            default: throw ConfigurationError("\(path): unknown or invalid setting \(key)")
            }
        }
    }
}

public struct ConfigurationError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
