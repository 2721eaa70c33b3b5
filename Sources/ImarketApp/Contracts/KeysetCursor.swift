import Foundation

/// Paging cursors for lists ordered newest first: base64url of `<timestamp text>|<id>` of the
/// last row served (the timestamp exactly as PostgreSQL prints it, so no precision is lost). The
/// next page starts strictly after that key, so pages neither skip nor repeat rows.
enum KeysetCursor {
    static func encode(sortKey: String, id: String) -> String {
        Data("\(sortKey)|\(id)".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
    }

    static func decode(_ cursor: String) -> (sortKey: String, id: String)? {
        var b64 = cursor.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while b64.count % 4 != 0 { b64 += "=" }
        guard cursor.count <= 300, let data = Data(base64Encoded: b64), let text = String(data: data, encoding: .utf8),
              let bar = text.lastIndex(of: "|") else { return nil }
        let key = String(text[..<bar]), id = String(text[text.index(after: bar)...])
        guard key.count >= 19, !id.isEmpty, key.first?.isNumber == true,
              key.allSatisfy({ "0123456789-:. +".contains($0) }) else { return nil }
        return (key, id)
    }
}
