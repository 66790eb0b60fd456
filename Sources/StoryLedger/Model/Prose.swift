import Foundation

/// The one rule the ledger applies to what people write (reasons, objections, responses,
/// feedback, pledges, narratives): it must say something.
///
/// Text in every language and script is accepted, in any case and with any punctuation: a
/// Bengali reason ending in "।", a Chinese one ending in "。", an Arabic one written right to
/// left, a Spanish one in lower case, one with combining marks or emoji. Only text with
/// nothing in it but white space, punctuation, control and format characters is refused.
///
/// ```swift
/// Prose.saysSomething("এটি দেখায় কীভাবে একসাথে হাঁটা আস্থা তৈরি করে।")  // true
/// Prose.saysSomething("  …?! ")                                     // false
/// ```
public enum Prose {
  /// Whether `text` has at least one letter, mark, digit or symbol (emoji included), in any
  /// script.
  public static func saysSomething(_ text: String) -> Bool {
    text.unicodeScalars.contains { scalar in
      switch scalar.properties.generalCategory {
      case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
        .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber, .letterNumber,
        .otherNumber, .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol,
        .privateUse:
        return true
      case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
        .initialPunctuation, .finalPunctuation, .otherPunctuation, .spaceSeparator,
        .lineSeparator, .paragraphSeparator, .control, .format, .surrogate, .unassigned:
        return false
      @unknown default:
        return false
      }
    }
  }

  /// Checks that `text` says something (see ``saysSomething(_:)``).
  ///
  /// - Throws: ``LedgerError`` with code ``LedgerError/Code/invalid`` naming `field`.
  public static func check(_ text: String, field: String) throws(LedgerError) {
    guard saysSomething(text) else {
      throw LedgerError.invalid(
        ValueError(
          field: field, value: text,
          reason:
            text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
            ? "is empty: say why, in any language"
            : "has only punctuation: say why, in any language"
        ))
    }
  }
}
