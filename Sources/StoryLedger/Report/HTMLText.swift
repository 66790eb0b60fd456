/// Text made safe for HTML and SVG: the one function every piece of user text in a report
/// goes through.
///
/// ```swift
/// HTMLText.escape("<b>\"Tom\" & 'Jerry'</b>")
/// // "&lt;b&gt;&quot;Tom&quot; &amp; &#39;Jerry&#39;&lt;/b&gt;"
/// ```
public enum HTMLText {
  /// `text` escaped for an HTML or SVG text node and for a quoted attribute value.
  ///
  /// `&`, `<`, `>`, `"` and `'` become character references, and control characters other
  /// than tab and line feed (which XML forbids, and which could hide text) become U+FFFD, so
  /// the result can stand anywhere text or an attribute value can.
  public static func escape(_ text: String) -> String {
    var result = ""
    result.unicodeScalars.reserveCapacity(text.unicodeScalars.count)
    for scalar in text.unicodeScalars {
      switch scalar {
      case "&": result += "&amp;"
      case "<": result += "&lt;"
      case ">": result += "&gt;"
      case "\"": result += "&quot;"
      case "'": result += "&#39;"
      case "\t", "\n": result.unicodeScalars.append(scalar)
      default:
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F, 0xFFFE, 0xFFFF: result += "\u{FFFD}"
        default: result.unicodeScalars.append(scalar)
        }
      }
    }
    return result
  }

  /// `text` as an identifier for an `id` attribute: ASCII letters, digits, `-` and `_`, other
  /// characters replaced by `-`, starting with a letter.
  public static func identifier(_ text: String) -> String {
    let body = String(
      text.unicodeScalars.map { scalar -> Character in
        scalar.isASCII
          && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar)
            || scalar == "-" || scalar == "_")
          ? Character(scalar) : "-"
      })
    guard let first = body.unicodeScalars.first, first.properties.isAlphabetic else {
      return "id-" + body
    }
    return body
  }
}
