import NIOHTTP1

/// The grammar of one request head (RFC 9112 sections 3 and 5, RFC 9110 section 5.6), parsed in
/// a single pass over a block that ends with CRLF CRLF.
enum HTTPHeadSyntax {
    private static let cr = UInt8(ascii: "\r")
    private static let lf = UInt8(ascii: "\n")
    private static let space = UInt8(ascii: " ")
    private static let tab = UInt8(ascii: "\t")

    static func parse(_ bytes: UnsafeRawBufferPointer, maxBodySize: Int) -> HTTPRequestParser.HeadResult {
        let malformed = HTTPRequestParser.HeadResult.refuse(.malformedRequest)
        let count = bytes.count
        // request-line = method SP request-target SP HTTP-version CRLF
        var i = 0
        while i < count, isTokenByte(bytes[i]) { i += 1 }
        guard i > 0, i < count, bytes[i] == space else { return malformed }
        let method = string(bytes, 0, i)
        i += 1
        let targetStart = i
        while i < count, bytes[i] > space, bytes[i] < 0x7F { i += 1 }
        guard i > targetStart, i < count, bytes[i] == space else { return malformed }
        let uri = string(bytes, targetStart, i)
        i += 1
        guard i + 10 <= count, matches(bytes, at: i, "HTTP/1."), bytes[i + 8] == cr, bytes[i + 9] == lf else { return malformed }
        let version: HTTPVersion
        switch bytes[i + 7] {
        case UInt8(ascii: "1"): version = .http1_1
        case UInt8(ascii: "0"): version = .http1_0
        default: return malformed
        }
        i += 10

        var fields: [(String, String)] = []
        fields.reserveCapacity(8)
        var contentLength: Int?
        var transferCodings: [Substring] = []
        var sawTransferEncoding = false
        while true {
            guard i < count else { return malformed }
            if bytes[i] == cr {
                guard i + 2 == count, bytes[i + 1] == lf else { return malformed }
                break
            }
            // field-line = field-name ":" OWS field-value OWS; a leading space would be obs-fold.
            let nameStart = i
            while i < count, isTokenByte(bytes[i]) { i += 1 }
            guard i > nameStart, i < count, bytes[i] == UInt8(ascii: ":") else { return malformed }
            let nameEnd = i
            i += 1
            while i < count, bytes[i] == space || bytes[i] == tab { i += 1 }
            let valueStart = i
            var valueEnd = i
            while i < count, bytes[i] != cr {
                let byte = bytes[i]
                guard byte == tab || (byte >= space && byte != 0x7F) else { return malformed }
                i += 1
                if byte != space && byte != tab { valueEnd = i }
            }
            guard i + 1 < count, bytes[i + 1] == lf else { return malformed }
            i += 2
            let name = string(bytes, nameStart, nameEnd)
            let value = string(bytes, valueStart, valueEnd)
            switch nameEnd - nameStart {
            case 14 where name.lowercased() == "content-length":
                let bytes = UnsafeRawBufferPointer(rebasing: bytes[valueStart..<valueEnd])
                guard let length = digitsValue(bytes) ?? contentLengthList(value),
                      contentLength == nil || contentLength == length else { return malformed }
                contentLength = length
            case 17 where name.lowercased() == "transfer-encoding":
                sawTransferEncoding = true
                transferCodings += value.split(separator: ",").map { $0.trimmingOWS() }
            default:
                break
            }
            fields.append((name, value))
        }

        let head = HTTPRequestHead(version: version, method: HTTPMethod(rawValue: method), uri: uri, headers: HTTPHeaders(fields))
        if sawTransferEncoding {
            // Only `chunked`, only on HTTP/1.1, never together with a length (RFC 9112 section 6.1).
            guard version == .http1_1, contentLength == nil, transferCodings.count == 1,
                  transferCodings[0].lowercased() == "chunked" else { return malformed }
            return .head(head, .chunked)
        }
        guard let contentLength else { return .head(head, .none) }
        if contentLength > maxBodySize { return .refuse(.bodyTooLarge) }
        return .head(head, .length(contentLength))
    }

    /// A plain run of digits; lengths too large to represent come back as `Int.max`, which any
    /// limit refuses.
    private static func digitsValue(_ bytes: some Collection<UInt8>) -> Int? {
        guard !bytes.isEmpty else { return nil }
        var value = 0
        for byte in bytes {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value > (Int.max - 9) / 10 ? Int.max : value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }

    /// A `Content-Length` list of identical values (RFC 9110 section 8.6), as some proxies send.
    private static func contentLengthList(_ value: String) -> Int? {
        var result: Int?
        for item in value.split(separator: ",", omittingEmptySubsequences: false) {
            guard let length = digitsValue(item.trimmingOWS().utf8), result == nil || result == length else { return nil }
            result = length
        }
        return result
    }

    /// tchar (RFC 9110 section 5.6.2).
    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"), UInt8(ascii: "'"),
             UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "^"), UInt8(ascii: "_"),
             UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    private static func matches(_ bytes: UnsafeRawBufferPointer, at offset: Int, _ literal: StaticString) -> Bool {
        guard offset + literal.utf8CodeUnitCount <= bytes.count else { return false }
        for k in 0..<literal.utf8CodeUnitCount where bytes[offset + k] != literal.utf8Start[k] { return false }
        return true
    }

    private static func string(_ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> String {
        String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
    }
}

extension Substring {
    /// Without leading and trailing spaces and tabs (HTTP's optional whitespace).
    fileprivate func trimmingOWS() -> Substring {
        var result = self
        while let first = result.first, first == " " || first == "\t" { result.removeFirst() }
        while let last = result.last, last == " " || last == "\t" { result.removeLast() }
        return result
    }
}
