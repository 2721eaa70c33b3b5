import Foundation
import ImarketJSONRPC

/// A JSON-RPC client for the tests, written against the contract (API.md), not the server code:
/// it sends bodies over a real TLS connection and parses the answers with the JSON parser only.
public final class RPCTestClient: @unchecked Sendable {
    public let http: TLSTestClient
    public var token: String?
    private var nextId = 1

    public init(port: Int, caPath: String, token: String? = nil, certificatePath: String? = nil, keyPath: String? = nil) throws {
        http = try TLSTestClient(host: "127.0.0.1", port: port, caPath: caPath,
                                 certificatePath: certificatePath, keyPath: keyPath, readTimeout: 30)
        self.token = token
    }

    /// The outcome of one call: the result, or the error object's parts.
    public enum Outcome: CustomStringConvertible {
        case success(JSONValue)
        case failure(code: Int64, reason: String?, field: String?, message: String)

        public var result: JSONValue? { if case .success(let v) = self { return v } else { return nil } }
        public var code: Int64? { if case .failure(let c, _, _, _) = self { return c } else { return nil } }
        public var reason: String? { if case .failure(_, let r, _, _) = self { return r } else { return nil } }
        public var field: String? { if case .failure(_, _, let f, _) = self { return f } else { return nil } }

        public var description: String {
            switch self {
            case .success(let v): return "success(\(String(decoding: v.serialized(), as: UTF8.self)))"
            case .failure(let c, let r, let f, let m): return "failure(\(c), \(r ?? "-"), \(f ?? "-"), \(m))"
            }
        }

        init(response: JSONValue) {
            if let error = response["error"] {
                self = .failure(code: error["code"]?.int64Value ?? 0, reason: error["data"]?["reason"]?.stringValue,
                                field: error["data"]?["field"]?.stringValue, message: error["message"]?.stringValue ?? "")
            } else {
                self = .success(response["result"] ?? .null)
            }
        }
    }

    /// Calls `method` and returns its outcome; HTTP-level refusals (401, 429…) come back as
    /// failures too, since their bodies are JSON-RPC error objects.
    public func call(_ method: String, _ params: JSONValue? = nil) throws -> Outcome {
        var members: [(key: String, value: JSONValue)] = [(key: "jsonrpc", value: "2.0"), (key: "method", value: .string(method))]
        if let params { members.append((key: "params", value: params)) }
        members.append((key: "id", value: .number(JSONNumber(nextId))))
        nextId += 1
        let response = try post(String(decoding: JSONValue.object(JSONObject(members)).serialized(), as: UTF8.self))
        guard !response.body.isEmpty else { throw TLSTestClientError("empty response, HTTP \(response.status)") }
        return Outcome(response: try JSONParser.parse(response.body))
    }

    /// Calls and returns the result, failing with a readable error otherwise.
    public func result(_ method: String, _ params: JSONValue? = nil) throws -> JSONValue {
        let outcome = try call(method, params)
        guard let result = outcome.result else { throw TLSTestClientError("\(method) failed: \(outcome)") }
        return result
    }

    public func post(_ body: String, contentType: String = "application/json") throws -> HTTPTestResponse {
        var headers = [("Content-Type", contentType)]
        if let token { headers.append(("Authorization", "Bearer \(token)")) }
        return try http.request(method: "POST", path: "/rpc", headers: headers, body: Array(body.utf8))
    }
}
