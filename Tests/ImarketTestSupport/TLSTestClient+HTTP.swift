/// A response read by `TLSTestClient`.
public struct HTTPTestResponse: Sendable {
    public let status: Int
    /// In received order; names as sent.
    public let headers: [(String, String)]
    public let body: [UInt8]

    public init(status: Int, headers: [(String, String)], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// First header with this name (case-insensitive).
    public func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }

    public var bodyString: String { String(decoding: body, as: UTF8.self) }
}

/// HTTP/1.1 on top of the raw TLS stream: just enough for integration tests
/// (Content-Length and chunked bodies, keep-alive, reconnect after Connection: close).
extension TLSTestClient {
    /// Sends one request and reads its response, reusing the connection. If the
    /// previous response said `Connection: close`, reconnects first.
    public func request(
        method: String, path: String, headers: [(String, String)] = [], body: [UInt8] = []
    ) throws -> HTTPTestResponse {
        if !isConnected { try connect() }
        var head = "\(method) \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\n"
        let hasLength = headers.contains { $0.0.lowercased() == "content-length" }
        if !hasLength && (!body.isEmpty || method == "POST" || method == "PUT") {
            head += "Content-Length: \(body.count)\r\n"
        }
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        head += "\r\n"
        try sendRaw(Array(head.utf8) + body)
        let response = try readResponse(isHead: method == "HEAD")
        if response.header("Connection")?.lowercased() == "close" {
            disconnect()
        }
        return response
    }

    /// POST a JSON body with an optional bearer token.
    public func postJSON(path: String = "/rpc", body: String, bearer: String? = nil) throws -> HTTPTestResponse {
        var headers = [("Content-Type", "application/json")]
        if let bearer { headers.append(("Authorization", "Bearer \(bearer)")) }
        return try request(method: "POST", path: path, headers: headers, body: Array(body.utf8))
    }

    func readResponse(isHead: Bool) throws -> HTTPTestResponse {
        let statusLine = try readLine()
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]) else {
            throw TLSTestClientError("bad status line: \(statusLine)")
        }
        var headers: [(String, String)] = []
        while true {
            let line = try readLine()
            if line.isEmpty { break }
            guard let colon = line.firstIndex(of: ":") else { throw TLSTestClientError("bad header line: \(line)") }
            let name = String(line[..<colon])
            let value = line[line.index(after: colon)...].trimmingCharacters(inSpaces: ())
            headers.append((name, value))
        }
        let response = HTTPTestResponse(status: status, headers: headers, body: [])
        if isHead || status == 204 || status == 304 || (100..<200).contains(status) {
            return response
        }
        var body: [UInt8] = []
        if response.header("Transfer-Encoding")?.lowercased().contains("chunked") == true {
            while true {
                let sizeLine = try readLine()
                let sizeText = sizeLine.split(separator: ";").first.map(String.init) ?? ""
                guard let size = Int(sizeText.trimmingCharacters(inSpaces: ()), radix: 16) else {
                    throw TLSTestClientError("bad chunk size: \(sizeLine)")
                }
                if size == 0 {
                    while try !readLine().isEmpty {}  // trailers
                    break
                }
                body += try readExactly(size)
                guard try readLine().isEmpty else { throw TLSTestClientError("missing CRLF after chunk") }
            }
        } else if let lengthText = response.header("Content-Length") {
            guard let length = Int(lengthText) else { throw TLSTestClientError("bad Content-Length \(lengthText)") }
            body = try readExactly(length)
        } else {
            body = readRawUntilClose(timeout: 10).bytes
            disconnect()
        }
        return HTTPTestResponse(status: status, headers: headers, body: body)
    }

    private func fill() throws {
        switch readChunk() {
        case .data(let chunk):
            if inboundOffset > 0 && inboundOffset == inbound.count {
                inbound.removeAll(keepingCapacity: true)
                inboundOffset = 0
            }
            inbound += chunk
        case .timeout: throw TLSTestClientError("read timed out")
        case .closeNotify, .closed:
            disconnect()
            throw TLSTestClientError("connection closed by server")
        }
    }

    /// One CRLF-terminated line, without the CRLF.
    func readLine() throws -> String {
        while true {
            if let end = findCRLF() {
                let line = String(decoding: inbound[inboundOffset..<end], as: UTF8.self)
                inboundOffset = end + 2
                return line
            }
            try fill()
        }
    }

    func readExactly(_ count: Int) throws -> [UInt8] {
        while inbound.count - inboundOffset < count { try fill() }
        let bytes = Array(inbound[inboundOffset..<(inboundOffset + count)])
        inboundOffset += count
        return bytes
    }

    private func findCRLF() -> Int? {
        var index = inboundOffset
        while index + 1 < inbound.count {
            if inbound[index] == 13 && inbound[index + 1] == 10 { return index }
            index += 1
        }
        return nil
    }
}

fileprivate extension Substring {
    func trimmingCharacters(inSpaces: ()) -> String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}

fileprivate extension String {
    func trimmingCharacters(inSpaces: ()) -> String {
        Substring(self).trimmingCharacters(inSpaces: ())
    }
}
