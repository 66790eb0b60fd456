/// The rule for short names that the ledger keeps in lists (tellers, tags): any text in any
/// language or script, but no control character.
///
/// The state keeps such a list joined by U+001F, and people read each name on one line, so
/// a control character (U+0000 to U+001F, U+007F to U+009F: line breaks, tabs, the unit
/// separator, terminal escapes) in a name would split it in two or print a fake line.
///
/// ```swift
/// NameText.problem(in: "Asha Patel")       // nil
/// NameText.problem(in: "Asha\u{1F}Patel")  // "has a control character (U+001F) ..."
/// ```
public enum NameText {
  /// Why `name` is not allowed, or `nil` when it is.
  public static func problem(in name: String) -> String? {
    for scalar in name.unicodeScalars where isControl(scalar) {
      let code = String(scalar.value, radix: 16, uppercase: true)
      return
        "has a control character (U+\(String(repeating: "0", count: max(0, 4 - code.count)) + code)); a name is one line of text without control characters"
    }
    return nil
  }

  /// Whether any byte of UTF-8 `bytes` starts a control character (C0, DEL or C1).
  static func hasControl(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    var previous: UInt8 = 0
    for byte in bytes {
      // C1 controls are U+0080 to U+009F: 0xC2 0x80...0x9F in UTF-8.
      if byte < 0x20 || byte == 0x7F || (previous == 0xC2 && (0x80...0x9F).contains(byte)) {
        return true
      }
      previous = byte
    }
    return false
  }

  static func isControl(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.value {
    case 0x00...0x1F, 0x7F...0x9F: true
    default: false
    }
  }
}
