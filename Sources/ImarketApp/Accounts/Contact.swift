import ImarketJSONRPC

/// A contact person of a purchaser or agency (API section 6: `{name, phone, email?}`). Stored as
/// jsonb; validated once here so every method that takes a contact checks it the same way.
public struct Contact: Codable, Sendable, Equatable {
    public var name: String
    public var phone: String
    @NullEncodable public var email: String?

    enum CodingKeys: String, CodingKey { case name, phone, email }

    public init(name: String, phone: String, email: String?) {
        self.name = name
        self.phone = phone
        self.email = email
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        phone = try c.decode(String.self, forKey: .phone)
        email = try c.decodeIfPresent(String.self, forKey: .email)
        try decoder.require(TextRules.isPresent(name, max: 100), "out_of_range", "contact name must be 1–100 characters", field: "name")
        try decoder.require(Contact.isPhone(phone), "invalid_value",
                            "phone must be 3–32 characters of digits, spaces, '+', '-', '(' or ')'", field: "phone")
        if let email {
            try decoder.require(Contact.isEmail(email), "invalid_value", "email must look like name@host", field: "email")
        }
    }

    static func isPhone(_ s: String) -> Bool {
        (3...32).contains(s.count) && s.contains(where: \.isNumber)
            && s.unicodeScalars.allSatisfy { ("0"..."9").contains($0) || " +-()".unicodeScalars.contains($0) }
    }

    static func isEmail(_ s: String) -> Bool {
        let parts = s.split(separator: "@", omittingEmptySubsequences: false)
        return s.count <= 254 && parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".")
            && !s.contains(where: \.isWhitespace)
    }
}

/// Length checks for free text in params: present means non-blank.
enum TextRules {
    static func isPresent(_ s: String, max: Int) -> Bool {
        !s.allSatisfy(\.isWhitespace) && s.count <= max
    }
}
