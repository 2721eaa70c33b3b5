import ImarketDomain
import ImarketHTTP
import ImarketJSONRPC
import NIOHTTP1

/// Resolves the caller of an HTTP request once, before any JSON-RPC method runs (API section 2):
/// a bearer token, else a client certificate bound to an account, else anonymous. A bad token
/// refuses the whole request with 401; too many failures from one address give 429.
enum Authentication {
    enum Outcome {
        case anonymous
        case account(Caller)
        case refused(HTTPResponseStatus, RPCError)
    }

    /// False when the request is anonymous without asking the database: no token, no
    /// client certificate.
    static func needsLookup(_ request: HTTPServerRequest) -> Bool {
        request.connection.clientCertificateSHA256 != nil || request.headers.contains(name: "authorization")
    }

    static func resolve(_ request: HTTPServerRequest, services: AppServices) async -> Outcome {
        await resolve(headers: request.headers, connection: request.connection, services: services)
    }

    static func resolve(headers: HTTPHeaders, connection: ConnectionInfo, services: AppServices) async -> Outcome {
        let address = connection.remoteAddress
        do {
            if let header = headers.first(name: "authorization") {
                let limit = try await services.rules.current().failedAuthPerMinute
                if services.rateLimiter.isLimited("auth:" + address, limit: limit) {
                    return .refused(.tooManyRequests, .rateLimited("Too many failed authentications; wait a minute"))
                }
                guard header.count > 7, header.prefix(7).lowercased() == "bearer " else {
                    services.rateLimiter.record("auth:" + address, limit: limit)
                    return .refused(.unauthorized, .unauthenticated(reason: "invalid_token", message: "Malformed Authorization header"))
                }
                let token = String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)
                guard let caller = try await AccountStore.caller(forToken: token, database: services.database) else {
                    services.rateLimiter.record("auth:" + address, limit: limit)
                    return .refused(.unauthorized, .unauthenticated(reason: "invalid_token", message: "Unknown or revoked token"))
                }
                return .account(caller)
            }
            if let fingerprint = connection.clientCertificateSHA256,
               let caller = try await AccountStore.caller(forCertificate: fingerprint, database: services.database) {
                return .account(caller)
            }
            return .anonymous
        } catch let error as RPCError {
            return .refused(error.code == -32050 ? .serviceUnavailable : .internalServerError, error)
        } catch {
            return .refused(.internalServerError, .internalError)
        }
    }
}
